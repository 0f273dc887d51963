"""Large uploads, streamed to disk by the one view that accepts them.

Every other request is capped at MAX_CONTENT_LENGTH (1 MiB) and its form is parsed before the
view runs (the CSRF check, the NUL check). A view decorated with @reads_own_body is left out of
both: its body is read by receive_upload() only after the view's guard let the request through,
so nobody who may not upload can make the portal read (let alone store) a large body. The file
part is written straight into the given folder, under its own size limit; the CSRF token and
the NUL check are applied here instead.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import abort, request
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.wsgi import get_input_stream
from wtforms import ValidationError

from ..extensions import csrf
from .inputs import has_nul, nul_message

# Text fields beside the file (the CSRF token, a checkbox) are tiny; this is Flask's default bound
# on what the multipart parser holds in memory (it also buffers the file's chunks while it looks
# for the next boundary, so the bound can't be much smaller).
MAX_FIELDS_BYTES = 500_000


class UploadMissing(Exception):
    """The request carried no file in the expected field."""


@dataclass(frozen=True)
class Upload:
    """A file received into `path`, with the name it had on the sender's disk and the form's other fields."""

    path: Path
    filename: str
    size: int
    form: MultiDict


def reads_own_body(view):
    """Mark a view that parses its own body with receive_upload (no CSRF or NUL check before it)."""
    view.reads_own_body = True
    return csrf.exempt(view)


def receive_upload(field: str, folder: Path, max_bytes: int, suffix: str = "") -> Upload:
    """Stream the request's multipart body: the file in `field` goes to a new file in `folder`
    (named at random, ending in `suffix`), the other fields are returned. Raises
    RequestEntityTooLarge past `max_bytes` (nothing is left on disk), CSRFError without a valid
    token, UploadMissing without a file; aborts 400 on a NUL character."""
    folder.mkdir(parents=True, exist_ok=True)
    handles = []

    def stream_factory(total_content_length, content_type, filename, content_length=None):
        handle = tempfile.NamedTemporaryFile("wb+", dir=folder, prefix=".upload-", suffix=".part", delete=False)
        handles.append(handle)
        return handle

    try:
        _stream, form, files = parse_form_data(
            request.environ,
            stream_factory=stream_factory,
            max_content_length=max_bytes,
            max_form_memory_size=MAX_FIELDS_BYTES,
            silent=False,
        )
        _check_token(form)
        upload = files.get(field)
        if upload is None or not upload.filename:
            raise UploadMissing(f"Choose a file to upload in {field!r}.")
        if has_nul(form) or "\x00" in upload.filename:
            abort(400, nul_message())
        upload.stream.close()
        kept = folder / f"{uuid.uuid4().hex}{suffix}"
        os.replace(upload.stream.name, kept)
        return Upload(kept, upload.filename[-255:], kept.stat().st_size, form)
    finally:
        # Nothing stays on disk but the one file returned: not a part cut off by the size limit,
        # nor the parts of a refused request, nor other file fields.
        for handle in handles:
            handle.close()
            Path(handle.name).unlink(missing_ok=True)


def receive_body(folder: Path, max_bytes: int, suffix: str = "") -> Path:
    """Stream the raw request body (an API upload: no form, no CSRF token) to a new file in
    `folder`; raises RequestEntityTooLarge past `max_bytes` (nothing is left on disk)."""
    if (request.content_length or 0) > max_bytes:
        raise RequestEntityTooLarge()
    folder.mkdir(parents=True, exist_ok=True)
    stream = get_input_stream(request.environ, max_content_length=max_bytes)
    handle = tempfile.NamedTemporaryFile("wb", dir=folder, prefix=".upload-", suffix=".part", delete=False)
    try:
        size = 0
        with handle:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise RequestEntityTooLarge()
                handle.write(chunk)
        kept = folder / f"{uuid.uuid4().hex}{suffix}"
        os.replace(handle.name, kept)
        return kept
    finally:
        Path(handle.name).unlink(missing_ok=True)


def _check_token(form: MultiDict) -> None:
    """The CSRF check Flask-WTF skipped for this view: the form field, or the header htmx sends."""
    try:
        validate_csrf(form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except ValidationError as error:
        raise CSRFError(error.args[0]) from None
