"""Sharing scopes: the customer chooses per partner (on the invitation page and in Partner
Connections); partner pages, exports and the feed show "Not shared by the customer"; the partner
is notified and both activity logs record the change."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, ActivityEntry, Connection, Notification, Permission, Program, SupportTicket,
)

from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement
from ..notification_factories import make_notification

TODAY = date.today()


@pytest.fixture
def world(client, login):
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    partner_user = make_admin(partner)
    customer = make_org("Acme")
    customer_user = make_admin(customer)
    link = connect(partner, customer)
    seats = make_entitlement(customer, license_count=10, licenses_assigned=12, start=TODAY - timedelta(days=30),
                             end=TODAY + timedelta(days=20))
    make_notification(customer, title="Disk is full")
    db.session.add(SupportTicket(organization_id=customer.id, subject="Help"))
    db.session.flush()
    return {"partner": partner, "partner_user": partner_user, "customer": customer, "customer_user": customer_user,
            "link": link, "seats": seats}


def _choose(client, link, **shared):
    data = {"sharing_form": "1", **{f"share_{scope}": "1" for scope, on in shared.items() if on}}
    return client.post(f"/account/partners/{link.id}/sharing", data=data)


def test_partner_connections_show_the_choices_all_on_by_default(client, login, world):
    login(world["customer_user"])
    page = client.get("/account/settings").get_data(as_text=True)
    for scope in ("licensing", "notifications", "tickets"):
        assert f'name="share_{scope}" value="1" checked' in page


def test_changing_scopes_notifies_the_partner_and_logs_it(client, login, world):
    login(world["customer_user"])
    response = _choose(client, world["link"], licensing=True, notifications=False, tickets=False)
    assert response.status_code == 303
    db.session.expire_all()
    link = db.session.get(Connection, world["link"].id)
    assert (link.share_licensing, link.share_notifications, link.share_tickets) == (True, False, False)
    note = db.session.scalar(select(Notification).where(Notification.organization_id == world["partner"].id))
    assert note.title == "Acme changed what it shares with you"
    assert "Notifications no longer shared; Support-ticket counts no longer shared" in note.body
    logged = {e.organization_id: e for e in db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "sharing-changed"))}
    assert set(logged) == {world["partner"].id, world["customer"].id}
    assert "Changed what Northwind" in logged[world["customer"].id].summary
    # Saving the same choices again changes nothing and tells nobody.
    _choose(client, world["link"], licensing=True, notifications=False, tickets=False)
    assert db.session.query(Notification).filter_by(organization_id=world["partner"].id).count() == 1


def test_the_partner_sees_not_shared_on_pages_and_exports(client, login, world):
    login(world["customer_user"])
    _choose(client, world["link"], licensing=False, notifications=False, tickets=False)
    login(world["partner_user"])
    orgid = world["customer"].orgid
    page = client.get("/customers").get_data(as_text=True)
    row = page[page.index(f'id="row-{orgid}"'):].split("</tr>")[0]
    assert row.count("Not shared by the customer") == 4  # services, license health, notifications, tickets
    assert "DaaS" not in row and "Disk is full" not in client.get("/notifications").get_data(as_text=True)
    exported = next(csv.DictReader(io.StringIO(client.get("/customers/export.csv").get_data(as_text=True)
                                               .lstrip("\ufeff"))))
    assert exported["Licenses purchased"] == exported["Unread notifications"] == "Not shared by the customer"
    assert exported["Open support tickets"] == "Not shared by the customer"
    licensing = client.get(f"/customers/{orgid}/licensing")
    assert licensing.status_code == 403 and "Not shared by the customer" in licensing.get_data(as_text=True)
    assert client.get(f"/customers/{orgid}/licensing/export.csv").status_code == 403
    assert client.get(f"/customers/{orgid}/licensing/{world['seats'].id}").status_code == 404
    details = client.get(f"/customers/{orgid}").get_data(as_text=True)
    assert "Not shared by the customer" in details and "Active service entitlements" not in details
    # The health score leaves out what is not shared, and says so.
    assert "Computed only from what the customer shares" in row


def test_sharing_only_licensing(client, login, world):
    login(world["customer_user"])
    _choose(client, world["link"], licensing=True)
    login(world["partner_user"])
    orgid = world["customer"].orgid
    row = client.get("/customers").get_data(as_text=True).split(f'id="row-{orgid}"')[1].split("</tr>")[0]
    assert "120 %" in row and row.count("Not shared by the customer") == 2
    assert client.get(f"/customers/{orgid}/licensing").status_code == 200


def test_the_invitation_lets_the_customer_choose_before_accepting(client, login):
    partner = make_partner("Contoso", programs=[Program.SOLUTION_ADVISOR])
    customer = make_org("Fresh")
    login(make_admin(customer))
    page = client.get(f"/invitations/{partner.invitation_token}").get_data(as_text=True)
    assert "Choose what Contoso may see" in page and 'name="share_notifications" value="1" checked' in page
    client.post(f"/invitations/{partner.invitation_token}",
                data={"sharing_form": "1", "share_licensing": "1"})
    link = db.session.scalar(select(Connection).where(Connection.customer_id == customer.id))
    assert (link.share_licensing, link.share_notifications, link.share_tickets) == (True, False, False)
    note = db.session.scalar(select(Notification).where(Notification.organization_id == partner.id))
    assert "Not shared by the customer: Notifications, Support-ticket counts." in note.body


def test_a_post_without_the_choices_shares_everything(client, login):
    partner = make_partner("Contoso", programs=[Program.SOLUTION_ADVISOR])
    customer = make_org("Fresh")
    login(make_admin(customer))
    client.post(f"/invitations/{partner.invitation_token}")
    link = db.session.scalar(select(Connection).where(Connection.customer_id == customer.id))
    assert (link.share_licensing, link.share_notifications, link.share_tickets) == (True, True, True)


def test_only_full_access_customer_administrators_choose(client, login, world):
    limited = make_admin(world["customer"], make_user(), access=Access.CUSTOM, permissions=[Permission.LICENSING])
    login(limited)
    assert _choose(client, world["link"], licensing=False).status_code == 403
    page = client.get("/account/settings").get_data(as_text=True)
    assert "Licensing and usage summaries: shared" in page


def test_another_organizations_connection_is_a_404(client, login, world):
    login(make_admin(make_org("Other")))
    assert _choose(client, world["link"], licensing=False).status_code == 404
    login(world["partner_user"])  # the partner is not the customer side of it
    assert _choose(client, world["link"], licensing=False).status_code == 404


def test_changing_scopes_needs_csrf(client, login, world):
    login(world["customer_user"])
    response = client.post(f"/account/partners/{world['link'].id}/sharing", data={"sharing_form": "1"}, csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Connection, world["link"].id).share_licensing is True


def test_the_calendar_feed_leaves_out_unshared_licensing(client, login, world):
    import re

    from icalendar import Calendar

    login(world["customer_user"])
    _choose(client, world["link"], notifications=True, tickets=True)
    login(world["partner_user"])
    page = client.post("/account/calendar").get_data(as_text=True)
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    assert list(Calendar.from_ical(client.get(url).data).walk("VEVENT")) == []
