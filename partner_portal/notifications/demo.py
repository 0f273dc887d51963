"""The demo world's notifications: every source, read and dismissed states per administrator,
a partner team's assignments and snoozes, opted-in email copies, and ticket details.

Called once, at the end of DemoBuilder.build(), after the customers, their random service
notices and tickets, and the usage history exist.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import (
    Administrator,
    Connection,
    Entitlement,
    Notification,
    NotificationSource,
    NotificationState,
    NotificationSubscription,
    NotificationTriage,
    Organization,
    Severity,
    SupportTicket,
    Term,
    TicketSeverity,
    User,
)
from .rules import write_announcement, write_rule_notifications
from .services import portal_path

TICKET_TEXT = {
    "Sign-in fails for some users": (
        "Since Monday about a dozen users get an error after entering their password. Others sign in normally.",
        TicketSeverity.HIGH,
    ),
    "Slow session launch": ("Desktops take two to three minutes to start in the morning.", TicketSeverity.NORMAL),
    "Question about billing": ("Our last invoice lists more licenses than we bought.", TicketSeverity.LOW),
    "Connector upgrade": ("The connector upgrade failed on one of our two servers.", TicketSeverity.URGENT),
    "Printing from published apps": (
        "Users can't print to network printers from published apps.",
        TicketSeverity.NORMAL,
    ),
}


def _admin_id(email: str, org_id: int) -> int:
    """The id of a demo user's administrator role in an organization."""
    return db.session.scalar(
        select(Administrator.id)
        .join(User, User.id == Administrator.user_id)
        .where(User.email == email, Administrator.organization_id == org_id)
    )


