"""Friendly error pages; never a stack trace in the browser."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from ..extensions import db
from . import headers, htmx
from .i18n import DEFAULT, force_locale, gettext, lazy_gettext

TITLES = {
    400: lazy_gettext("That request could not be understood"),
    403: lazy_gettext("You don't have access to this page"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("That action isn't available here"),
    413: lazy_gettext("That upload is too large"),
    422: lazy_gettext("Please check what you entered"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong on our side"),
}

# Translated on the error pages; the API answers them in English (english()).
MESSAGES = {
    400: lazy_gettext("The request was malformed or incomplete. Go back and try again."),
    403: lazy_gettext(
        "Your administrator role does not include this page. Ask a full-access administrator of your organization."
    ),
    404: lazy_gettext("There is nothing at this address, or it belongs to an organization you can't see."),
    405: lazy_gettext("This address doesn't accept that kind of request."),
    413: lazy_gettext("The data sent was larger than the portal accepts."),
    422: lazy_gettext("Some of the information sent could not be used."),
    429: lazy_gettext("You have tried this too often in a short time. Wait a minute, then try again."),
    500: lazy_gettext(
        "The error has been logged. Try again in a moment; if it keeps happening, contact your operator."
    ),
}


def english(message) -> str:
    """A (lazily translated) message in English, as the API speaks."""
    with force_locale(DEFAULT):
        return str(message)


def _switch_back():
    """For a 403: the organization the user switched away from (Back after a switch lands on its
    pages), or None."""
    from .tenancy import previous_org  # the error pages load before any organization does

    return previous_org()


def render_error(code: int, message: str | None = None, partner_only: bool = False):
    """Render the error page for `code` as a full page (also for htmx: the error region swaps)."""
    return htmx.render(
        "errors/error.html",
        block="error_panel",
        status=code,
        code=code,
        title=str(TITLES.get(code) or gettext("Error")),
        message=message or str(MESSAGES.get(code, "")),
        partner_only=partner_only,
        switch_back=_switch_back() if code == 403 else None,
    )


# The last resort when even the error page fails: no template, no database, no URL building.
STATIC_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title>'
    "</head><body><h1>Something went wrong on our side</h1><p>The error has been logged. Try again in a "
    'moment; if it keeps happening, contact your operator.</p><p><a href="/">Go to the home page</a>'
    "</p></body></html>"
)


def server_error() -> Response:
    """The 500 page, rendered on a clean session; a static page with the security headers when
    even that fails. Never raises."""
    try:
        # A failed statement leaves the transaction aborted on PostgreSQL, and the page's header
        # reads the database: start again from a clean one.
        db.session.rollback()
        return render_error(500)
    except Exception:
        current_app.logger.exception("The error page failed too; answering a static one")
        # after_request handlers may not run (or may be what failed): add the headers here.
        return headers.secure(Response(STATIC_500, 500, mimetype="text/html"))


def _for_api() -> bool:
    """True for a request under /api/: its errors are problem+json, never a page."""
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, gettext("Your form expired or was sent from elsewhere. Reload the page and try again.")
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # No URL can be built for an untrusted Host, so no template: a plain answer.
        return Response("Bad request: this host name is not served here.", 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if _for_api():
            # No route matched (or the method), so the API blueprint's own handler never ran.
            from ..api.problems import problem

            return problem(code, english(MESSAGES.get(code, "")))
        description = error.description if isinstance(error.description, str) else None
        if description == "partner-only":
            return render_error(
                403,
                gettext(
                    "This page is for partner accounts only: your organization has no active partner program membership."
                ),
                partner_only=True,
            )
        # Werkzeug's default descriptions are technical; keep only the ones we wrote.
        custom = description if description and description != type(error).description else None
        return render_error(code, custom)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        current_app.logger.exception("Unhandled error")
        if _for_api():
            from ..api.problems import problem

            db.session.rollback()
            return problem(500, english(MESSAGES[500]))
        return server_error()

    app.register_error_handler(InternalServerError, unexpected)
