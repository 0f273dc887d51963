"""Expiry calendar feeds and partner-private customer tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class CalendarFeed(db.Model):
    """An administrator's private calendar feed URL: only a hash of its token is kept, so the URL
    is shown once; revoking deletes the row, and a new URL replaces the old one."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    administrator_id: Mapped[int] = mapped_column(ForeignKey("administrator.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CustomerTag(db.Model):
    """A partner's own label on one of its customers; the customer never sees it."""

    __tablename__ = "customer_tag"
    __table_args__ = (
        UniqueConstraint("partner_id", "customer_id", "label", name="uq_customer_tag"),
        Index("ix_customer_tag_partner_label", "partner_id", "label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
