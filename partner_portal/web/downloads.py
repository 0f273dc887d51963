"""CSV downloads, streamed row by row so a long export never sits in memory."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, stream_with_context


def csv_lines(rows: Iterable[Sequence]) -> Iterator[str]:
    """Yield each row (the header row included) as one properly quoted CSV line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_download(rows: Iterable[Sequence], filename: str) -> Response:
    """A streamed text/csv attachment of `rows`; the generator runs inside the request context."""
    return Response(stream_with_context(csv_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
