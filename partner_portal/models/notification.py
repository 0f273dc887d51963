"""Notifications to an organization's administrators, support tickets."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow


class Severity(enum.Enum):
    """How urgent a notification is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Notification(db.Model):
    """A message to one organization's administrators."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_org_unread", "organization_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "severity"), default=Severity.INFO)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationDismissal(db.Model):
    """A partner hid a customer's notification from its own view; the customer still sees it."""

    __tablename__ = "notification_dismissal"
    __table_args__ = (UniqueConstraint("notification_id", "partner_id", name="uq_dismissal_notification_partner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketStatus(enum.Enum):
    """Open tickets are counted on the partner's dashboard."""

    OPEN = "open"
    CLOSED = "closed"


class SupportTicket(db.Model):
    """A customer's support case."""

    __tablename__ = "support_ticket"
    __table_args__ = (
        Index("ix_support_ticket_org_open", "organization_id",
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "ticket_status"), default=TicketStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
