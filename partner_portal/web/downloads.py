"""CSV downloads, streamed row by row so a long export never sits in memory, and safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence

from flask import Response, current_app

# A spreadsheet program runs a text cell that starts with one of these as a formula
# (=HYPERLINK(...), +cmd|..., @SUM(...)); tab and carriage return can hide the sign in front.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` as a CSV cell that no spreadsheet runs: text starting like a formula gets a leading
    apostrophe (OWASP's CSV-injection rule), which spreadsheets show as plain text.

    Only text is changed. An int or float is written by the csv module as digits with at most a
    leading minus and an exponent, which a spreadsheet reads as a number and can never carry a
    formula, so negative figures stay numbers. Pass figures as numbers, not as formatted text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_cells(row: Sequence) -> list:
    """safe_cell of every value of a row, inline: an export calls it for each of its rows."""
    return ["'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value for value in row]


def csv_lines(rows: Iterable[Sequence]) -> Iterator[str]:
    """Yield each row (the header row included) as one properly quoted CSV line of safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(_safe_cells(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# Lines go out in pieces of about this size: one write to the socket (and one pass of the gzip
# stream) per piece instead of per line, while memory stays flat for any number of rows.
CHUNK_SIZE = 16 * 1024


def csv_pieces(rows: Iterable[Sequence], size: int = CHUNK_SIZE) -> Iterator[str]:
    """The text of csv_lines(rows) in the pieces chunked() makes of it, written straight into
    one buffer per piece (not a string per line, then joined)."""
    buffer = io.StringIO()
    write = csv.writer(buffer, lineterminator="\r\n").writerow
    length = 0
    for row in rows:
        length += write(_safe_cells(row))  # the characters written
        if length >= size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            length = 0
    if length:
        yield buffer.getvalue()


def chunked(lines: Iterable[str], size: int = CHUNK_SIZE) -> Iterator[str]:
    """Join consecutive lines into pieces of at least `size` characters (the last may be shorter)."""
    piece: list[str] = []
    length = 0
    for line in lines:
        piece.append(line)
        length += len(line)
        if length >= size:
            yield "".join(piece)
            piece, length = [], 0
    if piece:
        yield "".join(piece)


def csv_download(filename: str, header: Sequence[str], rows: Callable[[], Iterable[Sequence]]) -> Response:
    """A streamed text/csv attachment: the header row, then every row of `rows()`.

    The body is sent after the view has returned and the request's database session is gone
    (on PostgreSQL its server-side cursor with it), so `rows` is called only when the body
    starts, inside an app context and database session of the download's own, which end with
    the body (or when the client goes away). `rows` must not use the request: give it plain
    values such as ids, not the request's ORM objects.
    """
    app = current_app._get_current_object()

    def body() -> Iterator[str]:
        with app.app_context():
            yield from csv_pieces(itertools.chain([header], rows()))

    return Response(body(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
