"""Support tickets: customers open, list, read and close them; partners count the open ones and
never read them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, ConnectionMethod, Permission, SupportTicket, Tenancy, TicketSeverity, TicketStatus,
)

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner

SECRET = "Our VPN password is hunter2"


@pytest.fixture
def customer(client, login):
    """A signed-in full-access administrator of a customer connected to a partner."""
    org = make_org("Alpha Health")
    user = make_admin(org)
    partner = make_partner("Northwind")
    connect(partner, org)
    login(user)
    return org, user, partner


def _open(client, **data):
    return client.post("/tickets/new", data={"subject": "VPN down", "description": SECRET, "severity": "high", **data})


def test_open_list_read_and_close_a_ticket(client, customer):
    org, user, _ = customer
    response = _open(client)
    ticket = db.session.scalar(select(SupportTicket))
    assert response.status_code == 303 and response.headers["Location"] == f"/tickets/{ticket.id}"
    assert (ticket.organization_id, ticket.subject, ticket.severity, ticket.status, ticket.opened_by_id) == (
        org.id, "VPN down", TicketSeverity.HIGH, TicketStatus.OPEN, user.id)
    listing = client.get("/tickets").get_data(as_text=True)
    assert "VPN down" in listing and "Open a ticket" in listing
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert SECRET in page and "Close the ticket" in page
    assert client.post(f"/tickets/{ticket.id}/close").status_code == 303
    db.session.expire_all()
    ticket = db.session.get(SupportTicket, ticket.id)
    assert ticket.status is TicketStatus.CLOSED and ticket.closed_by_id == user.id
    closed_at = ticket.closed_at
    assert client.post(f"/tickets/{ticket.id}/close").status_code == 303  # twice: nothing changes
    db.session.expire_all()
    assert db.session.get(SupportTicket, ticket.id).closed_at == closed_at
    assert "Close the ticket" not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"subject": ""}, "Say in a few words what is wrong."),
    ({"subject": "x" * 201}, "Use at most 200 characters."),
    ({"description": "  "}, "Describe what happens"),
    ({"severity": "apocalyptic"}, "Not a valid choice"),
])
def test_bad_ticket_input_gets_422_and_writes_nothing(client, customer, data, message):
    response = client.post("/tickets/new", data={"subject": "VPN down", "description": "Broken", "severity": "low",
                                                 **data}, headers=htmx_headers(**{"HX-Target": "ticket-form"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and "<html" not in body
    assert body.lstrip().startswith('<form id="ticket-form"')
    assert db.session.scalar(select(func.count()).select_from(SupportTicket)) == 0


def test_ticket_pages_need_the_support_permission(client, login):
    org = make_org()
    make_admin(org)
    login(make_admin(org, access=Access.CUSTOM, permissions=[Permission.LICENSING]))
    assert client.get("/tickets").status_code == 403
    assert "Support Tickets</a>" not in client.get("/").get_data(as_text=True)
    login(make_admin(org, access=Access.CUSTOM, permissions=[Permission.SUPPORT]))
    assert client.get("/tickets").status_code == 200
    assert "Support Tickets</a>" in client.get("/").get_data(as_text=True)


def test_another_organizations_ticket_is_a_404(client, customer):
    other = make_org("Beta Foods")
    ticket = SupportTicket(organization_id=other.id, subject="Theirs", description=SECRET)
    db.session.add(ticket)
    db.session.flush()
    assert client.get(f"/tickets/{ticket.id}").status_code == 404
    assert client.post(f"/tickets/{ticket.id}/close").status_code == 404
    db.session.expire_all()
    assert db.session.get(SupportTicket, ticket.id).status is TicketStatus.OPEN


def test_closing_needs_the_csrf_token(client, customer):
    _open(client)
    ticket = db.session.scalar(select(SupportTicket))
    assert client.post(f"/tickets/{ticket.id}/close", csrf=False).status_code == 400
    assert _open(client, subject="Again") and client.post("/tickets/new", data={"subject": "x"}, csrf=False).status_code == 400


def test_partners_count_open_tickets_and_never_read_them(client, login, customer):
    org, user, partner = customer
    _open(client)
    _open(client, subject="Printing broken")
    closed = SupportTicket(organization_id=org.id, subject="Old", status=TicketStatus.CLOSED, description=SECRET)
    db.session.add(closed)
    ticket_ids = list(db.session.scalars(select(SupportTicket.id)))
    login(make_admin(partner))
    dashboard = client.get("/customers").get_data(as_text=True)
    row = dashboard[dashboard.index(f'id="row-{org.orgid}"'):].split("</tr>")[0]
    assert row.rstrip().endswith("</td>") and '<td class="num" data-label="Open support tickets">2</td>' in row
    assert '<td class="num" id="open-tickets-total" data-label="Open support tickets">2</td>' in dashboard
    pages = [dashboard, client.get("/customers/export.csv").get_data(as_text=True),
             client.get("/notifications").get_data(as_text=True), client.get(f"/customers/{org.orgid}").get_data(as_text=True)]
    for page in pages:
        assert SECRET not in page and "VPN down" not in page and "Printing broken" not in page
    for ticket_id in ticket_ids:
        assert client.get(f"/tickets/{ticket_id}").status_code == 404


def test_a_partner_administrating_the_customer_still_cannot_read_its_tickets(client, login):
    partner = make_partner("Northwind")
    org = make_org("Added Co", tenancy=Tenancy.MULTI)
    make_admin(org)
    link = connect(partner, org, ConnectionMethod.ADDED)
    partner_person = make_admin(partner)
    make_admin(org, partner_person, via=link)
    db.session.add(SupportTicket(organization_id=org.id, subject="Theirs", description=SECRET))
    login(partner_person)
    client.post(f"/account/switch/{org.id}")
    response = client.get("/tickets")
    assert response.status_code == 403 and "own administrators only" in response.get_data(as_text=True)