def add_demo_notifications(builder, partner: Organization, customer: Organization, second: Organization) -> None:
    """Notifications of every source for the demo partner (`partner`) and the demo customer
    (`customer`, administered by customer@demo.example and connected to the partner; `second` is
    that person's other, unconnected organization)."""
    # Not random.SystemRandom: a repeatable demo draw, nothing secret.
    rng = random.Random(8)  # noqa: S311  # nosec B311
    now, today = builder.now, builder.today
    # A trial that ends within the rule's 14 days, so the customer sign-in has that source too.
    db.session.add(
        Entitlement(
            organization_id=second.id,
            service_code="secure-private-access",
            is_trial=True,
            license_count=25,
            term=Term.MONTHLY,
            start_date=today - timedelta(days=20),
            end_date=today + timedelta(days=10),
            licenses_assigned=12,
        )
    )
    # And, whatever the random customers drew, an entitlement expiring within 90 days and one with
    # more licenses assigned than purchased, so the customer sign-in has those sources as well (in
    # the unconnected account: Fabrikam Health's entitlements all have a usage history to chart).
    db.session.add_all(
        [
            Entitlement(
                organization_id=second.id,
                service_code="endpoint-management",
                license_count=40,
                term=Term.ANNUAL,
                start_date=today - timedelta(days=320),
                end_date=today + timedelta(days=45),
                licenses_assigned=31,
            ),
            Entitlement(
                organization_id=second.id,
                service_code="daas-concurrent",
                license_count=50,
                term=Term.ANNUAL,
                start_date=today - timedelta(days=100),
                end_date=today + timedelta(days=265),
                licenses_assigned=58,
            ),
        ]
    )
    me = _admin_id("partner@demo.example", partner.id)
    viewer = _admin_id("viewer@demo.example", partner.id)
    own = _admin_id("customer@demo.example", customer.id)

    # Connection events on both sides, as connections/services.py writes them.
    newest = db.session.scalar(
        select(Organization.name)
        .join(Connection, Connection.customer_id == Organization.id)
        .where(Connection.partner_id == partner.id, Connection.customer_id != customer.id)
        .order_by(Connection.created_at.desc())
        .limit(1)
    )
    for days, title in [
        (2, f"New customer connection: {customer.name}"),
        (9, f"New customer connection: {newest}"),
        (30, "A customer removed its connection"),
    ]:
        note = Notification(
            organization_id=partner.id,
            source=NotificationSource.CONNECTION,
            title=title,
            severity=Severity.WARNING if days == 30 else Severity.INFO,
            created_at=now - timedelta(days=days),
            body="The customer's connection to your organization changed; see My Customers.",
        )
        db.session.add(note)
        if days > 5:
            builder.read_notifications.append(note)
    db.session.add(
        Notification(
            organization_id=customer.id,
            source=NotificationSource.CONNECTION,
            created_at=now - timedelta(days=12),
            title="Contoso Advisors removed its connection",
            body="Contoso Advisors ended its connection with your organization and no longer sees your account.",
        )
    )

    # The licensing rules, as `flask notifications generate` runs them, and announcements.
    write_rule_notifications(today)
    write_announcement(
        "Planned maintenance this Saturday",
        "Sign-in may be slow for up to 30 minutes between 02:00 and 04:00 UTC.",
        Severity.INFO,
        "",
        None,
    )
    write_announcement(
        "Your workspace moves to the new region",
        "Nothing changes for your users; the move happens overnight.",
        Severity.INFO,
        "",
        customer.orgid,
    )
    db.session.flush()

    # Spread the rules' and announcements' times over the last days, newest first as written.
    written = db.session.scalars(
        select(Notification).where(
            Notification.source.in_(
                [
                    NotificationSource.TRIAL_ENDING,
                    NotificationSource.ENTITLEMENT_EXPIRING,
                    NotificationSource.OVER_ASSIGNED,
                    NotificationSource.ANNOUNCEMENT,
                ]
            )
        )
    ).all()
    for note in written:
        note.created_at = now - timedelta(hours=rng.randint(1, 24 * 20))

    # Read states: half of the customers' service notices were read by their own administrators
    # and by partner@demo (viewer@demo has read none, so their bells differ).
    admins_by_org: dict[int, list[int]] = {}
    for admin_id, org_id in db.session.execute(select(Administrator.id, Administrator.organization_id)):
        admins_by_org.setdefault(org_id, []).append(admin_id)
    db.session.flush()
    for note in builder.read_notifications:
        readers = set(admins_by_org.get(note.organization_id, [])) | (
            {me} if note.organization_id != partner.id else set()
        )
        for admin_id in readers:
            db.session.add(
                NotificationState(
                    administrator_id=admin_id, notification_id=note.id, read_at=note.created_at + timedelta(hours=2)
                )
            )

    # The partner team's triage of customer notifications, and the assignee's notice.
    connected = select(Connection.customer_id).where(Connection.partner_id == partner.id, Connection.ended_at.is_(None))
    shared = db.session.scalars(
        select(Notification)
        .where(
            Notification.organization_id.in_(connected),
            Notification.broadcast.is_(False),
            Notification.organization_id != customer.id,
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    ).all()
    names = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    plan = [
        (viewer, me, None),
        (viewer, me, None),
        (me, viewer, None),
        (me, viewer, 5),
        (None, None, 9),
        (None, None, 20),
    ]
    for note, (assignee, by, snooze_days) in zip(shared[1:14:2], plan, strict=False):
        triage = NotificationTriage(partner_id=partner.id, notification_id=note.id, snooze_reason="")
        if assignee:
            triage.assignee_id, triage.assigned_at = assignee, now - timedelta(hours=3)
            by_email = "partner@demo.example" if by == me else "viewer@demo.example"
            db.session.add(
                Notification(
                    organization_id=partner.id,
                    recipient_id=assignee,
                    source=NotificationSource.ASSIGNMENT,
                    created_at=now - timedelta(hours=3),
                    title=f"{by_email} assigned you a notification of {names[note.organization_id]}",
                    body=f"“{note.title}” is yours to handle. Open it in the notification center to dismiss or snooze it.",
                    link=portal_path("notifications.show", scope="customers", notification_id=note.id),
                )
            )
        if snooze_days:
            triage.snoozed_until = today + timedelta(days=snooze_days)
            triage.snooze_reason = rng.choice(
                [
                    "Waiting for the customer's renewal order",
                    "Customer is on holiday until then",
                    "Discussed on the last call",
                ]
            )
        db.session.add(triage)

    # partner@demo dismissed one of the demo customer's notices: customer@demo still has it.
    first = db.session.scalar(
        select(Notification.id)
        .where(
            Notification.organization_id == customer.id,
            Notification.recipient_id.is_(None),
            Notification.broadcast.is_(False),
        )
        .order_by(Notification.created_at.desc())
        .limit(1)
    )
    if first is not None:
        db.session.add(NotificationState(administrator_id=me, notification_id=first, read_at=now, dismissed_at=now))

    db.session.add_all(
        [
            NotificationSubscription(administrator_id=me, source=NotificationSource.ASSIGNMENT),
            NotificationSubscription(administrator_id=own, source=NotificationSource.TRIAL_ENDING),
        ]
    )

    for ticket in db.session.scalars(select(SupportTicket)):
        ticket.description, ticket.severity = TICKET_TEXT.get(ticket.subject, ("", TicketSeverity.NORMAL))
    # Everything above is history: nothing of it is emailed when the demo starts.
    db.session.execute(
        update(Notification)
        .where(Notification.emailed_at.is_(None))
        .values(emailed_at=now)
        .execution_options(synchronize_session=False)
    )
