"""Whole responses kept per worker for the pages people open again and again (Home, the Customer
Dashboard and its fragments, the licensing panel and charts, the notification center, the CSV
exports), served again without running the app while nothing in the database has changed.

When may a kept response stand in for running the view? When the request is the same and so is
everything the view reads:

- *the request*: the key is the method, scheme, host, path and query, the client address and
  every header, Cookie included. Another person, another language, an htmx request or another
  session is another key, so a response is only ever served to the browser it was made for.
- *the database*: each entry carries the database's version read *before* the view ran, and is
  used only while the version is the same. The version is one the database itself keeps for
  every commit, by anyone, so no write can be missed: SQLite's `PRAGMA data_version` on a
  connection of its own (it changes whenever another connection commits), PostgreSQL's
  `pg_current_snapshot()` (only transactions that write are given ids, and the end of any of
  them, commit or rollback, changes its text). Reading it first means a write that lands while
  the view runs leaves the entry behind an older version, never ahead of it. A view that writes
  (a session's last-seen time, once a minute) makes its own entry stale at once. Any write
  anywhere empties every kept response at once: coarse, and so the gain shrinks as writes get
  frequent, but nothing can be kept past a change (docs/performance.md).
- *the clock*: an entry lives at most RESPONSE_CACHE_SECONDS, never past the end of the UTC day
  (pages count days) nor past the expiry of the session it was made for.

Only views marked with `@keep_response` are kept, and only a 200 without Set-Cookie (a page that
showed a flash message or renewed a cookie changed the session, so it is not kept). Views marked
are reads without rate limits: a kept response skips the before-request checks, which gave the
same answer for the same request, person and data when it was made.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import NamedTuple
from urllib.request import pathname2url

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy.engine import URL, make_url

from ..extensions import db

# Set on the WSGI environ by the app when its response may be kept, to this time (epoch seconds).
KEEP_UNTIL = "partner_portal.keep_until"
DEFAULT_SECONDS = 60
DEFAULT_BYTES = 32 * 1024 * 1024  # per worker
LARGEST_BODY = 2 * 1024 * 1024  # a body longer than this is sent, never kept
# Files with versioned names, cached by browsers: never a view of ours that could be kept.
STATIC_PATHS = ("/static/", "/assets/")
_clock = time.time  # the time entries are compared with (tests move it)


class Kept(NamedTuple):
    """A response as it was sent, with the database version it was made at and its last moment."""

    version: Hashable
    until: float
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ResponseStore:
    """A map of request key -> Kept, bounded by the bytes of the bodies, least recently used out
    first; safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Hashable, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, version: Hashable, now: float) -> Kept | None:
        """The response kept under `key` if it was made at `version` and is still in date."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept.version == version and now < kept.until:
                self._entries.move_to_end(key)
                self.hits += 1
                return kept
            self.misses += 1
            return None

    def put(self, key: Hashable, kept: Kept) -> None:
        """Keep `kept` under `key` (replacing any older one), dropping the least recently used
        entries while the bodies exceed max_bytes."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= len(old.body)
            self._entries[key] = kept
            self.bytes += len(kept.body)
            while self.bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


class DatabaseVersion:
    """The database's own version of its committed data, read on a connection of this process's
    own (opened on first use and again in a forked child); None when it cannot be read, and then
    nothing is kept or served."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        self._connection = None
        self._pid = 0
        self._lock = threading.Lock()
        self.read: Callable[[], Hashable | None] = self._reader()

    def _reader(self) -> Callable[[], Hashable | None]:
        backend = self.url.get_backend_name()
        database = self.url.database or ""
        if backend == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
            return self._sqlite
        if backend == "postgresql":
            return self._postgresql
        return lambda: None  # an in-memory database has no other connection to compare with

    def current(self) -> Hashable | None:
        with self._lock:
            try:
                return self.read()
            except Exception:  # noqa: BLE001 - a lost connection only means nothing is kept now
                self._close()
                return None

    def _open(self, connect: Callable[[], object]):
        if self._connection is None or self._pid != os.getpid():
            self._connection = connect()
            self._pid = os.getpid()
        return self._connection

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and self._pid == os.getpid():
            try:
                connection.close()
            except Exception:  # noqa: BLE001,S110  # nosec B110 - already broken
                pass

    def _sqlite(self) -> Hashable:
        # mode=rw: never create a file (an empty one would have a version that never changes).
        address = "file:" + pathname2url(os.path.abspath(self.url.database)) + "?mode=rw"
        connection = self._open(
            lambda: sqlite3.connect(address, uri=True, isolation_level=None, check_same_thread=False)
        )
        # Changes whenever another connection (any process's) commits; this one never writes.
        return connection.execute("PRAGMA data_version").fetchall()[0][0]

    def _postgresql(self) -> Hashable:
        import psycopg

        def connect():
            url = self.url.set(drivername="postgresql")
            return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

        connection = self._open(connect)
        # xmin:xmax:in-progress ids, where xmax is one past the latest finished id. Only
        # transactions that write are given ids: the text stays the same under reads, and the end
        # of a writing transaction moves xmax (the newest to finish) or leaves the in-progress list.
        return connection.execute("SELECT pg_current_snapshot()::text").fetchall()[0][0]


def request_key(environ: dict) -> Hashable:
    """Everything of a request the app may read, but its body (kept requests are GETs)."""
    return (
        environ.get("wsgi.url_scheme"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("REMOTE_ADDR"),
        tuple(sorted((name, value) for name, value in environ.items() if name.startswith("HTTP_"))),
    )


class _Recorded:
    """The body of a response as the server sends it, copied on the way (up to LARGEST_BODY);
    `done` gets the copy once the whole body went out and the app's iterable closed."""

    def __init__(self, body: Iterable[bytes], done: Callable[[list[bytes]], None]) -> None:
        self._body = body
        self._done = done
        self._chunks: list[bytes] | None = []
        self._size = 0
        self._finished = False

    def __iter__(self):
        for chunk in self._body:
            if self._chunks is not None:
                self._size += len(chunk)
                if self._size > LARGEST_BODY:
                    self._chunks = None
                else:
                    self._chunks.append(chunk)
            yield chunk
        self._finished = True

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()
        if self._finished and self._chunks is not None:
            self._done(self._chunks)


