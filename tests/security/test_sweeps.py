"""Sweeps over every route of app.url_map (a new route is covered without a new test): CSRF and
Origin on every unsafe route, the security headers on every kind of response, cookie flags with
and without PORTAL_SECURE_COOKIES."""
from __future__ import annotations

import io

import pytest

from partner_portal import config as portal_config
from partner_portal.csp import views as csp_views

from ..conftest import TEST_PASSWORD, htmx_headers
from .checks import check_response, row_counts
from .matrix import (
    admitted_role, default_path, get_routes, methods_of_path, new_client, request_cell, rule_methods, signed_in_client,
    unsafe_routes,
)
from .roles import ROLES

CSRF_REFUSED = "Your form expired or was sent from elsewhere"
FOREIGN_REFUSED = "This request came from another site"
# Blueprints whose unsafe routes authenticate every request by a bearer token instead of a cookie
# (so a forged cross-site request carries no credentials). The JSON API (/api/v1): its requests
# act as a token's creator and never read the session cookie (api/auth.py), which
# test_a_cookie_never_authenticates_an_unsafe_api_request proves route by route.
CSRF_EXEMPT_BLUEPRINTS: set[str] = {"api"}


def _unsafe_cases(app):
    return [(rule, method) for rule, method in unsafe_routes(app)
            if rule.endpoint.partition(".")[0] not in CSRF_EXEMPT_BLUEPRINTS]


def _refused(app, client, method, path, message, expected_status, **kwargs) -> str | None:
    """Send the request; return what went wrong (None when it was refused and wrote nothing)."""
    before = row_counts()
    seen = {}
    response = request_cell(app, client, method, path, inspect=lambda r: seen.update(after=row_counts()), **kwargs)
    body = response.get_data(as_text=True)
    if response.status_code != expected_status or message not in body:
        return f"{method} {path}: {response.status_code}, not refused ({expected_status}, {message!r})"
    changed = {name: (before[name], seen["after"][name]) for name in before if before[name] != seen["after"][name]}
    if changed:
        return f"{method} {path}: refused, but rows changed: {changed}"
    return None


def test_every_unsafe_route_refuses_a_request_without_a_valid_csrf_token(app, world):
    foreign_token = signed_in_client(app, "other_partner", world).csrf_token()
    clients = {}

    def client_of(role_name):
        if role_name not in clients:
            client = new_client(app)
            stale_token = client.csrf_token()  # this browser's token before it signed in
            ROLES[role_name].sign_in(client, world)
            assert role_name in ("anonymous", "directory_user") or client.csrf_token() != stale_token
            clients[role_name] = client, stale_token
        return clients[role_name]

    problems, tried = [], 0
    for rule, method in _unsafe_cases(app):
        path = default_path(app, rule, world)
        role_name = admitted_role(rule.endpoint, method)
        client, stale_token = client_of(role_name)
        for case, kwargs in (("missing", {"csrf": False}),
                             ("foreign-session", {"headers": {"X-CSRFToken": foreign_token}}),
                             ("stale", {"headers": {"X-CSRFToken": stale_token}}),
                             ("forged form field", {"csrf": False, "data": lambda: {"csrf_token": "x" * 40,
                                                                      "file": (io.BytesIO(b"a,b\n"), "u.csv")}})):
            if case == "stale" and role_name in ("anonymous", "directory_user"):
                continue  # no portal sign-in started a new session
            kwargs = {key: value() if callable(value) else value for key, value in kwargs.items()}
            problem = _refused(app, client, method, path, CSRF_REFUSED, 400, **kwargs)
            tried += 1
            if problem:
                problems.append(f"  {case} as {role_name}: {problem}")
    assert tried >= 3 * 40
    assert not problems, "unsafe routes that took a request without a valid CSRF token:\n" + "\n".join(problems)


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}])
def test_every_unsafe_route_refuses_a_foreign_origin_even_with_a_valid_token(app, world, headers):
    client = signed_in_client(app, "partner_full", world)
    problems = [problem for rule, method in unsafe_routes(app)
                if (problem := _refused(app, client, method, default_path(app, rule, world), FOREIGN_REFUSED, 403,
                                        headers=headers))]
    assert not problems, "unsafe routes that took a request from another site:\n" + "\n".join(problems)


