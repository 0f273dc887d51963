"""Invitation acceptance and the customer side of connections."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import Access, Connection, ConnectionMethod, Notification, Permission, Program, Side

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner


@pytest.fixture
def partner():
    """A badged partner with an invitation link."""
    return make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])


def _count(partner) -> int:
    return db.session.scalar(select(func.count()).select_from(Connection).where(
        Connection.partner_id == partner.id, Connection.ended_at.is_(None)))


def test_signed_out_visitor_signs_in_first_and_comes_back(client, partner):
    link = f"/invitations/{partner.invitation_token}"
    response = client.get(link)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/sign-in?next={link}"
    customer_admin = make_admin(make_org("Acme"))
    signed_in = client.post("/sign-in", data={"email": customer_admin.email, "password": "correct horse battery", "next": link})
    assert signed_in.headers["Location"] == link


def test_invitation_page_names_the_partner_and_what_it_will_see(client, login, partner):
    login(make_admin(make_org("Acme")))
    page = client.get(f"/invitations/{partner.invitation_token}").get_data(as_text=True)
    assert "Northwind" in page and partner.orgid in page and "Solution Advisor" in page
    assert "What Northwind will see" in page and "never individual users" in page
    assert ">Accept</button>" in page


def test_accepting_connects_and_notifies_the_partner(client, login, partner):
    customer = make_org("Acme")
    user = make_admin(customer)
    login(user)
    response = client.post(f"/invitations/{partner.invitation_token}")
    assert response.status_code == 303
    link = db.session.scalar(select(Connection).where(Connection.customer_id == customer.id))
    assert link.partner_id == partner.id and link.method is ConnectionMethod.INVITATION and link.created_by_id == user.id
    assert db.session.scalar(select(Notification).where(Notification.organization_id == partner.id)).title.startswith("New customer connection")
    settings = client.get("/account/settings").get_data(as_text=True)
    assert "Partner Connections" in settings and "Northwind" in settings


def test_accept_twice_keeps_one_connection(client, login, partner):
    customer = make_org("Acme")
    login(make_admin(customer))
    client.post(f"/invitations/{partner.invitation_token}")
    again = client.post(f"/invitations/{partner.invitation_token}")
    assert again.status_code == 409
    assert "already connected" in again.get_data(as_text=True)
    assert _count(partner) == 1


@pytest.mark.parametrize("case", ["own-org", "custom-access", "limit"])
def test_refusals_change_nothing(client, login, partner, app, monkeypatch, case):
    if case == "own-org":
        login(make_admin(partner))
        message = "can&#39;t connect to itself"
    elif case == "custom-access":
        customer = make_org()
        make_admin(customer)
        login(make_admin(customer, access=Access.CUSTOM, permissions=["customer-dashboard"]))
        message = "Only a full-access administrator"
    else:
        monkeypatch.setitem(app.config, "PARTNER_CONNECTION_LIMIT", 1)
        connect(partner, make_org())
        login(make_admin(make_org()))
        message = "reached its limit"
    before = _count(partner)
    page = client.get(f"/invitations/{partner.invitation_token}").get_data(as_text=True)
    assert message in page and ">Accept</button>" not in page
    response = client.post(f"/invitations/{partner.invitation_token}")
    assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert _count(partner) == before


@pytest.mark.parametrize("token", ["unknown-token", "x" * 200, "....."])  # NUL: see test_odd_input.py
def test_unknown_or_malformed_token(client, login, token):
    login(make_admin(make_org()))
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 404
    assert "invitation link is not valid" in response.get_data(as_text=True)


def test_lapsed_partners_link_stops_working(client, login):
    lapsed = make_org("Lapsed", programs=[Program.SOLUTION_ADVISOR], lapsed=True)
    login(make_admin(make_org()))
    assert client.get(f"/invitations/{lapsed.invitation_token}").status_code == 404


def test_non_administrator_cannot_accept(client, login, partner):
    from ..factories import make_user

    login(make_user())
    assert client.get(f"/invitations/{partner.invitation_token}").status_code == 403
    assert client.post(f"/invitations/{partner.invitation_token}").status_code == 403


def test_accept_requires_csrf(client, login, partner):
    login(make_admin(make_org()))
    assert client.post(f"/invitations/{partner.invitation_token}", csrf=False).status_code == 400
    assert _count(partner) == 0


# --- customer side ----------------------------------------------------------------------

def test_customer_removes_a_partner_after_confirm(client, login, partner):
    customer = make_org("Acme")
    user = make_admin(customer)
    link = connect(partner, customer)
    login(user)
    dialog = client.get(f"/account/partners/{link.id}/remove", headers=htmx_headers()).get_data(as_text=True)
    assert "<dialog" in dialog and ">Confirm</button>" in dialog
    full = client.get(f"/account/partners/{link.id}/remove").get_data(as_text=True)
    assert "<html" in full and ">Confirm</button>" in full
    response = client.post(f"/account/partners/{link.id}/remove")
    assert response.status_code == 303
    db.session.refresh(link)
    assert link.ended_by_side is Side.CUSTOMER and link.ended_by_id == user.id
    assert db.session.scalar(select(Notification).where(Notification.organization_id == partner.id,
                                                         Notification.title.like("%removed its connection")))
    assert "No partner is connected" in client.get("/account/settings").get_data(as_text=True)


@pytest.mark.parametrize("permissions", [[], [Permission.CUSTOMER_DASHBOARD, Permission.LICENSING,
                                              Permission.NOTIFICATIONS, Permission.SUPPORT]])
def test_only_full_access_administrators_remove_a_partner(client, login, partner, permissions):
    customer = make_org("Acme")
    make_admin(customer)
    link = connect(partner, customer)
    login(make_admin(customer, access=Access.CUSTOM, permissions=permissions))
    assert client.get(f"/account/partners/{link.id}/remove").status_code == 403
    assert client.post(f"/account/partners/{link.id}/remove").status_code == 403
    db.session.refresh(link)
    assert link.ended_at is None
    assert f"/account/partners/{link.id}/remove" not in client.get("/account/settings").get_data(as_text=True)


def test_customer_cannot_remove_someone_elses_connection(client, login, partner):
    other = make_org()
    link = connect(partner, other)
    login(make_admin(make_org()))
    assert client.get(f"/account/partners/{link.id}/remove").status_code == 404
    assert client.post(f"/account/partners/{link.id}/remove").status_code == 404
    db.session.refresh(link)
    assert link.ended_at is None


def test_partner_sees_a_removed_customer_as_404(client, login, partner):
    customer = make_org("Acme")
    link = connect(partner, customer)
    link.ended_at = db.func.now()
    db.session.flush()
    login(make_admin(partner))
    assert client.get(f"/customers/{customer.orgid}").status_code == 404
