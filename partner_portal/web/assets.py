"""Static files under names that carry a hash of their content, so browsers keep them for a year
and never ask again; compressed once per worker and served gzipped to browsers that accept it."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path

from flask import Flask, Response, abort, current_app, has_request_context, request, url_for

YEAR = 31536000
# Per worker: (path, modification time) -> (digest, body, gzipped body); and each page's asset URLs
# (a file changes with a deployment, which starts new workers; with the reloader on, every time).
_FILES: dict[tuple[str, int], tuple[str, bytes, bytes]] = {}
_URLS: dict[tuple[str, str], str] = {}


def lean_script(source: str) -> str:
    """Our own (unminified) script without whole-line comments and indentation: what a browser
    needs of it. Lines are never joined, so statements keep their line breaks. Left as it is
    when a line could continue a string onto the next (a template literal or a trailing
    backslash), where indentation and slashes would be content."""
    lines = source.splitlines()
    if "`" in source or any(line.endswith("\\") for line in lines):
        return source
    kept = [line.strip() for line in lines if not line.lstrip().startswith("//")]
    return "\n".join(line for line in kept if line) + "\n"


def _load(path: Path) -> tuple[str, bytes, bytes]:
    """The file's digest, content and gzipped content (read and compressed once per worker)."""
    key = (str(path), path.stat().st_mtime_ns)
    found = _FILES.get(key)
    if found is None:
        body = path.read_bytes()
        if path.suffix == ".js" and not path.name.endswith(".min.js"):
            body = lean_script(body.decode()).encode()
        found = (hashlib.sha256(body).hexdigest()[:16], body, gzip.compress(body, compresslevel=6, mtime=0))
        _FILES[key] = found
    return found


def _static_path(filename: str) -> Path:
    """The file under the static folder; 404 outside it or when missing."""
    root = Path(current_app.static_folder).resolve()
    try:
        path = (root / filename).resolve()
        found = root in path.parents and path.is_file()
    except (OSError, ValueError):  # a name the file system refuses (too long, a NUL): no such file
        found = False
    if not found:
        abort(404)
    return path


def asset_url(filename: str) -> str:
    """URL of a static file whose path names its content (a new content is a new URL)."""
    # Per script root: the same worker can serve the portal under more than one (tests do).
    key = (request.script_root if has_request_context() else "", filename)
    url = _URLS.get(key)
    if url is None:
        url = url_for("asset", digest=_load(_static_path(filename))[0], filename=filename)
        # Only a relative URL is kept: an absolute one names the host of the request that built it.
        if not current_app.debug and url.startswith("/"):
            _URLS[key] = url
    return url


def serve(digest: str, filename: str) -> Response:
    """A static file: gzipped when the browser accepts it; cached for a year when `digest` is the
    file's (an older page's digest still gets the current file, revalidated every time)."""
    current, body, packed = _load(_static_path(filename))
    response = Response(status=200, mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream")
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(packed) < len(body):
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{current}-gzip")  # each encoding is its own representation
    else:
        response.set_data(body)
        response.set_etag(current)
    response.vary.add("Accept-Encoding")
    if digest == current:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def register(app: Flask) -> None:
    """Serve /assets/<digest>/<path> and give templates `asset(path)`."""
    app.add_url_rule("/assets/<digest>/<path:filename>", "asset", serve)
    app.add_template_global(asset_url, "asset")