@pytest.mark.parametrize("role_name", ["partner_full", "customer_connected", "operator"])
def test_a_cookie_never_authenticates_an_unsafe_api_request(app, world, role_name):
    """The CSRF-exempt blueprints: a signed-in browser's cookies (and a valid CSRF token, even a JSON
    body) get 401 on every unsafe route, and nothing is written."""
    client = signed_in_client(app, role_name, world)
    exempt = [(rule, method) for rule, method in unsafe_routes(app)
              if rule.endpoint.partition(".")[0] in CSRF_EXEMPT_BLUEPRINTS]
    assert len(exempt) >= 9
    problems = []
    for rule, method in exempt:
        path = default_path(app, rule, world)
        for kwargs in ({}, {"json": {"status": "active", "url": "https://hooks.example.com/x", "events": "x"}}):
            before = row_counts()
            seen = {}
            response = request_cell(app, client, method, path, inspect=lambda r: seen.update(after=row_counts()),
                                    **kwargs)
            if response.status_code != 401 or "Cookies are not accepted" not in response.get_data(as_text=True):
                problems.append(f"  {method} {path} {kwargs}: {response.status_code}")
            elif seen["after"] != before:
                problems.append(f"  {method} {path}: refused, but rows changed")
    assert not problems, f"unsafe API routes a cookie of {role_name} got through:\n" + "\n".join(problems)


def test_the_sweep_sees_a_route_that_takes_no_csrf_token(app, world, monkeypatch):
    """The sweep itself: a route exempted from CSRF by mistake is reported."""
    from partner_portal.extensions import csrf

    monkeypatch.setattr(csrf, "_exempt_views", {*csrf._exempt_views, "partner_portal.tickets.views.new"})
    client = signed_in_client(app, "customer_connected", world)
    problem = _refused(app, client, "POST", "/tickets/new", CSRF_REFUSED, 400, csrf=False,
                       data={"subject": "Forged", "description": "From elsewhere", "severity": "normal"})
    assert problem and ("not refused" in problem or "rows changed" in problem)


# --- security headers on every kind of response ----------------------------------------------------

@pytest.mark.parametrize("role_name", ["anonymous", "partner_full", "customer_connected", "operator",
                                       "directory_user"])
def test_htmx_fragments_of_every_get_route_carry_the_headers(app, world, role_name):
    client = signed_in_client(app, role_name, world)
    for rule in get_routes(app):
        path = default_path(app, rule, world)
        request_cell(app, client, "GET", path, headers=htmx_headers(**{"HX-Current-URL": "http://localhost/"}))
        request_cell(app, client, "GET", path, headers=htmx_headers(**{"HX-History-Restore-Request": "true"}))


@pytest.mark.parametrize("role_name", ["anonymous", "partner_full"])
def test_404_and_405_of_every_route_carry_the_headers(app, world, role_name):
    client = signed_in_client(app, role_name, world)
    assert request_cell(app, client, "GET", "/no/such/page").status_code == 404
    for path in ("/customers/0000000000", "/licensing/999999999", "/assets/x/none.css"):
        assert request_cell(app, client, "GET", path).status_code in (404, 303)  # 303: sign in first
    for rule in app.url_map.iter_rules():
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods_of_path(app, rule)):
            response = request_cell(app, client, method, default_path(app, rule, world))
            assert response.status_code == 405, (rule.endpoint, method, response.status_code)


