"""Notifications to an organization's administrators, each administrator's read and dismissed
state, a partner team's triage of its customers' notifications, email opt-ins, support tickets."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class Severity(enum.Enum):
    """How urgent a notification is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        """The severity as shown, in the current language."""
        return str(
            {"info": lazy_gettext("Info"), "warning": lazy_gettext("Warning"), "critical": lazy_gettext("Critical")}[
                self.value
            ]
        )


class NotificationSource(enum.Enum):
    """Where a notification comes from; also the type an administrator opts into email copies of."""

    CONNECTION = "connection"
    TRIAL_ENDING = "trial-ending"
    ENTITLEMENT_EXPIRING = "entitlement-expiring"
    OVER_ASSIGNED = "over-assigned"
    ANNOUNCEMENT = "announcement"
    SERVICE = "service"
    ASSIGNMENT = "assignment"

    @property
    def label(self) -> str:
        """The type as the preferences page names it, in the current language."""
        return str(SOURCE_LABELS[self][0])

    @property
    def description(self) -> str:
        """What notifications of this type are about, in the current language."""
        return str(SOURCE_LABELS[self][1])


SOURCE_LABELS = {
    NotificationSource.CONNECTION: (
        lazy_gettext("Partner connections"),
        lazy_gettext("A partner or customer connection was made or ended."),
    ),
    NotificationSource.TRIAL_ENDING: (
        lazy_gettext("Trials ending"),
        lazy_gettext("A service trial ends within 14 days."),
    ),
    NotificationSource.ENTITLEMENT_EXPIRING: (
        lazy_gettext("Subscriptions expiring"),
        lazy_gettext("A paid entitlement ends within 90 days."),
    ),
    NotificationSource.OVER_ASSIGNED: (
        lazy_gettext("Licenses above purchased"),
        lazy_gettext("More licenses are assigned than were purchased."),
    ),
    NotificationSource.ANNOUNCEMENT: (
        lazy_gettext("Announcements"),
        lazy_gettext("News from the platform's customer service."),
    ),
    NotificationSource.SERVICE: (
        lazy_gettext("Service notices"),
        lazy_gettext("Updates, outages and changes reported by a service."),
    ),
    NotificationSource.ASSIGNMENT: (
        lazy_gettext("Assignments"),
        lazy_gettext("A colleague assigned a customer's notification to you."),
    ),
}


class Notification(db.Model):
    """A message to one organization's administrators (or, with `recipient_id`, to one of them)."""

    __tablename__ = "notification"
    __table_args__ = (
        # Lists and counts are per organization, newest first.
        Index("ix_notification_org_created", "organization_id", "created_at"),
        # Retention deletes by age alone.
        Index("ix_notification_created_at", "created_at"),
        # The email fan-out and its sweeper look for notifications not yet handed to the outbox.
        Index(
            "ix_notification_not_emailed",
            "created_at",
            sqlite_where=text("emailed_at IS NULL"),
            postgresql_where=text("emailed_at IS NULL"),
        ),
        # Messages to one administrator are few; partial, so lists never take "recipient IS NULL"
        # for a selective condition (SQLite did) while deleting an administrator still finds theirs.
        Index(
            "ix_notification_recipient",
            "recipient_id",
            sqlite_where=text("recipient_id IS NOT NULL"),
            postgresql_where=text("recipient_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "severity"), default=Severity.INFO)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # The portal's own notifications: {"title": value, "body": value} as notifications/messages.py
    # renders them in each reader's language; title and body above hold the English. None for text
    # stored as written (announcements, messages to one person).
    message: Mapped[dict | None] = mapped_column(JSON, default=None)
    # A path in the portal ("/licensing") or an http(s) URL; "" for none.
    link: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[NotificationSource] = mapped_column(
        str_enum(NotificationSource, "notification_source"), default=NotificationSource.SERVICE
    )
    # One copy of an announcement sent to every organization: partners get their own copy, so
    # their customers' copies stay out of the notification center.
    broadcast: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set for a message to one administrator (a triage assignment); None for all of them.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("administrator.id", ondelete="CASCADE"), default=None)
    # Rules that run on a schedule write a key per fact they report: a second run adds nothing.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When its email copies went to the outbox (or it was found to need none).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationState(db.Model):
    """One administrator has read (and maybe dismissed) one notification. No row: unread.

    Keyed by the administrator role, not the person: a partner's administrator who also
    administers the customer dismisses in the partner's center without hiding anything from
    the customer's own view.
    """

    __tablename__ = "notification_state"

    administrator_id: Mapped[int] = mapped_column(ForeignKey("administrator.id", ondelete="CASCADE"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationTriage(db.Model):
    """A partner team's handling of one customer notification: who has it, and until when it sleeps.

    Only that partner's administrators ever read this row; the customer never does.
    """

    __tablename__ = "notification_triage"

    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("administrator.id", ondelete="SET NULL"), default=None, index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Hidden from the center before this day; shown again on it.
    snoozed_until: Mapped[date | None] = mapped_column(Date, default=None)
    snooze_reason: Mapped[str] = mapped_column(String(200), default="")
    snoozed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)


class NotificationSubscription(db.Model):
    """An administrator asked for an email copy of every new notification of one type."""

    __tablename__ = "notification_subscription"

    administrator_id: Mapped[int] = mapped_column(ForeignKey("administrator.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[NotificationSource] = mapped_column(
        str_enum(NotificationSource, "subscription_source"), primary_key=True
    )


class TicketSeverity(enum.Enum):
    """How much a support case hurts the customer."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        """The severity as shown, in the current language."""
        return str(self.lazy_label)

    @property
    def lazy_label(self):
        """The severity, translated when shown (for choices built at import time)."""
        return {
            "low": lazy_gettext("Low"),
            "normal": lazy_gettext("Normal"),
            "high": lazy_gettext("High"),
            "urgent": lazy_gettext("Urgent"),
        }[self.value]


class TicketStatus(enum.Enum):
    """Open tickets are counted on the partner's dashboard."""

    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The status as shown, in the current language."""
        return str({"open": lazy_gettext("Open"), "closed": lazy_gettext("Closed")}[self.value])


class SupportTicket(db.Model):
    """A customer's support case. Partners count the open ones; they never read them."""

    __tablename__ = "support_ticket"
    __table_args__ = (
        Index(
            "ix_support_ticket_org_open",
            "organization_id",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[TicketSeverity] = mapped_column(
        str_enum(TicketSeverity, "ticket_severity"), default=TicketSeverity.NORMAL
    )
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "ticket_status"), default=TicketStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)

    @property
    def is_open(self) -> bool:
        """True until an administrator closes the ticket."""
        return self.status is TicketStatus.OPEN