class KeptResponses:
    """WSGI middleware: serves a kept response when one stands for the request, and keeps the
    responses the app marked (environ[KEEP_UNTIL])."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.store = ResponseStore(app.config.get("RESPONSE_CACHE_BYTES", DEFAULT_BYTES))
        self._version: DatabaseVersion | None = None

    @property
    def version(self) -> DatabaseVersion:
        """The version of the database the app's engine uses (its URL as resolved by
        Flask-SQLAlchemy: a relative SQLite path lies in the instance folder)."""
        if self._version is None:
            with self.app.app_context():
                # .engine: the Engine itself, also while a test has put a Connection in its place.
                self._version = DatabaseVersion(db.engine.engine.url)
        return self._version

    def __call__(self, environ, start_response):
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_COOKIE" not in environ  # signed-in pages only
            or not self.app.config["RESPONSE_CACHE"]
            or environ.get("PATH_INFO", "").startswith(STATIC_PATHS)
        ):
            return self.wsgi_app(environ, start_response)
        version = self.version.current()  # before the view reads anything
        if version is None:
            return self.wsgi_app(environ, start_response)
        key = request_key(environ)
        kept = self.store.get(key, version, _clock())
        if kept is not None:
            start_response(kept.status, list(kept.headers))
            return [kept.body]
        sent: dict = {}

        def recording_start_response(status, headers, exc_info=None):
            sent.update(status=status, headers=headers, failed=exc_info is not None)
            return start_response(status, headers, exc_info)

        def done(chunks: list[bytes]) -> None:
            until = environ.get(KEEP_UNTIL)
            if until is None or sent.get("failed") or not sent.get("status", "").startswith("200 "):
                return
            headers = tuple(sent["headers"])
            if any(name.lower() == "set-cookie" for name, _ in headers):
                return
            self.store.put(key, Kept(version, until, sent["status"], headers, b"".join(chunks)))

        body = self.wsgi_app(environ, recording_start_response)
        if KEEP_UNTIL not in environ:  # set by the app before it returns its body (a marked view)
            return body  # as it is: a file stays a file for the server's sendfile
        return _Recorded(body, done)


def keep_response(view):
    """Let the response of this view (a read, no rate limit) be kept for the same request while
    the database has not changed (see this module's docstring)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.keep_response = True
        return view(*args, **kwargs)

    return wrapped


def _mark(response):
    """After a marked view: tell the middleware until when its response may be kept."""
    if g.get("keep_response") and response.status_code == 200 and current_user.is_authenticated:
        now = datetime.now(UTC)
        until = min(
            now + timedelta(seconds=current_app.config.get("RESPONSE_CACHE_SECONDS", DEFAULT_SECONDS)),
            datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC),
        )
        expires = current_user.session_expires_at
        if expires is not None:
            until = min(until, expires if expires.tzinfo else expires.replace(tzinfo=UTC))
        request.environ[KEEP_UNTIL] = until.timestamp()
    return response


def install(app: Flask) -> None:
    """Wrap the app's WSGI callable (outermost: a kept response skips everything below)."""
    app.config.setdefault("RESPONSE_CACHE", True)
    app.after_request(_mark)
    if not isinstance(app.wsgi_app, KeptResponses):
        app.wsgi_app = app.extensions["kept_responses"] = KeptResponses(app, app.wsgi_app)


def close(app: Flask) -> None:
    """Close this process's connection for the database's version (it reopens when used)."""
    middleware = app.extensions.get("kept_responses")
    if middleware is not None and middleware._version is not None:
        middleware._version.close()
