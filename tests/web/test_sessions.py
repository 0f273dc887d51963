"""Server-side sessions: sign-out ends them, the active sessions list, signing out other sessions."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import UserSession, utcnow
from partner_portal.models.user_session import device_summary, token_hash

from ..conftest import TEST_PASSWORD, CSRFClient, htmx_headers
from ..factories import make_admin, make_org

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
        "Safari/537.36 Edg/126.0.0.0")


def _new_browser(app) -> CSRFClient:
    """A browser of its own: a test client with its own cookies."""
    return CSRFClient(app, app.response_class, use_cookies=True)


def _browser(app, user, user_agent: str = FIREFOX, remember: bool = False, address: str = "192.0.2.10"):
    """A separate browser signed in as `user`."""
    browser = _new_browser(app)
    browser.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": address})
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/sign-in", data=data).status_code == 303
    return browser


def _records(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)))


def _signed_in(browser) -> bool:
    return browser.get("/account/settings").status_code == 200


def test_sign_in_records_the_session_with_its_secret_hashed(app):
    user = make_admin(make_org())
    browser = _browser(app, user, address="192.0.2.44")
    [record] = _records(user)
    with browser.session_transaction() as session:
        secret = session["_user_id"]
    assert record.token_hash == token_hash(secret) and secret not in record.token_hash
    assert record.client_address == "192.0.2.44" and record.device == "Firefox on Windows"
    assert record.ended_at is None and not record.remember
    assert record.expires_at - record.created_at == app.config["PERMANENT_SESSION_LIFETIME"]


def test_a_saved_session_cookie_is_refused_after_sign_out(app):
    user = make_admin(make_org())
    browser = _browser(app, user)
    saved = browser.get_cookie("session").value
    assert browser.post("/sign-out").status_code == 303
    assert _records(user)[0].ended_at is not None

    thief = _new_browser(app)
    thief.set_cookie("session", saved)
    response = thief.get("/account/settings")
    assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in")


def test_the_remember_cookie_alone_is_refused_after_sign_out(app):
    user = make_admin(make_org())
    browser = _browser(app, user, remember=True)
    remembered = browser.get_cookie("remember_token").value
    # Before sign-out, the remember cookie alone signs a fresh browser in (so the refusal below
    # is the sign-out's doing).
    before = _new_browser(app)
    before.set_cookie("remember_token", remembered)
    assert _signed_in(before)

    assert browser.post("/sign-out").status_code == 303
    after = _new_browser(app)
    after.set_cookie("remember_token", remembered)
    assert after.get("/account/settings").status_code == 303
    assert not _signed_in(before)


def test_a_remembered_session_lives_two_weeks_from_sign_in(app):
    user = make_admin(make_org())
    _browser(app, user, remember=True)
    [record] = _records(user)
    assert record.remember and record.expires_at - record.created_at == timedelta(days=14)


@pytest.mark.parametrize("change", ["expired", "ended"])
def test_an_expired_or_ended_record_signs_nobody_in(app, change):
    user = make_admin(make_org())
    browser = _browser(app, user, remember=True)
    [record] = _records(user)
    if change == "expired":
        record.expires_at = utcnow() - timedelta(seconds=1)
    else:
        record.ended_at = utcnow()
    db.session.commit()
    assert not _signed_in(browser)


def test_a_password_reset_ends_every_session(app, client):
    from partner_portal.auth.services import reset_token

    user = make_admin(make_org())
    browsers = [_browser(app, user), _browser(app, user, SAFARI, remember=True)]
    remembered = browsers[1].get_cookie("remember_token").value
    link = f"/reset-password/{reset_token(user)}"
    assert client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret"}).status_code == 303
    assert all(record.ended_at is not None for record in _records(user))
    assert not any(_signed_in(browser) for browser in browsers)
    fresh = _new_browser(app)
    fresh.set_cookie("remember_token", remembered)
    assert not _signed_in(fresh)


def test_sign_out_other_sessions_ends_them_but_keeps_this_one(app):
    user = make_admin(make_org())
    someone_else = make_admin(make_org())
    this = _browser(app, user)
    others = [_browser(app, user, SAFARI), _browser(app, user, EDGE, remember=True)]
    bystander = _browser(app, someone_else)

    response = this.post("/account/sessions/sign-out-others")
    assert response.status_code == 303 and response.headers["Location"] == "/account/settings#user-sessions"
    assert "Signed out 2 other sessions." in this.get("/account/settings").get_data(as_text=True)
    assert _signed_in(this)
    assert not any(_signed_in(browser) for browser in others)
    assert _signed_in(bystander)
    assert [record.ended_at is None for record in _records(user)] == [True, False, False]


def test_sign_out_other_sessions_with_htmx_answers_the_updated_list(app):
    user = make_admin(make_org())
    this = _browser(app, user)
    _browser(app, user, SAFARI)
    response = this.post("/account/sessions/sign-out-others", headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="panel" aria-labelledby="sessions-heading" id="user-sessions">')
    assert "<html" not in body and "Signed out 1 other session." in body
    assert "Safari on iOS" not in body and "This device" in body
    assert "Sign out other sessions" not in body  # nothing left to sign out


def test_the_list_shows_this_users_sessions_only(app):
    user = make_admin(make_org())
    this = _browser(app, user, FIREFOX, address="192.0.2.1")
    _browser(app, user, SAFARI, address="192.0.2.2")
    _browser(app, make_admin(make_org()), EDGE, address="192.0.2.3")
    page = this.get("/account/settings").get_data(as_text=True)
    section = page[page.index('id="user-sessions"'):]
    assert "Firefox on Windows" in section and "192.0.2.1" in section
    assert "Safari on iOS" in section and "192.0.2.2" in section
    assert "Edge on Windows" not in section and "192.0.2.3" not in section
    this_row = section[section.index("Firefox on Windows"):].split("</tr>")[0]
    assert "This device" in this_row and "Sign out" not in this_row
    assert section.count("This device") == 1
    assert "Sign out other sessions" in section


def test_signing_out_one_other_session(app):
    user = make_admin(make_org())
    this = _browser(app, user)
    other = _browser(app, user, SAFARI)
    third = _browser(app, user, EDGE)
    other_id = _records(user)[1].id
    response = this.post(f"/account/sessions/{other_id}/sign-out", headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Signed out the session on Safari on iOS." in body
    assert "<html" not in body and "Edge on Windows" in body
    assert not _signed_in(other)
    assert _signed_in(this) and _signed_in(third)


@pytest.mark.parametrize("whose", ["another user's", "this one", "already ended", "no such"])
def test_signing_out_a_session_that_is_not_another_of_mine_is_a_404(app, whose):
    user = make_admin(make_org())
    stranger = make_admin(make_org())
    this = _browser(app, user)
    stranger_browser = _browser(app, stranger)
    mine, theirs = _records(user)[0], _records(stranger)[0]
    if whose == "already ended":
        ended = _browser(app, user, SAFARI)
        ended.post("/sign-out")
        target = _records(user)[1].id
    else:
        target = {"another user's": theirs.id, "this one": mine.id, "no such": 2**31 - 1}[whose]
    assert this.post(f"/account/sessions/{target}/sign-out").status_code == 404
    assert _signed_in(this) and _signed_in(stranger_browser)


def test_session_actions_need_a_csrf_token(app):
    user = make_admin(make_org())
    this = _browser(app, user)
    other = _browser(app, user, SAFARI)
    other_id = _records(user)[1].id
    assert this.post("/account/sessions/sign-out-others", csrf=False).status_code == 400
    assert this.post(f"/account/sessions/{other_id}/sign-out", csrf=False).status_code == 400
    assert this.post("/sign-out", csrf=False).status_code == 400
    assert all(record.ended_at is None for record in _records(user))
    assert _signed_in(other) and _signed_in(this)


def test_session_actions_need_a_signed_in_user(client):
    assert client.post("/account/sessions/sign-out-others").headers["Location"].startswith("/sign-in")
    assert client.post("/account/sessions/1/sign-out").headers["Location"].startswith("/sign-in")


def test_a_signed_in_page_loads_the_user_and_session_in_one_query(app, count_queries):
    user = make_admin(make_org())
    browser = _browser(app, user)
    with count_queries() as statements:
        assert browser.get("/").status_code == 200
    loads = [s for s in statements if "user_session" in s]
    assert len(loads) == 1 and "user_account" in loads[0]
    assert not any(s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")) for s in statements)


def test_last_seen_is_written_at_most_once_a_minute(app, count_queries):
    user = make_admin(make_org())
    browser = _browser(app, user, address="192.0.2.1")
    [record] = _records(user)
    two_minutes_ago = utcnow() - timedelta(minutes=2)
    record.last_seen_at = two_minutes_ago
    expires_at = record.expires_at
    db.session.commit()
    browser.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    with count_queries() as first:
        browser.get("/")
    with count_queries() as second:
        browser.get("/")
    [record] = _records(user)
    assert record.last_seen_at > two_minutes_ago and record.client_address == "192.0.2.99"
    assert record.expires_at == expires_at  # a lifetime from sign-in, like the cookie's
    assert sum(s.lstrip().upper().startswith("UPDATE") for s in first) == 1
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in second)


def test_old_ended_records_are_purged_at_the_next_sign_in(app):
    user = make_admin(make_org())
    _browser(app, user).post("/sign-out")
    _browser(app, user).post("/sign-out")
    old, recent = _records(user)
    old.ended_at = utcnow() - timedelta(days=31)
    old_id, recent_id = old.id, recent.id
    db.session.commit()
    _browser(app, user)
    ids = [record.id for record in _records(user)]
    assert old_id not in ids and recent_id in ids and len(ids) == 2


@pytest.mark.parametrize("user_agent, summary", [
    (FIREFOX, "Firefox on Windows"),
    (SAFARI, "Safari on iOS"),
    (EDGE, "Edge on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
     "Chrome on Linux"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
     "Chrome on Android"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
     "Safari on macOS"),
    ("curl/8.5.0", "curl"),
    ("", "Unknown device"),
])
def test_device_summary(user_agent, summary):
    assert device_summary(user_agent) == summary
