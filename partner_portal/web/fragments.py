"""Rendered HTML kept per worker for the parts of pages that repeat request after request (the
page frame's navigation and customer menu, each row of the Customer Dashboard).

A part is kept under a key made of *everything* it shows: the values themselves (a dashboard row's
figures, the person's frame version, which database triggers change with their roles,
organizations and programs), the language, and the page it sits on. So a kept part is only ever
used while it is exactly what rendering would produce now, and nothing has to be told when data
changes: new data is a new key, and the old entry ages out of the bounded store.

The CSRF token differs per request, so parts are rendered with a marker in its place and the
request's token goes in when the part is used (`finish`). Each app has its own store (tests build
many apps over different databases, where the same ids mean different things).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app, request
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

from .i18n import current as current_locale

# Stands for the CSRF token in kept HTML; random per process, so no content can forge it.
CSRF_MARK = f"csrf-mark-{secrets.token_hex(16)}"
DEFAULT_SIZE = 5_000  # parts per worker: about 3 KB each (a dashboard row), some 15 MB at most


class HtmlStore:
    """A bounded map of key -> HTML, least recently used out first; safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._parts: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, render: Callable[[], str]) -> str:
        """The HTML kept under `key`, rendered (and kept) when missing."""
        with self._lock:
            html = self._parts.get(key)
            if html is not None:
                self._parts.move_to_end(key)
                self.hits += 1
                return html
        html = render()
        with self._lock:
            self.misses += 1
            self._parts[key] = html
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._parts)


def kept(key: Hashable, render: Callable[[], str]) -> str:
    """The HTML for `key` (with CSRF_MARK for the token): kept, or rendered now by `render`; always
    rendered when HTML_CACHE is off."""
    return active_store().get(key, render)


class _Unkept:
    """Stands in for the store when HTML_CACHE is off: renders every time."""

    @staticmethod
    def get(key: Hashable, render: Callable[[], str]) -> str:
        return render()


def active_store() -> HtmlStore | _Unkept:
    """The store to use now (one lookup for many parts, e.g. a hundred rows)."""
    app = current_app._get_current_object()
    return app.extensions["html_store"] if app.config["HTML_CACHE"] else _Unkept


def marked_context(context: dict) -> dict:
    """A template context whose csrf_token() writes the marker instead of this request's token."""
    return {**context, "csrf_token": _mark}


def _mark() -> str:
    return CSRF_MARK


def finish(html: str) -> Markup:
    """Kept HTML ready for this response: the request's CSRF token where the marker stands."""
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, generate_csrf())
    # Kept HTML is our own templates' output, escaped by Jinja when it was rendered; the token is
    # URL-safe base64 with dots (itsdangerous), so nothing here is unescaped outside input.
    return Markup(html)  # noqa: S704  # nosec B704


@pass_context
def kept_part(context, name: str, *key: Hashable) -> Markup:
    """The template `name` rendered with the page's context, kept under `key` (which must name
    everything the template shows beyond its fixed words) with the language and script root."""

    def render() -> str:
        return context.environment.get_template(name).render(marked_context(context.get_all()))

    full_key = ("part", name, str(current_locale()), request.script_root, *key)
    return finish(kept(full_key, render))


def register(app: Flask) -> None:
    """Give the app its store (size: HTML_CACHE_SIZE)."""
    app.config.setdefault("HTML_CACHE", True)
    app.extensions["html_store"] = HtmlStore(app.config.get("HTML_CACHE_SIZE", DEFAULT_SIZE))
    app.add_template_global(kept_part)
