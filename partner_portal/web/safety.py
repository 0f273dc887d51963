"""Checks on user-supplied URLs: `next` paths, and the Origin/Referer of unsafe requests."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, request

from .i18n import gettext

# Control characters and backslashes: browsers treat "\" like "/", so "/\evil" is "//evil".
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def local_path(candidate: str | None) -> str | None:
    """Return `candidate` when it is a same-site path ("/x?y"), else None.

    Accepts only strings that start with exactly one "/", with no scheme or host, and that stay
    so after percent-decoding (so "/%2F%2Fevil" and "/%5Cevil" are refused too). A full URL to
    this site is reduced to its path.
    """
    if not candidate:
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        own = urlsplit(request.host_url)
        if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
            return None
        candidate = parts.path + (f"?{parts.query}" if parts.query else "")
    decoded = candidate
    for _ in range(3):  # nested encodings: %252F decodes to %2F, then to /
        decoded = unquote(decoded)
    for form in (candidate, decoded):
        if _UNSAFE.search(form) or not form.startswith("/") or form.startswith("//"):
            return None
        if urlsplit(form).scheme or urlsplit(form).netloc:
            return None
    return candidate


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _origin(scheme: str, netloc: str) -> tuple[str, str]:
    """(scheme, host[:port]) in lower case, without the scheme's default port."""
    scheme, netloc = scheme.lower(), netloc.lower()
    default_port = _DEFAULT_PORTS.get(scheme)
    return scheme, netloc.removesuffix(default_port) if default_port else netloc


def is_own_origin(url: str) -> bool:
    """True when `url` (an Origin or Referer value) names this site: the request's host and scheme.

    With PORTAL_SECURE_COOKIES the site is https only, even when a proxy that is not trusted
    (TRUSTED_PROXIES) hides the scheme; the host was already checked against TRUSTED_HOSTS.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    scheme = "https" if current_app.config.get("SESSION_COOKIE_SECURE") else request.scheme
    return _origin(parts.scheme, parts.netloc) == _origin(scheme, request.host)


def register(app: Flask) -> None:
    """Refuse unsafe requests another site sent, before any view runs."""

    @app.before_request
    def refuse_foreign_origin():
        # Browsers send Origin on cross-site POSTs; older ones only a Referer. With neither, the
        # CSRF token (checked for every unsafe request anyway) is the defence.
        if request.method in SAFE_METHODS:
            return
        source = request.headers.get("Origin") or request.headers.get("Referer")
        if source and not is_own_origin(source):
            abort(
                403,
                description=gettext(
                    "This request came from another site, so it was refused. Open the page on this site and try again."
                ),
            )
