"""Shared fixtures: the app on a migrated database, a rolled-back transaction per test, a
CSRF-aware client, a login helper and a query counter.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, text

from partner_portal import create_app
from partner_portal.extensions import db, limiter

TEST_PASSWORD = "correct horse battery"

# No time limit per example: a busy machine (CI running both databases) made hypothesis's default
# 200 ms deadline fail tests whose inputs were fine. Tests are not timed.
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")


def _database_url(tmp_root: Path) -> str:
    """TEST_DATABASE_URL (PostgreSQL) or a SQLite file for this run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{tmp_root / 'test.db'}"


def reset_schema(url: str) -> None:
    """Start from an empty database (PostgreSQL keeps tables between runs)."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def make_test_config(tmp_root: Path, url: str) -> dict:
    """Configuration for a test app."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(tmp_root / "instance"),
        "SQLALCHEMY_DATABASE_URI": url,
        "SERVER_NAME": "localhost",
        "TRUSTED_HOSTS": ["localhost"],
        "PORTAL_DEMO": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Jobs run inline, inside the request that enqueues them; tests/web/test_mail_jobs.py
        # also runs them through real storage, consumer threads and worker processes.
        "JOBS_IMMEDIATE": True,
        # Every request loads the person's roles, so query counts don't depend on what an earlier
        # request left in the worker's memory; tests/web/test_frame.py turns the copy on.
        "FRAME_CACHE": False,
        # Whole responses are kept while the database's own version is unchanged, which a test's
        # rolled-back transaction never changes; tests/web/test_kept_responses.py turns it on.
        "RESPONSE_CACHE": False,
        # Argon2 at its cheapest: the suite hashes hundreds of passwords.
        "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
    }


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app for the session, on a database built by the migrations."""
    tmp_root = tmp_path_factory.mktemp("portal")
    url = _database_url(tmp_root)
    reset_schema(url)
    application = create_app(make_test_config(tmp_root, url))
    from partner_portal.database import upgrade_schema

    with application.app_context():
        upgrade_schema()
    yield application
    from partner_portal.web import kept_responses

    kept_responses.close(application)
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_html_store(app, monkeypatch):
    """Each test starts with an empty store of kept HTML (web/fragments.py). A part's key names
    everything it shows in a running portal, but tests reuse ids across rolled-back databases and
    swap catalogues (the marking catalogue of test_customers_i18n): parts kept by one test must
    not be served to the next."""
    from partner_portal.web.fragments import DEFAULT_SIZE, HtmlStore

    monkeypatch.setitem(app.extensions, "html_store", HtmlStore(app.config.get("HTML_CACHE_SIZE", DEFAULT_SIZE)))


@pytest.fixture(autouse=True)
def _rollback(request, app):
    """Run each test inside a transaction that is rolled back afterwards.

    The app's default engine is swapped for one connection in a transaction; sessions join it
    with savepoints, so services may commit freely. Tests marked `committing` opt out.
    """
    if request.node.get_closest_marker("committing"):
        yield
        return
    with app.app_context():
        engines = db._app_engines[app]
        engine = engines[None]
        conn = engine.connect()
        outer = conn.begin()
        engines[None] = conn
        original_session = db.session
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        limiter.reset()
        try:
            yield
        finally:
            engines[None] = engine
            try:
                db.session.remove()
            finally:
                db.session = original_session
                outer.rollback()
                conn.close()


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token header on every unsafe request, as htmx
    does. Pass csrf=False to send none."""

    def open(self, *args, csrf: bool = True, **kwargs):
        # Commit the test's set-up first (into the per-test outer transaction), as it would be
        # in production, then give the request its own app context: a fresh `g` and its own
        # session, like a real request, instead of reusing the test's.
        db.session.commit()
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in {"GET", "HEAD", "OPTIONS"}:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        with self.application.app_context():
            response = super().open(*args, **kwargs)
            # A streamed body reads the database while it is consumed: consume it here, inside
            # the request's context, as a server would before the request ends.
            response.get_data()
            return response

    def csrf_token(self) -> str:
        """A token valid for this client's session (Flask-WTF's format)."""
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = hashlib.sha1(os.urandom(64)).hexdigest()
                session["csrf_token"] = raw
        secret = self.application.config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def client(app):
    """A CSRF-aware test client."""
    app.test_client_class = CSRFClient
    # Not `with app.test_client()`: that keeps each request's context pushed afterwards, and
    # requests here run in app contexts of their own (see CSRFClient.open).
    return app.test_client()


