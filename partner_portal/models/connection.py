"""Partner-customer connections, with their history."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organization import Organization
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class ConnectionMethod(enum.Enum):
    """How a connection came about."""

    INVITATION = "invitation"
    ADDED = "added"


class Side(enum.Enum):
    """Which side of a connection acted."""

    PARTNER = "partner"
    CUSTOMER = "customer"


class Connection(db.Model):
    """Partner org × customer org. Never expires; ending it keeps the row as history."""

    __tablename__ = "connection"
    __table_args__ = (
        # At most one active connection per pair; this is what makes a double-clicked Accept
        # create one row even when both requests pass the "already connected?" check at once.
        Index(
            "uq_connection_active_pair",
            "partner_id",
            "customer_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "ix_connection_customer_active",
            "customer_id",
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    method: Mapped[ConnectionMethod] = mapped_column(str_enum(ConnectionMethod, "connection_method"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    ended_by_side: Mapped[Side | None] = mapped_column(str_enum(Side, "connection_side"), default=None)
    # What the customer lets this partner see (all on by default, as before sharing scopes existed);
    # the rule that hides the rest is in connections/sharing.py.
    share_licensing: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    share_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    share_tickets: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    partner: Mapped[Organization] = relationship(foreign_keys=[partner_id], lazy="raise")
    customer: Mapped[Organization] = relationship(foreign_keys=[customer_id], lazy="raise")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise")
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id], lazy="raise")

    @property
    def is_active(self) -> bool:
        """True until either side ends the connection."""
        return self.ended_at is None
