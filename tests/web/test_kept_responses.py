"""Whole responses kept per worker (web/kept_responses.py): a repeated request is answered without
running the app while the database is unchanged, and never once anything changed, whoever wrote
it; only to the same browser; never a response that set a cookie or failed; never past its time.

Committed for real (the database's own version is what is tested; a rolled-back test transaction
never changes it), on the suite's SQLite file or PostgreSQL, through the in-process app and, at the
end, through gunicorn's workers."""
from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text, update

from partner_portal.auth.services import end_session
from partner_portal.extensions import db
from partner_portal.models import Organization, UserSession, utcnow
from partner_portal.web import kept_responses
from partner_portal.web.kept_responses import DatabaseVersion, Kept, KeptResponses, ResponseStore

from ..conftest import TEST_PASSWORD, CSRFClient
from ..factories import connect, make_admin, make_org, make_partner

pytestmark = pytest.mark.committing

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def kept(app, committed, monkeypatch) -> KeptResponses:
    """The app's middleware, switched on, with an empty store."""
    middleware = app.wsgi_app
    assert isinstance(middleware, KeptResponses)
    monkeypatch.setitem(app.config, "RESPONSE_CACHE", True)
    monkeypatch.setattr(middleware, "store", ResponseStore(kept_responses.DEFAULT_BYTES))
    return middleware


@pytest.fixture
def northwind():
    """A partner with one connected customer, committed; its administrator."""
    partner = make_partner("Northwind")
    user = make_admin(partner)
    connect(partner, make_org("Fabrikam"))
    db.session.commit()
    return user


def _client(app, user):
    app.test_client_class = CSRFClient
    client = app.test_client()
    answer = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert answer.status_code == 303
    # The first page after signing in shows its flash message and so sets a new cookie: never kept.
    assert "Set-Cookie" in get(client, "/account/settings").headers
    return client


def get(client, path: str, **headers):
    """A GET read and closed as a server does (a response is kept when its body has gone out)."""
    return client.get(path, headers=headers, buffered=True)


def test_a_repeated_page_is_answered_without_the_app(app, kept, northwind, count_queries):
    client = _client(app, northwind)
    first = get(client, "/customers")
    assert first.status_code == 200 and "Fabrikam" in first.get_data(as_text=True)
    with count_queries() as statements:
        second = get(client, "/customers")
    assert statements == []
    assert second.get_data() == first.get_data()
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert kept.store.hits == 1


@pytest.mark.parametrize("writer", ["this process", "another connection in plain SQL"])
def test_any_committed_write_is_seen_by_the_next_request(app, kept, northwind, writer):
    client = _client(app, northwind)
    assert "Fabrikam" in get(client, "/customers").get_data(as_text=True)
    assert "Fabrikam" in get(client, "/customers").get_data(as_text=True)
    if writer == "this process":
        db.session.execute(update(Organization).where(Organization.name == "Fabrikam").values(name="Contoso"))
        db.session.commit()
    else:  # as another worker, host or script would
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.begin() as connection:
            connection.execute(text("UPDATE organization SET name = 'Contoso' WHERE name = 'Fabrikam'"))
        engine.dispose()
    body = get(client, "/customers").get_data(as_text=True)
    assert "Contoso" in body and "Fabrikam" not in body


def test_a_write_while_the_page_is_made_is_not_hidden(app, kept, northwind, monkeypatch):
    """The version is read before the view: a change committed after the view read the database
    (here: once the app has answered, before the response is kept) must show on the next request."""
    client = _client(app, northwind)
    inner = kept.wsgi_app

    def answer_then_write(environ, start_response):
        body = inner(environ, start_response)
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.begin() as connection:
            connection.execute(text("UPDATE organization SET name = 'Contoso' WHERE name = 'Fabrikam'"))
        engine.dispose()
        return body

    monkeypatch.setattr(kept, "wsgi_app", answer_then_write)
    assert "Fabrikam" in get(client, "/customers").get_data(as_text=True)
    monkeypatch.setattr(kept, "wsgi_app", inner)
    assert "Contoso" in get(client, "/customers").get_data(as_text=True)


def test_a_session_signed_out_elsewhere_gets_nothing_kept(app, kept, northwind):
    client = _client(app, northwind)
    for _ in range(2):
        assert get(client, "/customers").status_code == 200
    record = db.session.scalars(db.select(UserSession).where(UserSession.user_id == northwind.id)).one()
    end_session(northwind.id, record.id)  # "Sign out" of this session in another browser
    answer = get(client, "/customers")
    assert answer.status_code in (302, 303) and "/sign-in" in answer.headers["Location"]