@pytest.fixture
def make_app(app, tmp_path):
    """Build more app instances on the session's database (as other workers would be), with
    configuration overrides; the shared extensions are bound back to the session's app after."""
    made = []

    def _make(**overrides):
        application = create_app({**make_test_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]), **overrides})
        application.test_client_class = CSRFClient
        made.append(application)
        return application

    yield _make
    for application in made:  # close their database connections now, not at garbage collection
        with application.app_context():
            db.engine.dispose()
    # The limiter is one object: bind it back to the session's app and its memory storage.
    limiter.init_app(app)


@pytest.fixture
def login(client):
    """Sign `client` in as a user (by User or email); returns the response."""

    def _login(user, password: str = TEST_PASSWORD):
        email = user if isinstance(user, str) else user.email
        response = client.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    return _login


@pytest.fixture
def count_queries(app):
    """Context manager collecting the SQL statements run inside it: `with count_queries() as q`."""

    @contextlib.contextmanager
    def _count():
        statements: list[str] = []
        engine = db._app_engines[app][None]
        engine = getattr(engine, "engine", engine)

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return _count


@pytest.fixture
def schedule(app):
    """huey's schedule (in memory when jobs run inline), emptied before and after the test."""
    from partner_portal import jobs

    jobs.huey.storage.flush_schedule()
    yield jobs.huey
    jobs.huey.storage.flush_schedule()


@pytest.fixture
def frame_cache(app, monkeypatch):
    """Each worker's copy of people's roles turned on (the suite runs with it off), starting empty."""
    from partner_portal.web import tenancy

    monkeypatch.setitem(app.config, "FRAME_CACHE", True)
    monkeypatch.setattr(tenancy, "_FRAMES", {})


def htmx_headers(**extra) -> dict:
    """Headers htmx sends with a request."""
    headers = {"HX-Request": "true"}
    headers.update(extra)
    return headers


def empty_every_table() -> None:
    """Delete every row a `committing` test wrote (and the rest: the catalogue too), then end the
    session."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    db.session.remove()


@pytest.fixture
def committed(request, app):
    """An app context whose writes are committed for real (tests marked `committing`); every table
    is emptied afterwards."""
    if not request.node.get_closest_marker("committing"):
        pytest.fail("tests using `committed` must be marked committing")
    with app.app_context():
        try:
            yield
        finally:
            empty_every_table()


# --- the real app under gunicorn, for streaming and race tests (see tests/live.py) ---------------


@pytest.fixture(scope="session")
def _portal_process(app, tmp_path_factory):
    """gunicorn serving the suite's database for the whole session (started on first use)."""
    from .live import start_portal

    server = start_portal(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("portal-server"))
    yield server
    server.stop()


@pytest.fixture
def portal_server(request, app, _portal_process):
    """The real app under gunicorn (4 sync workers, ordinary per-request connections, PORTAL_DEMO=0)
    on the suite's database, plus an app context for the test's own set-up.

    Tests using it must be marked `committing`: the server reads only what the test committed.
    Every table is emptied after the test. Usage:

        @pytest.mark.committing
        def test_export(portal_server):
            user = make_admin(make_partner()); db.session.commit()
            web = portal_server.session()          # a PortalSession: own cookies and CSRF token
            web.sign_in(user.email, TEST_PASSWORD)
            answer = web.get("/customers/export.csv")          # body read to its end
            answer = web.post("/account/switch/1", {"x": "y"})  # X-CSRFToken sent (csrf=False: none)
            assert answer.status == 404, portal_server.log()[-2000:]

    For races, give each thread its own `portal_server.session()`. `live.start_portal()` starts a
    server of your own (other environment, worker count) when the shared one does not fit.
    """
    if not request.node.get_closest_marker("committing"):
        pytest.fail("tests using portal_server must be marked committing (the server cannot see a "
                    "rolled-back transaction)")
    with app.app_context():
        try:
            yield _portal_process
        finally:
            empty_every_table()
