"""Checks on user-supplied URLs."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

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
    from flask import request

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