def test_each_browser_and_each_variant_has_its_own(app, kept, northwind):
    other_partner = make_partner("Tailspin")
    other = make_admin(other_partner)
    connect(other_partner, make_org("Litware"))
    db.session.commit()
    mine, theirs = _client(app, northwind), _client(app, other)
    for _ in range(2):
        assert "Fabrikam" in get(mine, "/customers").get_data(as_text=True)
        body = get(theirs, "/customers").get_data(as_text=True)
        assert "Litware" in body and "Fabrikam" not in body
    page = get(mine, "/customers").get_data(as_text=True)
    table = get(mine, "/customers", **{"HX-Request": "true", "HX-Target": "customer-table"}).get_data(as_text=True)
    assert "<html" in page and "<html" not in table
    compressed = get(mine, "/customers", **GZIP)
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert get(mine, "/customers").headers.get("Content-Encoding") is None


def test_only_plain_successes_of_marked_views_are_kept(app, kept, northwind):
    client = _client(app, northwind)
    # Not found (another organization's panel): answered by the app every time.
    assert get(client, "/customers/999999999/licensing").status_code == 404
    # A view that is not marked (Account Settings).
    assert get(client, "/account/settings").status_code == 200
    assert len(kept.store) == 0
    # A page that showed a flash message changed the session (Set-Cookie): not kept, so the
    # message does not come back.
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved, once.")]
    assert "Saved, once." in get(client, "/customers").get_data(as_text=True)
    assert len(kept.store) == 0
    assert "Saved, once." not in get(client, "/customers").get_data(as_text=True)
    assert len(kept.store) == 1


def test_a_kept_response_lives_no_longer_than_allowed(app, kept, northwind, monkeypatch):
    client = _client(app, northwind)
    get(client, "/customers")
    (entry,) = kept.store._entries.values()
    assert entry.until <= time.time() + app.config["RESPONSE_CACHE_SECONDS"]
    # Past its time the app answers again.
    later = time.time() + app.config["RESPONSE_CACHE_SECONDS"] + 1
    hits = kept.store.hits
    get(client, "/customers")
    assert kept.store.hits == hits + 1
    monkeypatch.setattr(kept_responses, "_clock", lambda: later)
    get(client, "/customers")
    assert kept.store.hits == hits + 1


def test_never_past_the_session_expiry(app, kept, northwind):
    client = _client(app, northwind)
    soon = utcnow() + timedelta(seconds=5)
    db.session.execute(update(UserSession).where(UserSession.user_id == northwind.id).values(expires_at=soon))
    db.session.commit()
    get(client, "/customers")
    (entry,) = kept.store._entries.values()
    assert entry.until <= soon.timestamp()


def test_the_store_is_bounded_by_bytes():
    store = ResponseStore(max_bytes=250)
    for n in range(5):
        store.put(n, Kept(1, time.time() + 60, "200 OK", (), b"x" * 100))
    assert len(store) == 2 and store.bytes == 200
    assert store.get(4, 1, time.time()) is not None and store.get(0, 1, time.time()) is None
    assert store.get(4, 2, time.time()) is None  # another version of the database


def test_the_database_version_changes_with_every_commit(app, committed):
    make_org("Fabrikam")
    db.session.commit()
    version = DatabaseVersion(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        first = version.current()
        assert first is not None and version.current() == first  # reads change nothing
        assert db.session.scalars(db.select(Organization)).all()
        db.session.commit()
        assert version.current() == first
        db.session.execute(update(Organization).values(name="Contoso"))
        db.session.commit()
        assert version.current() != first
    finally:
        version.close()
    assert DatabaseVersion("sqlite://").current() is None  # in memory: nothing to compare with
    missing = DatabaseVersion(f"sqlite:///{app.instance_path}/no-such.db")
    assert missing.current() is None  # never a new, empty file whose version would never change
    assert not os.path.exists(f"{app.instance_path}/no-such.db")


def test_workers_of_a_real_server_see_a_write_at_once(portal_server):
    """gunicorn's four workers each keep the page; one committed write and none serves it again."""
    partner = make_partner("Northwind")
    email = make_admin(partner).email
    connect(partner, make_org("Fabrikam"))
    db.session.commit()  # (reading anything after this would hold a snapshot the write below could not follow)
    web = portal_server.session()
    web.sign_in(email, TEST_PASSWORD)
    for _ in range(12):
        answer = web.get("/customers")
        assert answer.status == 200 and "Fabrikam" in answer.text
    db.session.execute(update(Organization).where(Organization.name == "Fabrikam").values(name="Contoso"))
    db.session.commit()
    for _ in range(12):
        body = web.get("/customers").text
        assert "Contoso" in body and "Fabrikam" not in body, portal_server.log()[-2000:]
