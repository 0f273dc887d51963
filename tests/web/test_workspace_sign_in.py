"""Workspace sign-in for directory users: by path and by host name, admitted only through the domains the
customer is added to, with a session of its own that a removal ends at once."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import delete, select

from partner_portal.extensions import db
from partner_portal.models import (
    Connection, DirectoryUser, MembershipStatus, ProgramMembership, ResourceKind, Tenancy, WorkspaceDomain, WorkspaceTheme,
    utcnow,
)
from partner_portal.workspaces.hosts import slug_for_host
from partner_portal.workspaces.services import BAD_CREDENTIALS, NOT_ALLOWED

from ..conftest import TEST_PASSWORD
from ..csp_factories import (
    add_to_domain, federated_world, make_directory_user, make_domain, make_provider, make_shared_workspace, publish,
)
from ..factories import connect, make_admin, make_org

HOST_BASE = "workspaces.test"


@pytest.fixture
def world():
    """Provider, customer Fabrikam at /workspace/fabrikam, its directory user, with two published resources."""
    provider, customer, domain, user, workspace = federated_world("fabrikam")
    publish(domain, customer, "Patient records")
    publish(domain, customer, "Clinical desktop", ResourceKind.DESKTOP)
    return provider, customer, domain, user, workspace


@pytest.fixture
def workspace_hosts(app, monkeypatch):
    """Serve workspace host names under workspaces.test (as WORKSPACE_BASE_DOMAIN would)."""
    monkeypatch.setitem(app.config, "WORKSPACE_BASE_DOMAIN", HOST_BASE)
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["localhost", f".{HOST_BASE}"])


def _sign_in(client, user, password=TEST_PASSWORD, path="/workspace/fabrikam", **kwargs):
    return client.post(path, data={"user_name": user.sign_in_name.upper(), "password": password}, **kwargs)


def test_the_sign_in_page_answers_at_its_path(client, world):
    response = client.get("/workspace/fabrikam")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Fabrikam Health" in page and 'name="user_name"' in page
    assert 'name="csrf_token"' in page
    assert "Partner Portal" not in page.split("<footer")[0]  # the workspace's own frame, not the portal's


def test_unknown_workspace_is_a_404(client, world):
    response = client.get("/workspace/nope")
    assert response.status_code == 404 and "no workspace at this address" in response.get_data(as_text=True)


def test_an_admitted_user_signs_in_and_sees_what_is_published_for_them(client, world):
    provider, customer, domain, user, workspace = world
    other = make_org("Contoso")
    connect(provider, other)
    publish(domain, other, "Contoso payroll")
    response = _sign_in(client, user)
    assert response.status_code == 303 and response.headers["Location"] == "/workspace/fabrikam/apps"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("workspace_session="))
    assert "Path=/workspace/fabrikam" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/workspace/fabrikam/apps").get_data(as_text=True)
    assert "Apps and desktops" in page and "Patient records" in page and "Clinical desktop" in page
    assert page.index("Clinical desktop") < page.index("Patient records")  # desktops first
    assert "Contoso payroll" not in page
    # Signed in already: the sign-in page sends them on.
    assert client.get("/workspace/fabrikam").headers["Location"] == "/workspace/fabrikam/apps"


def test_the_workspace_session_is_not_a_portal_session(client, world):
    _sign_in(client, world[3])
    assert client.get("/").status_code == 303  # the portal still asks to sign in
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_portal_users_are_not_directory_users(client, world):
    admin = make_admin(make_org())
    response = client.post("/workspace/fabrikam", data={"user_name": admin.email, "password": TEST_PASSWORD})
    assert response.status_code == 422 and escape(str(BAD_CREDENTIALS)) in response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_wrong_credentials_get_one_message(client, world, password):
    response = _sign_in(client, world[3], password=password)
    assert response.status_code == 422
    assert "workspace_session" not in response.headers.get("Set-Cookie", "")


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(client, world):
    response = client.post("/workspace/fabrikam", data={"user_name": "nobody@nowhere.example", "password": "x"})
    assert response.status_code == 422 and escape(str(BAD_CREDENTIALS)) in response.get_data(as_text=True)


def test_users_the_workspace_does_not_admit_are_refused_clearly(client, world):
    provider, customer, domain, user, workspace = world
    other_domain = make_domain(provider)
    outsider = make_directory_user(other_domain, customer, "elsewhere")  # domain not added for Fabrikam
    contoso = make_org("Contoso")
    connect(provider, contoso)
    neighbour = make_directory_user(domain, contoso, "neighbour")  # same domain, another customer
    stranger = make_directory_user(make_domain(make_provider()), customer, "stranger")  # another provider's domain
    for refused in (outsider, neighbour, stranger):
        response = _sign_in(client, refused)
        assert response.status_code == 422 and escape(str(NOT_ALLOWED)) in response.get_data(as_text=True), refused.sign_in_name
        assert "workspace_session" not in response.headers.get("Set-Cookie", "")


def test_removal_from_the_domain_ends_sign_in_and_open_sessions_at_once(client, world):
    provider, customer, domain, user, workspace = world
    _sign_in(client, user)
    assert client.get("/workspace/fabrikam/apps").status_code == 200
    db.session.execute(delete(WorkspaceDomain).where(WorkspaceDomain.workspace_id == workspace.id))
    response = client.get("/workspace/fabrikam/apps")
    assert response.status_code == 303 and response.headers["Location"] == "/workspace/fabrikam"
    assert "workspace_session=;" in response.headers["Set-Cookie"]
    assert "access to this workspace was removed" in client.get("/workspace/fabrikam").get_data(as_text=True)
    response = _sign_in(client, user)
    assert response.status_code == 422 and escape(str(NOT_ALLOWED)) in response.get_data(as_text=True)


def test_a_new_password_ends_the_session(client, world):
    user = world[3]
    _sign_in(client, user)
    db.session.get(DirectoryUser, user.id).password_hash = "argon2-something-else"
    assert client.get("/workspace/fabrikam/apps").status_code == 303


def test_a_session_of_one_workspace_means_nothing_in_another(client, world):
    provider, customer, domain, user, workspace = world
    _sign_in(client, user)
    token = next(c.value for c in client._cookies.values() if c.key == "workspace_session")
    other = make_org("Other")
    connect(provider, other)
    add_to_domain(domain, other, "other")
    client.set_cookie("workspace_session", token, path="/workspace/other")
    assert client.get("/workspace/other/apps").status_code == 303
    client.set_cookie("workspace_session", "forged.token.value", path="/workspace/fabrikam")
    assert client.get("/workspace/fabrikam/apps").status_code == 303


def test_sign_out_ends_the_session(client, world):
    _sign_in(client, world[3])
    response = client.post("/workspace/fabrikam/sign-out")
    assert response.status_code == 303 and "workspace_session=;" in response.headers["Set-Cookie"]
    assert client.get("/workspace/fabrikam/apps").status_code == 303


@pytest.mark.parametrize("path", ["/workspace/fabrikam", "/workspace/fabrikam/sign-out"])
def test_workspace_forms_need_their_csrf_token(client, world, path):
    response = client.post(path, data={"user_name": world[3].sign_in_name, "password": TEST_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "workspace_session" not in response.headers.get("Set-Cookie", "")


def test_ended_connection_or_lapsed_membership_closes_the_workspace(client, world):
    provider, customer, domain, user, workspace = world
    link = db.session.scalar(select(Connection).where(Connection.customer_id == customer.id))
    link.ended_at = utcnow()
    assert client.get("/workspace/fabrikam").status_code == 404
    link.ended_at = None
    membership = db.session.scalar(select(ProgramMembership).where(ProgramMembership.organization_id == provider.id))
    membership.status = MembershipStatus.LAPSED
    assert client.get("/workspace/fabrikam").status_code == 404
    assert _sign_in(client, user).status_code == 404


def test_the_shared_workspace_admits_every_connected_customers_users(client, world):
    provider, customer, domain, user, workspace = world
    make_shared_workspace(provider, "northwind")
    contoso = make_org("Contoso", tenancy=Tenancy.MULTI)
    connect(provider, contoso)
    contoso_user = make_directory_user(make_domain(provider), contoso, "pat")
    publish(domain, contoso, "Contoso payroll")
    assert _sign_in(client, contoso_user, path="/workspace/northwind").status_code == 303
    page = client.get("/workspace/northwind/apps").get_data(as_text=True)
    assert "Contoso payroll" in page and "Patient records" not in page
    unconnected = make_directory_user(domain, make_org("Gone"), "gone")
    assert _sign_in(client, unconnected, path="/workspace/northwind").status_code == 422


def test_sign_in_attempts_are_rate_limited(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "3 per minute")
    for _ in range(3):
        assert _sign_in(client, world[3], password="wrong").status_code == 422
    assert _sign_in(client, world[3]).status_code == 429
    assert client.get("/workspace/fabrikam").status_code == 200  # looking is not an attempt


def test_the_theme_shows_on_the_sign_in_page_for_single_tenant_customers_only(client, world):
    provider, customer, domain, user, workspace = world
    db.session.add(WorkspaceTheme(provider_id=provider.id, customer_id=customer.id, banner_color="#123456",
                                  banner_text_color="#fedcba", icon_color="#00ff00", accent_color="#ff0000",
                                  sign_in_logo="0" * 32 + ".png"))
    page = client.get("/workspace/fabrikam").get_data(as_text=True)
    assert "--ws-banner: #123456" in page and "--ws-accent: #ff0000" in page
    assert f'src="/workspace-logos/{"0" * 32}.png"' in page
    customer.tenancy = Tenancy.MULTI
    page = client.get("/workspace/fabrikam").get_data(as_text=True)
    assert "#123456" not in page and "/workspace-logos/" not in page


# --- host names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("host, slug", [
    ("fabrikam.workspaces.test", "fabrikam"), ("Fabrikam.Workspaces.Test:8443", "fabrikam"),
    ("workspaces.test", None), ("a.b.workspaces.test", None), ("fabrikam.workspaces.test.evil", None),
    ("evilworkspaces.test", None), ("-x.workspaces.test", None), ("[::1]:5000", None),
    ("portal.workspaces.test", None),  # listed in TRUSTED_HOSTS: the portal itself
])
def test_slug_for_host(host, slug):
    assert slug_for_host(host, HOST_BASE, ["localhost", "portal.workspaces.test"]) == slug


def test_the_workspace_answers_at_its_host_name(client, world, workspace_hosts):
    base = "http://fabrikam.workspaces.test"
    page = client.get("/", base_url=base).get_data(as_text=True)
    assert "Fabrikam Health" in page and 'action="/"' in page
    # The form's own token (the test client's helper makes one for localhost's cookie only).
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = client.post("/", base_url=base, csrf=False, data={
        "user_name": world[3].sign_in_name, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/apps"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("workspace_session="))
    assert "Path=/;" in cookie
    page = client.get("/apps", base_url=base).get_data(as_text=True)
    assert "Patient records" in page and 'action="/sign-out"' in page
    stylesheet = re.search(r'<link rel="stylesheet" href="(/assets/[^"]+)"', page)[1]
    with client.get(stylesheet, base_url=base) as response:
        assert response.status_code == 200 and response.mimetype == "text/css"


def test_a_workspace_host_never_reaches_the_portal_or_another_workspace(client, world, workspace_hosts):
    provider, customer, domain, user, workspace = world
    other = make_org("Other")
    connect(provider, other)
    add_to_domain(domain, other, "other")
    base = "http://fabrikam.workspaces.test"
    for path in ("/sign-in", "/forgot-password", "/customers", "/workspace/other", "/workspace/fabrikam"):
        assert client.get(path, base_url=base).status_code == 404, path
    assert client.get("/", base_url="http://nope.workspaces.test").status_code == 404
    assert client.get("/", base_url="http://fabrikam.elsewhere.test").status_code == 400  # untrusted host
