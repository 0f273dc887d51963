"""Bounds on what any request may carry, applied to every route and form at once: ids that fit the
database's id columns, and no NUL characters."""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter

from .i18n import gettext

# Our id columns are INTEGER: 32-bit signed on PostgreSQL (a larger value fails the query), and
# SQLite overflows at 2**63. No row can have a larger id, so such a URL names nothing.
MAX_ID = 2**31 - 1

# In English for the API; nul_message() says it in the page's language.
NUL_MESSAGE = (
    "The request contained a NUL character (\\0), which no address or field of the portal "
    "accepts. Remove it and try again."
)


def nul_message() -> str:
    """NUL_MESSAGE in the current language (for pages)."""
    return gettext(
        "The request contained a NUL character (\\0), which no address or field of the portal "
        "accepts. Remove it and try again."
    )


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a whole number up to MAX_ID, so a larger one matches no route
    (404) instead of reaching the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def has_nul(values) -> bool:
    """True when any key or value of a MultiDict contains a NUL character."""
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def reject_nul() -> None:
    """400 for a NUL character in the path, the query string or a form field, before any view runs.

    PostgreSQL refuses NUL in text (a 500 mid-request), SQLite stores it and later pages show a
    truncated value; no legitimate name, email or token contains one.
    """
    # A file sent to a view that reads its own body (a streamed upload, multipart or raw, see
    # web/uploads.py) is checked there: parsing it here would read the upload before the view's
    # guard has run. An ordinary form is still checked here, whatever the view.
    own_body = request.mimetype != "application/x-www-form-urlencoded" and getattr(
        current_app.view_functions.get(request.endpoint), "reads_own_body", False
    )
    if "\x00" in request.path or has_nul(request.args) or (not own_body and has_nul(request.form)):
        abort(400, nul_message())


def register(app: Flask) -> None:
    """Install the id converter (before any blueprint adds its rules) and the NUL check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(reject_nul)
