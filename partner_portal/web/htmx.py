"""Everything that knows htmx's headers. An htmx upgrade should touch only this file
(plus the vendored script and the htmx-config meta tag in base.html)."""

from __future__ import annotations

from flask import Response, make_response, redirect as flask_redirect, render_template, request
from jinja2_fragments.flask import render_block

HTMX_VERSION = "2.0.11"
HTMX_SCRIPT = f"vendor/htmx-{HTMX_VERSION}.min.js"


def is_request() -> bool:
    """True for any request htmx sent (history restores included)."""
    return request.headers.get("HX-Request") == "true"


def current_url() -> str:
    """The URL of the page htmx sent the request from ("" when unknown)."""
    return request.headers.get("HX-Current-URL", "")


def is_htmx() -> bool:
    """True for an htmx request that expects a fragment.

    A history-restore request (the user pressed Back and htmx's cache missed) wants the whole
    page, so it counts as a normal request.
    """
    return is_request() and request.headers.get("HX-History-Restore-Request") != "true"


def target() -> str | None:
    """The id of the element htmx will swap into, if any."""
    return request.headers.get("HX-Target")


def render(
    template: str, block: str | None = None, status: int = 200, oob: tuple[str, ...] = (), **context
) -> Response:
    """Render the full page, or for htmx only `block` (plus out-of-band `oob` blocks)."""
    if block and is_htmx():
        body = render_block(template, block, **context)
        for extra in oob:
            body += render_block(template, extra, oob=True, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def empty(status: int = 200) -> Response:
    """An empty fragment: htmx swaps it in (removing the target); 204 would swap nothing."""
    response = make_response("", status)
    response.vary.add("HX-Request")
    return response


def redirect(location: str) -> Response:
    """Navigate: HX-Redirect for htmx (a 302 would be followed and swapped in), 303 otherwise."""
    if is_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return flask_redirect(location, code=303)


def reload(location: str) -> Response:
    """Load `location` afresh, even when it is the page already shown (HX-Redirect to the same
    address with only a #fragment changed would just scroll): for changes the whole page must
    show, such as its language."""
    if is_request():
        response = make_response("", 200)
        response.headers["HX-Refresh"] = "true"
        return response
    return flask_redirect(location, code=303)


def trigger(response: Response, *events: str) -> Response:
    """Ask htmx to fire client events after the swap (other regions listen and refresh)."""
    if events:
        existing = response.headers.get("HX-Trigger")
        names = ([existing] if existing else []) + list(events)
        response.headers["HX-Trigger"] = ", ".join(names)
    return response


def push_url(response: Response, url: str) -> Response:
    """Make htmx push a URL to the history (for GET fragments that stand for a page)."""
    response.headers["HX-Push-Url"] = url
    return response
