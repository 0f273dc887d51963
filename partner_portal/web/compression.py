"""gzip for text responses (pages, fragments, CSV, JSON), streamed ones included, when the browser
accepts it. Static files are compressed once ahead (web/assets.py)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from flask import Flask, Response, request

COMPRESSED_TYPES = frozenset(
    {
        "text/html",
        "text/csv",
        "text/plain",
        "application/json",
        "image/svg+xml",
        "text/css",
        "application/javascript",
        "text/javascript",
    }
)
# Below this, gzip's header and the CPU cost are not worth it.
MIN_SIZE = 1024
# Level 1 keeps most of the gain (a 100-row dashboard shrinks about tenfold) at a fraction of
# level 6's CPU time, measured with bench/suite.py: compression runs on every page view.
LEVEL = 1


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _same_site_request() -> bool:
    """False for a request another site made the browser send. BREACH recovers a secret of a
    compressed page (our CSRF token) from the sizes of many such requests with guesses in their
    URL, so those pages go out uncompressed. (Clients that send no Sec-Fetch-Site get gzip; the
    session cookie is SameSite=Lax, so browsers keep it off other sites' background requests.)"""
    return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}


def gzip_stream(chunks: Iterable[bytes | str]) -> Iterator[bytes]:
    """Compress a streamed body as it goes: zlib holds at most its window, so memory stays flat."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
    for chunk in chunks:
        packed = compressor.compress(chunk.encode() if isinstance(chunk, str) else chunk)
        if packed:
            yield packed
    yield compressor.flush()


def compress(response: Response) -> Response:
    """gzip the response when it is text, big enough, not yet encoded, and the browser takes it."""
    if (
        response.mimetype not in COMPRESSED_TYPES
        or "Content-Encoding" in response.headers
        or response.direct_passthrough
        or not _accepts_gzip()
    ):
        return response
    response.vary.add("Accept-Encoding")
    if not _same_site_request():
        return response
    if response.is_streamed:
        response.response = gzip_stream(response.response)
        response.headers.pop("Content-Length", None)
    else:
        body = response.get_data()
        if len(body) < MIN_SIZE:
            return response
        response.set_data(zlib.compress(body, LEVEL, 31))
    response.headers["Content-Encoding"] = "gzip"
    return response


def register(app: Flask) -> None:
    """Compress after every other after-request step has shaped the response."""
    app.after_request(compress)
