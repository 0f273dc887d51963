"""Security headers, error pages, cookies."""
from __future__ import annotations

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
    response = client.post("/sign-in", data={"email": user.email, "password": "correct horse battery", "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Remember-me lasts two weeks, not Flask-Login's default year.
    assert "Max-Age=1209600" in remember_cookie or "Expires=" in remember_cookie