def test_413_on_every_unsafe_route_carries_the_headers(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    monkeypatch.setitem(app.config, "USAGE_UPLOAD_MAX_BYTES", 2000)
    monkeypatch.setattr(csp_views, "THEME_REQUEST_LIMIT", 2000)
    client = signed_in_client(app, "partner_full", world)
    operator = signed_in_client(app, "operator", world)
    tokens = {}  # the API's routes: a token its guards let through (a cookie is a 401 before any body)
    for rule, method in unsafe_routes(app):
        who = operator if rule.endpoint.startswith("operator.") else client
        if rule.endpoint.partition(".")[0] in CSRF_EXEMPT_BLUEPRINTS:
            name = admitted_role(rule.endpoint, method)
            who = tokens.get(name) or tokens.setdefault(name, signed_in_client(app, name, world))
        if rule.endpoint == "api.import_usage":  # its body is the CSV itself
            body = {"data": b"x" * 5000, "content_type": "text/csv"}
        else:
            body = {"data": {"file": (io.BytesIO(b"x" * 5000), "big.csv")}}
        response = request_cell(app, who, method, default_path(app, rule, world), **body)
        assert response.status_code == 413, (rule.endpoint, response.status_code)


def test_429_carries_the_headers(app, world):
    client = new_client(app)
    statuses = [client.post("/sign-in", data={"email": "nobody@example.org", "password": "wrong"})
                for _ in range(12)]
    assert statuses[-1].status_code == 429
    check_response(statuses[-1], "POST /sign-in (rate-limited)")
    slug = world.subjects["C.workspace_slug"]
    answers = [client.post(f"/workspace/{slug}", data={"user_name": "x@y", "password": "wrong"}) for _ in range(12)]
    assert answers[-1].status_code == 429
    check_response(answers[-1], "POST /workspace (rate-limited)")


def test_500_of_every_route_carries_the_headers_and_no_internals(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    for endpoint in list(app.view_functions):
        monkeypatch.setitem(app.view_functions, endpoint, boom)
    client = signed_in_client(app, "anonymous", world)  # sign-in itself would fail now
    api_client = signed_in_client(app, "api_full", world)  # a bearer token: the API's views are reached
    for rule in app.url_map.iter_rules():
        who = api_client if rule.endpoint.partition(".")[0] in CSRF_EXEMPT_BLUEPRINTS else client
        for method in rule_methods(rule):
            for headers in ({}, htmx_headers()):
                response = request_cell(app, who, method, default_path(app, rule, world), headers=headers)
                body = response.get_data(as_text=True)
                assert response.status_code == 500 and "secret internals" not in body, (rule.endpoint, method)


# --- cookies -------------------------------------------------------------------------------------

def test_portal_secure_cookies_sets_every_secure_flag(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "1")
    loaded = portal_config.load(str(tmp_path))
    assert loaded["SESSION_COOKIE_SECURE"] and loaded["REMEMBER_COOKIE_SECURE"] and loaded["WTF_CSRF_SSL_STRICT"]
    monkeypatch.delenv("PORTAL_SECURE_COOKIES")
    loaded = portal_config.load(str(tmp_path))
    assert not (loaded["SESSION_COOKIE_SECURE"] or loaded["REMEMBER_COOKIE_SECURE"])


@pytest.mark.parametrize("secure", [False, True], ids=["http", "PORTAL_SECURE_COOKIES"])
def test_cookie_flags(app, world, monkeypatch, secure):
    if secure:
        for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "WTF_CSRF_SSL_STRICT"):
            monkeypatch.setitem(app.config, key, True)
    base = "https://localhost" if secure else "http://localhost"
    # Over https Flask-WTF also wants a same-site Referer (WTF_CSRF_SSL_STRICT), as browsers send.
    same_site = {"Referer": f"{base}/sign-in"}
    client = new_client(app)
    user = world.users["partner_full"]
    response = request_cell(app, client, "POST", "/sign-in", base_url=base, headers=same_site,
                            data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    names = {cookie.split("=", 1)[0] for cookie in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= names, (response.status_code, response.get_data(as_text=True)[-300:])  # flags checked by request_cell
    slug = world.subjects["C.workspace_slug"]
    response = request_cell(app, client, "POST", f"/workspace/{slug}", base_url=base, headers=same_site,
                            data={"user_name": world.directory_user.sign_in_name, "password": TEST_PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("workspace_session=") and f"Path=/workspace/{slug}" in c for c in cookies), cookies
    # Every page a signed-in person opens, over the same scheme (request_cell checks each).
    signed_in = new_client(app)
    assert signed_in.post("/sign-in", base_url=base, headers=same_site,
                          data={"email": user.email, "password": TEST_PASSWORD}).status_code == 303
    for rule in get_routes(app):
        request_cell(app, signed_in, "GET", default_path(app, rule, world), base_url=base)
