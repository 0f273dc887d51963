"""The demo world shows every notification source to the partner and to the customer sign-in,
with triage, read and dismissed states, and sends no email for its history."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from partner_portal.demo.services import load_demo
from partner_portal.extensions import db
from partner_portal.models import (
    Administrator, Notification, NotificationSource, NotificationTriage, Organization, SupportTicket, User,
)
from partner_portal.notifications.queries import ListParams, Viewer


def _role(email: str, org_name: str) -> tuple[int, int]:
    """(administrator id, organization id) of a demo sign-in in one of its organizations."""
    admin_id, org_id = db.session.execute(
        select(Administrator.id, Organization.id).join(User, User.id == Administrator.user_id)
        .join(Organization, Organization.id == Administrator.organization_id)
        .where(User.email == email, Organization.name == org_name)).one()
    return admin_id, org_id


def _sources(viewer: Viewer) -> set[NotificationSource]:
    rows = db.session.execute(select(Notification.source).where(*viewer.visible())).scalars()
    return set(rows)


def test_every_source_for_the_partner_and_the_customer_with_triage(app):
    assert load_demo(only_if_empty=False)
    today = date.today()
    partner_admin, partner = _role("partner@demo.example", "Northwind Cloud Partners")
    viewer_admin, _ = _role("viewer@demo.example", "Northwind Cloud Partners")
    customer_admin, fabrikam = _role("customer@demo.example", "Fabrikam Health")
    _, tailspin = _role("customer@demo.example", "Tailspin Retail")

    partner_sees = (_sources(Viewer(partner_admin, partner, False, today))
                    | _sources(Viewer(partner_admin, partner, True, today)))
    assert partner_sees == set(NotificationSource)
    customer_sees = (_sources(Viewer(customer_admin, fabrikam, False, today))
                     | _sources(Viewer(customer_admin, tailspin, False, today)))
    assert customer_sees == set(NotificationSource) - {NotificationSource.ASSIGNMENT}

    triage = db.session.scalars(select(NotificationTriage).where(NotificationTriage.partner_id == partner)).all()
    assert sum(t.assignee_id == partner_admin for t in triage) >= 1
    assert sum(t.assignee_id == viewer_admin for t in triage) >= 1
    assert sum(t.snoozed_until is not None and t.snoozed_until > today for t in triage) >= 2
    center = Viewer(partner_admin, partner, True, today)
    assert center.page(ListParams(show="mine")).total >= 1 and center.page(ListParams(show="snoozed")).total >= 2

    # partner@demo dismissed one of Fabrikam Health's: its administrator still has it.
    def ids(viewer: Viewer) -> set[int]:
        return set(db.session.scalars(select(Notification.id).where(
            *viewer.visible(), Notification.organization_id == fabrikam, Notification.broadcast.is_(False))))

    assert len(ids(Viewer(customer_admin, fabrikam, False, today)) - ids(center)) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.emailed_at.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(SupportTicket)
                             .where(SupportTicket.description == "")) == 0
