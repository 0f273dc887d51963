"""Security headers, error pages, cookies."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from ..factories import make_admin, make_org


def test_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_scripts_in_pages(client, login):
    login(make_admin(make_org()))
    for path in ("/", "/account/settings", "/sign-in"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " on" + "click=" not in page
        for chunk in page.split("<script")[1:]:
            assert ' src="' in chunk.split(">")[0]


def test_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_500_shows_no_stack_trace(app, client, monkeypatch):
    from partner_portal.home import views

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "load_acting", boom)
    login_user = make_admin(make_org())
    client.post("/sign-in", data={"email": login_user.email, "password": "correct horse battery"})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Something went wrong" in body


def test_session_cookie_flags(client):
    user = make_admin(make_org())
    signed_in_at = datetime.now(timezone.utc)
    response = client.post("/sign-in", data={"email": user.email, "password": "correct horse battery", "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The session cookie ends with the browser; remember-me lasts two weeks, not Flask-Login's
    # default year.
    assert "Expires=" not in session_cookie and "Max-Age" not in session_cookie
    attributes = dict(part.strip().partition("=")[::2] for part in remember_cookie.split(";")[1:])
    lifetime = parsedate_to_datetime(attributes["Expires"]) - signed_in_at
    assert timedelta(days=14) - timedelta(seconds=5) <= lifetime <= timedelta(days=14) + timedelta(seconds=5)


# --- Origin and Referer of unsafe requests -----------------------------------------------------

FOREIGN = "This request came from another site, so it was refused."


def _signed_in(client) -> bool:
    return client.get("/account/settings").status_code == 200


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "http://localhost:8080"},
    {"Origin": "https://localhost"},  # another scheme is another origin
    {"Origin": "null"},  # sandboxed frames and some cross-site redirects
    {"Origin": "http://[::1"},
    {"Referer": "https://evil.example/form.html"},
    {"Referer": "http://evil.example/http://localhost/"},
    # Origin decides when both are present.
    {"Origin": "https://evil.example", "Referer": "http://localhost/account/settings"},
])
def test_unsafe_requests_from_another_site_are_refused_before_the_view(client, login, headers):
    login(make_admin(make_org()))
    response = client.post("/sign-out", headers=headers)
    assert response.status_code == 403 and FOREIGN in response.get_data(as_text=True)
    assert _signed_in(client)  # the view never ran


@pytest.mark.parametrize("headers", [
    {},
    {"Origin": "http://localhost"},
    {"Origin": "http://LOCALHOST:80"},
    {"Referer": "http://localhost/account/settings"},
])
def test_same_origin_or_unnamed_requests_pass(client, login, headers):
    login(make_admin(make_org()))
    assert client.post("/sign-out", headers=headers).status_code == 303
    assert not _signed_in(client)


def test_foreign_origin_is_refused_on_every_unsafe_method(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/sign-in", headers={"Origin": "https://evil.example"})
        assert response.status_code == 403, method


def test_safe_requests_from_anywhere_pass(client):
    assert client.get("/sign-in", headers={"Origin": "https://evil.example",
                                           "Referer": "https://evil.example/"}).status_code == 200


def test_a_foreign_origin_is_refused_even_with_a_valid_token_on_sign_in(client):
    user = make_admin(make_org())
    response = client.post("/sign-in", data={"email": user.email, "password": "correct horse battery"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_behind_https_only_the_https_origin_is_own(app, client, login, monkeypatch):
    """With PORTAL_SECURE_COOKIES the site is https, even if an untrusted proxy hides the scheme."""
    login(make_admin(make_org()))
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert client.post("/sign-out", headers={"Origin": "http://localhost"}).status_code == 403
    assert client.post("/sign-out", headers={"Origin": "https://localhost"}).status_code == 303


def test_an_asset_name_the_file_system_refuses_is_a_404(client):
    """A name too long for the file system (found by tests/security's path-parameter inputs) was a 500."""
    from partner_portal.web.assets import asset_url

    digest = asset_url("css/portal.css").split("/")[2]
    assert client.get(f"/assets/{digest}/{'A' * 5000}.css").status_code == 404
    assert client.get(f"/assets/{digest}/{'a/' * 3000}x.css").status_code == 404
