"""The Customer Dashboard, its ellipsis actions, Invite or Add, and their rules."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, Administrator, Connection, Entitlement, Notification, Organization, Permission, Program, Side, SupportTicket, Tenancy, TicketStatus, User,
)

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner, make_user


@pytest.fixture
def services():
    """The service catalogue."""
    from partner_portal.demo.services import ensure_services

    ensure_services()


@pytest.fixture
def partner_setup(client, login, services):
    """A signed-in full-access partner administrator with two customers."""
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    user = make_admin(partner)
    alpha = make_org("Alpha Health")
    beta = make_org("Beta Foods", tenancy=Tenancy.MULTI)
    make_admin(alpha, make_user("contact@alpha.example.org", password=None))
    connect(partner, alpha)
    connect(partner, beta)
    today = date.today()
    db.session.add_all([
        Entitlement(organization_id=alpha.id, service_code="daas-user", license_count=100, licenses_assigned=120,
                    start_date=today - timedelta(days=300), end_date=today + timedelta(days=30)),
        Entitlement(organization_id=alpha.id, service_code="gateway", is_trial=True, license_count=25),
        Entitlement(organization_id=beta.id, service_code="secure-private-access", license_count=50,
                    licenses_assigned=20, start_date=today - timedelta(days=10), end_date=today + timedelta(days=355)),
        Notification(organization_id=alpha.id, title="One"), Notification(organization_id=alpha.id, title="Two"),
        SupportTicket(organization_id=beta.id, subject="Help"),
        SupportTicket(organization_id=beta.id, subject="Done", status=TicketStatus.CLOSED),
    ])
    db.session.flush()
    login(user)
    return partner, user, alpha, beta


def test_dashboard_shows_rows_with_status_at_a_glance(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    response = client.get("/customers")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2</strong> of 100 customers" in page
    row = page[page.index(f'id="row-{alpha.orgid}"'):].split("</tr>")[0]
    assert "Alpha Health" in row and "contact@<wbr>alpha.example.org" in row and "Single-tenant" in row
    assert "120 %" in row and "health-red" in row and "Pending trial request" in row
    assert '<span class="pill">2</span>' in row
    beta_row = page[page.index(f'id="row-{beta.orgid}"'):].split("</tr>")[0]
    assert "40 %" in beta_row and "health-green" in beta_row
    assert '<td class="num" data-label="Open support tickets">1</td>' in beta_row  # one open ticket, the closed one not counted


def test_unconnected_and_other_partners_customers_are_invisible(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    stranger = make_org("Stranger Co")
    rival = make_partner("Rival")
    connect(rival, stranger)
    page = client.get("/customers").get_data(as_text=True)
    assert "Stranger Co" not in page
    for path in (f"/customers/{stranger.orgid}", f"/customers/{stranger.orgid}/licensing",
                 f"/customers/{stranger.orgid}/remove", "/customers/not-a-number/licensing"):
        assert client.get(path).status_code == 404
    assert client.post(f"/customers/{stranger.orgid}/remove").status_code == 404
    assert db.session.scalar(select(Connection.ended_at).where(Connection.customer_id == stranger.id)) is None


@pytest.mark.parametrize("query, present, absent", [
    ("q=alpha", ["Alpha Health"], ["Beta Foods"]),
    ("tenancy=multi-tenant", ["Beta Foods"], ["Alpha Health"]),
    ("trial=pending-trial", ["Alpha Health"], ["Beta Foods"]),
    ("flag=over-licensed", ["Alpha Health"], ["Beta Foods"]),
    ("flag=expiring", ["Alpha Health"], ["Beta Foods"]),
    ("tenancy=nonsense&sort=evil", ["Alpha Health", "Beta Foods"], []),
])
def test_search_and_filters(client, partner_setup, query, present, absent):
    response = client.get(f"/customers?{query}", headers=htmx_headers(**{"HX-Target": "customer-table"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="customer-table"')
    for name in present:
        assert name in body
    for name in absent:
        assert name not in body


def test_search_by_orgid_and_sorting(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    assert "Beta Foods" in client.get(f"/customers?q={beta.orgid}").get_data(as_text=True)
    page = client.get("/customers?sort=health&dir=desc").get_data(as_text=True)
    assert page.index("Alpha Health") < page.index("Beta Foods")
    page = client.get("/customers?sort=health&dir=asc").get_data(as_text=True)
    assert page.index("Beta Foods") < page.index("Alpha Health")
    page = client.get("/customers?sort=tickets&dir=desc").get_data(as_text=True)
    assert page.index("Beta Foods") < page.index("Alpha Health")


def test_history_restore_gets_the_full_page(client, partner_setup):
    response = client.get("/customers?q=alpha", headers=htmx_headers(**{"HX-History-Restore-Request": "true", "HX-Target": "customer-table"}))
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


def test_export_csv_matches_rows(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    response = client.get("/customers/export.csv?flag=over-licensed")
    assert response.mimetype == "text/csv"
    assert f"customers-{partner.orgid}-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:2] == ["Customer", "ORGID"]
    assert [r[1] for r in rows[1:]] == [alpha.orgid]
    assert rows[1][6:9] == ["100", "120", "120"]


def test_export_csv_neutralises_formulas(client, login, services):
    partner = make_partner()
    login(make_admin(partner))
    customer = make_org('=HYPERLINK("http://x")')
    make_admin(customer, make_user("+cmd@example.com", password=None))
    connect(partner, customer)
    rows = list(csv.reader(io.StringIO(client.get("/customers/export.csv").get_data(as_text=True))))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][4] == "'+cmd@example.com"
    assert rows[1][6:8] == ["0", "0"]  # figures stay numbers


def test_empty_state_points_to_invite_or_add(client, login, services):
    login(make_admin(make_partner()))
    page = client.get("/customers").get_data(as_text=True)
    assert "No connected customers yet" in page and "Invite or Add" in page


def test_query_count_does_not_grow_with_rows(client, login, services, count_queries):
    partner = make_partner()
    login(make_admin(partner))

    def add_customers(n):
        for _ in range(n):
            customer = make_org(tenancy=Tenancy.MULTI)
            make_admin(customer)
            connect(partner, customer)
            db.session.add_all([
                Entitlement(organization_id=customer.id, service_code="daas-user", license_count=10, licenses_assigned=5,
                            start_date=date.today(), end_date=date.today() + timedelta(days=40)),
                Notification(organization_id=customer.id, title="n"),
                SupportTicket(organization_id=customer.id, subject="t"),
            ])
        db.session.flush()

    add_customers(2)
    client.get("/customers")  # warm-up: the first request after sign-in also refreshes the session
    with count_queries() as small:
        assert client.get("/customers").status_code == 200
    add_customers(98)
    with count_queries() as large:
        page = client.get("/customers").get_data(as_text=True)
    assert page.count('<tr id="row-') == 100
    assert len(small) == len(large) <= 8, (len(small), len(large))


def test_partner_only_guard(client, login):
    login(make_admin(make_org("Plain Customer")))
    response = client.get("/customers")
    assert response.status_code == 403
    assert "partner accounts only" in response.get_data(as_text=True)


def test_lapsed_partner_loses_the_dashboard(client, login):
    login(make_admin(make_org(programs=[Program.SOLUTION_ADVISOR], lapsed=True)))
    assert client.get("/customers").status_code == 403


def test_custom_access_without_dashboard_permission_is_refused(client, login, services):
    partner = make_partner()
    make_admin(partner)
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.LICENSING]))
    assert client.get("/customers").status_code == 403
    assert "My Customers" not in client.get("/").get_data(as_text=True)


def test_view_only_admin_sees_dashboard_but_cannot_change_it(client, login, services):
    partner = make_partner()
    customer = make_org()
    connect(partner, customer)
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD]))
    page = client.get("/customers").get_data(as_text=True)
    assert customer.name in page and "View Licensing" in page
    assert "Invite or Add" not in page and "Remove Customer Connection" not in page
    for path in ("/customers/invite-or-add", "/customers/invite", "/customers/add", f"/customers/{customer.orgid}/remove"):
        assert client.get(path).status_code == 403
    assert client.post(f"/customers/{customer.orgid}/remove").status_code == 403
    assert client.post("/customers/add", data={"company": "X"}).status_code == 403
    assert db.session.scalar(select(Connection.ended_at).where(Connection.customer_id == customer.id)) is None


def test_view_licensing_fragment_and_full_page(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    fragment = client.get(f"/customers/{alpha.orgid}/licensing", headers=htmx_headers(**{"HX-Target": "customer-panel"}))
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="customer-panel"') and "<html" not in body
    assert "DaaS (user/device)" in body and "120 %" in body
    full = client.get(f"/customers/{alpha.orgid}/licensing").get_data(as_text=True)
    assert "<html" in full and "My Customers" in full and "120 %" in full


def test_customer_details(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    page = client.get(f"/customers/{alpha.orgid}").get_data(as_text=True)
    assert "Account information" in page and "Orders" in page
    assert "Pending service trial requests" in page and "Active service entitlements" in page
    assert "contact@alpha.example.org" in page


def test_access_customer_account_only_for_multi_tenant_customers_you_administer(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    make_admin(beta, db.session.get(User, user.id))
    page = client.get("/customers").get_data(as_text=True)
    alpha_row = page[page.index(f'id="row-{alpha.orgid}"'):].split("</tr>")[0]
    beta_row = page[page.index(f'id="row-{beta.orgid}"'):].split("</tr>")[0]
    assert "Access Customer Account" in beta_row and "Access Customer Account" not in alpha_row
    assert client.post(f"/account/switch/{beta.id}").status_code == 303
    assert "Beta Foods" in client.get("/account/settings").get_data(as_text=True)


def test_remove_customer_connection_with_htmx(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    dialog = client.get(f"/customers/{alpha.orgid}/remove", headers=htmx_headers(**{"HX-Target": "dialog-region"}))
    body = dialog.get_data(as_text=True)
    assert "<dialog" in body and "data-modal" in body and ">Remove</button>" in body and "<html" not in body
    response = client.post(f"/customers/{alpha.orgid}/remove", headers=htmx_headers(**{"HX-Target": f"row-{alpha.orgid}"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    # The row swaps to nothing, the dialog closes, and the table is told to refresh itself.
    # The outcome goes to the page's status region, as the flash does without JavaScript.
    assert body == ('<div id="dialog-region" hx-swap-oob="true"></div>\n'
                    '<div id="flashes" hx-swap-oob="innerHTML"><p class="flash flash-success" role="status">'
                    'Alpha Health was removed from your customers.</p></div>')
    assert response.headers["HX-Trigger"] == "customers-changed"
    refreshed = client.get("/customers", headers=htmx_headers(**{"HX-Target": "customer-table"})).get_data(as_text=True)
    assert 'id="customer-counter" class="counter" hx-swap-oob="true"' in refreshed and "<strong>1</strong> of 100" in refreshed
    assert f'id="row-{alpha.orgid}"' not in refreshed and ">1 customer</p>" in refreshed
    link = db.session.scalar(select(Connection).where(Connection.customer_id == alpha.id))
    assert link.ended_at is not None and link.ended_by_side is Side.PARTNER and link.ended_by_id == user.id
    # The customer is told; the connection stays as history; the partner can no longer see it.
    assert db.session.scalar(select(Notification).where(Notification.organization_id == alpha.id,
                                                         Notification.title.like("%removed its connection%")))
    assert client.get(f"/customers/{alpha.orgid}/licensing").status_code == 404
    assert "Alpha Health" not in client.get("/customers").get_data(as_text=True)


def test_remove_without_javascript(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    page = client.get(f"/customers/{alpha.orgid}/remove").get_data(as_text=True)
    assert "<html" in page and "open" in page
    response = client.post(f"/customers/{alpha.orgid}/remove")
    assert response.status_code == 303 and response.headers["Location"] == "/customers"


def test_remove_requires_csrf(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    assert client.post(f"/customers/{alpha.orgid}/remove", csrf=False).status_code == 400
    assert db.session.scalar(select(Connection.ended_at).where(Connection.customer_id == alpha.id)) is None


def test_invitation_link_is_fixed_and_unguessable(client, partner_setup):
    partner, *_ = partner_setup
    first = client.get("/customers/invite").get_data(as_text=True)
    second = client.get("/customers/invite").get_data(as_text=True)
    token = partner.invitation_token
    assert f"/invitations/{token}" in first and f"/invitations/{token}" in second
    assert len(token) >= 43  # 32 random bytes, base64url
    assert "Copy link" in first


# --- Add a customer -----------------------------------------------------------------------

GOOD_CUSTOMER = {"company": "Gamma Retail", "first_name": "Ada", "last_name": "Lovelace",
                 "email": "ada@gamma.example.org", "phone": "+44 20 7946 0000", "country": "United Kingdom"}


def test_add_a_customer_creates_account_admins_connection_and_notification(client, partner_setup, app):
    partner, user, alpha, beta = partner_setup
    response = client.post("/customers/add", data=GOOD_CUSTOMER)
    assert response.status_code == 303
    customer = db.session.scalar(select(Organization).where(Organization.name == "Gamma Retail"))
    assert customer.tenancy is Tenancy.MULTI and customer.orgid.isdigit()
    contact = db.session.scalar(select(User).where(User.email == "ada@gamma.example.org"))
    assert contact.password_hash is None
    admins = {a.user_id: a for a in db.session.scalars(select(Administrator).where(Administrator.organization_id == customer.id))}
    assert admins[contact.id].is_full and admins[user.id].is_full
    assert db.session.scalar(select(Connection).where(Connection.customer_id == customer.id, Connection.partner_id == partner.id))
    note = db.session.scalar(select(Notification).where(Notification.organization_id == customer.id))
    assert "was added as an administrator" in note.title
    assert db.session.scalar(select(Notification).where(Notification.organization_id == partner.id,
                                                         Notification.title.like("New customer connection%")))


@pytest.mark.parametrize("field, value, message", [
    ("email", "not-an-email", "Enter a valid email address."),
    ("company", "", "Enter the company&#39;s name."),
    ("phone", "call me", "Use digits"),
    ("company", "x" * 121, "Use at most 120 characters."),
])
def test_add_a_customer_bad_input_gets_422_and_writes_nothing(client, partner_setup, field, value, message):
    before = db.session.scalar(select(func.count()).select_from(Organization))
    response = client.post("/customers/add", data={**GOOD_CUSTOMER, field: value}, headers=htmx_headers())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == before


def test_add_a_customer_with_an_existing_email_is_refused(client, partner_setup):
    make_user("Ada@Gamma.example.org")
    before = db.session.scalar(select(func.count()).select_from(Organization))
    response = client.post("/customers/add", data=GOOD_CUSTOMER)
    assert response.status_code == 422
    assert "already uses this business email" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == before


def test_add_a_customer_at_the_limit_is_refused(client, partner_setup, app, monkeypatch):
    monkeypatch.setitem(app.config, "PARTNER_CONNECTION_LIMIT", 2)
    response = client.post("/customers/add", data=GOOD_CUSTOMER)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Remove a customer you no longer manage" in body and "separate partner account" in body
    assert db.session.scalar(select(User).where(User.email == GOOD_CUSTOMER["email"])) is None


@pytest.mark.parametrize("assigned, label, color", [(896, "89 %", "green"), (900, "90 %", "amber"),
                                                    (1000, "100 %", "amber"), (1001, "101 %", "red")])
def test_dashboard_health_follows_the_licensing_rules(client, login, services, assigned, label, color):
    """The row's label and color come from licensing.math, so they never contradict each other."""
    partner = make_partner()
    customer = make_org("Edge Case Co")
    connect(partner, customer)
    db.session.add(Entitlement(organization_id=customer.id, service_code="daas-user", license_count=1000,
                               licenses_assigned=assigned, start_date=date.today() - timedelta(days=10),
                               end_date=date.today() + timedelta(days=300)))
    login(make_admin(partner))
    page = client.get("/customers").get_data(as_text=True)
    row = page[page.index(f'id="row-{customer.orgid}"'):].split("</tr>")[0]
    assert f'<span class="health-figure">{label}</span>' in row and f"health-{color}" in row


def test_invite_or_add_chooses_then_continues(client, login, services):
    """Invite or Add is a choice and a Continue step: without a choice it asks for one; with one it
    leads to that step (a redirect without JavaScript, the step itself in the panel)."""
    login(make_admin(make_partner()))
    page = client.get("/customers/invite-or-add")
    assert page.status_code == 200 and b"Continue" in page.data and b'value="invite"' in page.data
    missing = client.get("/customers/invite-or-add?continue=1")
    assert missing.status_code == 422 and b"Choose Invite a customer or Add a customer." in missing.data
    chosen = client.get("/customers/invite-or-add?choice=add&continue=1")
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/customers/add")
    panel = client.get("/customers/invite-or-add?choice=invite", headers={"HX-Request": "true", "HX-Target": "customer-panel"})
    assert panel.status_code == 200 and panel.headers["HX-Push-Url"] == "/customers/invite"
    assert b"Invite a customer" in panel.data and b"<html" not in panel.data
