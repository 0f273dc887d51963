"""Email copies of notifications: opt-in per type, one message per notification and person, sent by
a background job after the commit, to a real SMTP server on loopback; signed unsubscribe links."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, ConnectionMethod, Notification, NotificationSource, NotificationSubscription, OutgoingMail, Permission,
    Severity, Tenancy, utcnow,
)
from partner_portal.notifications import rules
from partner_portal.notifications.email import COPY_WINDOW, hand_out_copies, unsubscribe_token
from partner_portal.notifications.services import notify

from ..factories import connect, make_admin, make_org, make_partner
from ..notification_factories import admin_id
from .test_mail_delivery import held, mail_to, smtp, smtp_port  # noqa: F401 (fixtures)

S = NotificationSource


def _subscribe(user, org, *sources) -> None:
    db.session.add_all(NotificationSubscription(administrator_id=admin_id(user, org), source=s) for s in sources)
    db.session.flush()


def _received(smtp, address: str) -> list:
    return [m for m in smtp.recorder.messages if m["To"] == address]


def test_a_customer_administrator_who_opted_in_gets_one_copy(client, login, smtp, mail_to):
    partner, customer = make_partner("Northwind"), make_org("Alpha Health")
    connect(partner, customer)
    subscribed, quiet = make_admin(customer), make_admin(customer)
    _subscribe(subscribed, customer, S.CONNECTION)
    _subscribe(quiet, customer, S.ANNOUNCEMENT)
    login(make_admin(partner))
    assert client.post(f"/customers/{customer.orgid}/remove").status_code == 303
    [message] = _received(smtp, subscribed.email)
    assert message["Subject"] == "Info: Northwind removed its connection"
    body = message.get_content()
    assert "Northwind (ORGID" in body and "Alpha Health" in body
    assert re.search(r"http://localhost/notifications/mine/\d+", body)
    assert _received(smtp, quiet.email) == []
    # Handing out again finds nothing new: still one message.
    assert hand_out_copies("http://localhost/") == 0
    assert len(_received(smtp, subscribed.email)) == 1


def test_partner_administrators_who_open_the_center_get_copies_of_customers_notifications(app, smtp, mail_to):
    partner, customer = make_partner("Northwind"), make_org("Alpha Health", tenancy=Tenancy.MULTI)
    link = connect(partner, customer, ConnectionMethod.ADDED)
    full = make_admin(partner)
    no_center = make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD])
    both = make_admin(partner)
    make_admin(customer, both, via=link)
    for user in (full, no_center, both):
        _subscribe(user, partner, S.OVER_ASSIGNED)
    _subscribe(both, customer, S.OVER_ASSIGNED)
    notify(customer.id, "DaaS: 120 licenses assigned, 100 purchased", severity=Severity.WARNING, source=S.OVER_ASSIGNED)
    db.session.commit()
    [copy] = _received(smtp, full.email)
    assert copy["Subject"] == "Alpha Health: Warning: DaaS: 120 licenses assigned, 100 purchased"
    assert "your customer Alpha Health" in copy.get_content()
    assert re.search(r"http://localhost[:\d]*/notifications/customers/\d+", copy.get_content())
    assert _received(smtp, no_center.email) == []
    assert len(_received(smtp, both.email)) == 1  # one message per person, whichever role


def test_a_broadcast_reaches_each_organization_once_not_once_per_customer(app, smtp, mail_to):
    partner = make_partner("Northwind")
    me = make_admin(partner)
    _subscribe(me, partner, S.ANNOUNCEMENT)
    for n in range(3):
        customer = make_org(f"Customer {n}")
        connect(partner, customer)
        _subscribe(make_admin(customer), customer, S.ANNOUNCEMENT)
    db.session.commit()
    written = rules.announce("Maintenance on Saturday", "Slow sign-in for 30 minutes.", Severity.INFO, "", None)
    assert written == db.session.scalar(select(func.count()).select_from(Notification)) >= 4
    [copy] = _received(smtp, me.email)
    assert copy["Subject"] == "Info: Maintenance on Saturday"
    assert len(smtp.recorder.messages) == 4


def test_an_assignment_is_emailed_to_the_assignee_alone(client, login, smtp, mail_to):
    partner, customer = make_partner("Northwind"), make_org("Alpha Health")
    connect(partner, customer)
    me = make_admin(partner)
    colleague = make_admin(partner, access=Access.CUSTOM,
                           permissions=[Permission.CUSTOMER_DASHBOARD, Permission.NOTIFICATIONS])
    other = make_admin(partner)
    for user in (me, colleague, other):
        _subscribe(user, partner, S.ASSIGNMENT)
    note = notify(customer.id, "Connector offline")
    db.session.commit()
    login(me)
    client.post(f"/notifications/customers/{note.id}/assign", data={"assignee": admin_id(colleague, partner)})
    [copy] = _received(smtp, colleague.email)
    assert "assigned you a notification of Alpha Health" in copy["Subject"]
    assert _received(smtp, me.email) == [] and _received(smtp, other.email) == []


def test_copies_leave_after_the_commit_and_never_for_a_rollback(app, held):
    customer = make_org()
    db.session.commit()
    held.clear()
    notify(customer.id, "Rolled back")
    db.session.rollback()
    db.session.commit()
    assert held == []
    notify(customer.id, "Kept")
    db.session.commit()
    assert [job.name for job in held] == ["send_email_copies"]


def test_a_notification_too_old_to_copy_is_claimed_and_sent_nothing(app, smtp, mail_to, held):
    customer = make_org()
    user = make_admin(customer)
    _subscribe(user, customer, S.SERVICE)
    old = Notification(organization_id=customer.id, title="Long ago", created_at=utcnow() - COPY_WINDOW - timedelta(minutes=1))
    db.session.add(old)
    db.session.commit()
    assert hand_out_copies("http://localhost/") == 1
    assert old.emailed_at is not None and smtp.recorder.messages == []
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_the_unsubscribe_link_works_signed_out_and_stops_that_type_only(client, smtp, mail_to):
    customer = make_org("Alpha Health")
    user = make_admin(customer)
    _subscribe(user, customer, S.CONNECTION, S.TRIAL_ENDING)
    notify(customer.id, "Northwind removed its connection", source=S.CONNECTION)
    db.session.commit()
    [message] = _received(smtp, user.email)
    link = re.search(r"Stop these emails: http://localhost[:\d]*(/notifications/unsubscribe/\S+)",
                     message.get_content())[1]
    page = client.get(link)
    assert page.status_code == 200 and "Partner connections" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(NotificationSubscription)) == 2  # GET writes nothing
    done = client.post(link)
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    db.session.expire_all()
    assert set(db.session.scalars(select(NotificationSubscription.source))) == {S.TRIAL_ENDING}


def test_a_tampered_unsubscribe_link_is_a_404_and_changes_nothing(client, app):
    customer = make_org()
    user = make_admin(customer)
    _subscribe(user, customer, S.CONNECTION)
    token = unsubscribe_token(admin_id(user, customer), S.CONNECTION)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/notifications/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/notifications/unsubscribe/{token}", csrf=False).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(NotificationSubscription)) == 1


def test_email_preferences_are_per_administrator_and_per_type(client, login):
    partner = make_partner()
    me = make_admin(partner)
    login(me)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Assignments" in page and "Trials ending" in page
    response = client.post("/notifications/preferences", data={"sources": ["trial-ending", "assignment"]})
    assert response.status_code == 303
    assert set(db.session.scalars(select(NotificationSubscription.source))) == {S.TRIAL_ENDING, S.ASSIGNMENT}
    refused = client.post("/notifications/preferences", data={"sources": ["trial-ending", "everything"]},
                          headers={"HX-Request": "true", "HX-Target": "preferences-form"})
    assert refused.status_code == 422 and "Choose among the types listed." in refused.get_data(as_text=True)
    assert set(db.session.scalars(select(NotificationSubscription.source))) == {S.TRIAL_ENDING, S.ASSIGNMENT}
    customer_admin = make_admin(make_org())
    login(customer_admin)
    assert "Assignments" not in client.get("/notifications/preferences").get_data(as_text=True)
    refused = client.post("/notifications/preferences", data={"sources": ["assignment"]})
    assert refused.status_code == 422
    assert client.post("/notifications/preferences", data={"sources": []}).status_code == 303
