"""CSV downloads, streamed row by row so a long export never sits in memory, and safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import io
import itertools
import re
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


# Rows are written by the csv module a batch at a time (writerows loops in C); a batch's text is
# searched once for a cell that could start like a formula, and only a batch where one might is
# written again with safe_cell on every value. The search is a superset of the rule: any cell
# written with a formula sign first (after its opening quote, if quoted) matches, and so do
# harmless ones such as a negative number, which merely take the careful path.
BATCH_ROWS = 128
_MAY_START_FORMULA = re.compile(r'(?:^|,)"?[=+\-@\t\r]', re.MULTILINE)


def csv_pieces(rows: Iterable[Sequence], size: int = CHUNK_SIZE) -> Iterator[str]:
    """The text of csv_lines(rows) in pieces of at least `size` characters (the last may be
    shorter; a piece ends at a batch of rows, so it may run one batch past `size`)."""
    return chunked(_csv_batches(iter(rows)), size)


def _csv_batches(rows: Iterator[Sequence]) -> Iterator[str]:
    """The CSV text of BATCH_ROWS rows at a time, every cell safe (see above)."""
    scratch = io.StringIO()
    writer = csv.writer(scratch, lineterminator="\r\n")

    def text_of(batch: Iterable[Sequence]) -> str:
        scratch.seek(0)
        scratch.truncate()
        writer.writerows(batch)
        return scratch.getvalue()

    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        text = text_of(batch)
        if _MAY_START_FORMULA.search(text):
            text = text_of(map(_safe_cells, batch))
        yield text


def chunked(lines: Iterable[str], size: int = CHUNK_SIZE) -> Iterator[str]:
    """Join consecutive lines (or batches of lines) into pieces of at least `size` characters (the
    last may be shorter)."""
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
