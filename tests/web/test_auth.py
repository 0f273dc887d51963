"""Sign in, sign out, password reset, rate limiting, safe next."""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from partner_portal.extensions import db
from partner_portal.models import User

from ..conftest import TEST_PASSWORD, htmx_headers
from ..factories import make_admin, make_org, make_user


def test_sign_in_page_renders(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sign in" in page and "Forgot password?" in page
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/account/settings")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=/account/settings")


def test_sign_in_and_out(client, login):
    user = make_admin(make_org("Acme"))
    login(user)
    home = client.get("/")
    assert home.status_code == 200
    assert "Acme" in home.get_data(as_text=True)
    out = client.post("/sign-out")
    assert out.status_code == 303
    assert client.get("/").status_code == 303


def test_sign_in_is_case_insensitive_on_email(client):
    make_admin(make_org(), make_user("Mixed.Case@Example.org"))
    response = client.post("/sign-in", data={"email": "mixed.case@example.ORG", "password": TEST_PASSWORD})
    assert response.status_code == 303


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("nobody@example.org", TEST_PASSWORD, "don&#39;t match an account"),
        ("known@example.org", "wrong password", "don&#39;t match an account"),
        ("not-an-email", TEST_PASSWORD, "Enter a valid email address."),
        ("", TEST_PASSWORD, "Enter your email."),
        ("known@example.org", "", "Enter your password."),
        ("a" * 250 + "@example.org", TEST_PASSWORD, "That email is too long."),
    ],
)
def test_bad_sign_in_gets_a_clear_message(client, email, password, message):
    make_user("known@example.org")
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_htmx_sign_in_answers_with_the_form_fragment_or_hx_redirect(client):
    make_user("known@example.org")
    bad = client.post("/sign-in", data={"email": "known@example.org", "password": "nope"}, headers=htmx_headers())
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert body.lstrip().startswith("<form") and "<html" not in body
    good = client.post("/sign-in", data={"email": "known@example.org", "password": TEST_PASSWORD}, headers=htmx_headers())
    assert good.status_code == 200 and good.headers["HX-Redirect"] == "/"


@pytest.mark.parametrize("htmx", [True, False])
def test_sign_in_navigates_by_hx_redirect_for_htmx_and_by_303_otherwise(client, htmx):
    """htmx would follow a 303 and swap the next page into the form, so it gets HX-Redirect."""
    user = make_admin(make_org())
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD,
                                             "next": "/account/settings"},
                           headers=htmx_headers() if htmx else {})
    if htmx:
        assert response.status_code == 200 and response.get_data(as_text=True) == ""
        assert response.headers["HX-Redirect"] == "/account/settings" and "Location" not in response.headers
    else:
        assert response.status_code == 303 and response.headers["Location"] == "/account/settings"
        assert "HX-Redirect" not in response.headers
    assert client.get("/account/settings").status_code == 200


def test_sign_in_starts_a_fresh_session(client):
    """Nothing from before sign-in survives it: no fixed session, no organization chosen by someone else."""
    user = make_admin(make_org())
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["org_id"] = 12345
    assert client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session and "org_id" not in session
        assert session["_user_id"]


def test_missing_csrf_token_is_rejected(client):
    make_user("known@example.org")
    response = client.post("/sign-in", data={"email": "known@example.org", "password": TEST_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_sign_in_is_rate_limited(client, app):
    make_user("known@example.org")
    limit = int(app.config["SIGN_IN_RATE_LIMIT"].split()[0])
    statuses = [client.post("/sign-in", data={"email": "known@example.org", "password": "wrong"}).status_code
                for _ in range(limit + 1)]
    assert statuses[:limit] == [422] * limit
    assert statuses[-1] == 429
    assert "Too many attempts" in client.post("/sign-in", data={"email": "x@y.z", "password": "p"}).get_data(as_text=True)


@pytest.mark.parametrize(
    "next_url",
    ["//evil.example", "/\\evil.example", "\\/evil.example", "https:evil.example", "https://evil.example/x",
     "/%2F%2Fevil.example", "/%5Cevil.example", "%2F%2Fevil.example", "javascript:alert(1)", "/%252F%252Fevil.example",
     "http://localhost.evil.example/"],
)
def test_foreign_next_is_ignored(client, next_url):
    user = make_admin(make_org())
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "next": next_url})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_local_next_is_followed(client):
    user = make_admin(make_org())
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "next": "/account/settings?tab=1"})
    assert response.headers["Location"] == "/account/settings?tab=1"


def test_expired_session_on_htmx_request_redirects_to_sign_in(client):
    response = client.get("/account/settings", headers=htmx_headers(**{"HX-Current-URL": "http://localhost/account/settings"}))
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/sign-in")
    assert response.get_data(as_text=True) == ""


# --- password reset -----------------------------------------------------------------------

def _last_reset_link(app) -> str:
    mails = sorted((Path(app.instance_path) / "mail").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    message = email.message_from_bytes(mails[-1].read_bytes(), policy=email.policy.default)
    text = message.get_content()
    return re.search(r"http://localhost(/reset-password/\S+)", text).group(1)


def test_forgot_password_answers_the_same_for_unknown_email(client, app):
    make_user("known@example.org")
    known = client.post("/forgot-password", data={"email": "known@example.org"}, follow_redirects=True)
    unknown = client.post("/forgot-password", data={"email": "unknown@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    message = "If an account uses that email"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_reset_link_works_once_and_signs_out_other_sessions(client, app):
    user = make_admin(make_org(), make_user("known@example.org"))
    other = app.test_client()
    other.post("/sign-in", data={"email": "known@example.org", "password": TEST_PASSWORD},
               headers={"X-CSRFToken": _token_for(other)})
    assert other.get("/").status_code == 200

    client.post("/forgot-password", data={"email": "known@example.org"})
    link = _last_reset_link(app)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 2
    # The other browser's session ended with the password change.
    assert other.get("/").status_code == 303
    # The link is spent.
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    # The new password works, the old one doesn't.
    assert client.post("/sign-in", data={"email": "known@example.org", "password": TEST_PASSWORD}).status_code == 422
    assert client.post("/sign-in", data={"email": "known@example.org", "password": "a brand new secret"}).status_code == 303


def _token_for(test_client) -> str:
    from ..conftest import CSRFClient

    return CSRFClient.csrf_token(test_client)


def test_reset_link_expires(client, app, monkeypatch):
    make_user("known@example.org")
    client.post("/forgot-password", data={"email": "known@example.org"})
    link = _last_reset_link(app)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_tampered_reset_link_is_refused(client, app):
    make_user("known@example.org")
    client.post("/forgot-password", data={"email": "known@example.org"})
    link = _last_reset_link(app)
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)


def test_reset_with_mismatched_passwords_writes_nothing(client, app):
    user = make_user("known@example.org")
    before = user.password_hash
    client.post("/forgot-password", data={"email": "known@example.org"})
    link = _last_reset_link(app)
    response = client.post(link, data={"password": "a brand new secret", "confirm": "something else!"})
    assert response.status_code == 422
    assert "The two passwords differ." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_forged_host_header_is_refused(client):
    make_user("known@example.org")
    response = client.post("/forgot-password", data={"email": "known@example.org"}, headers={"Host": "evil.example"})
    assert response.status_code == 400
