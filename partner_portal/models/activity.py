"""The activity log: an append-only record of who did what to which object, per organization."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class ActivityKind(enum.Enum):
    """What an entry is about (the log's filter)."""

    ALLOCATION = "allocation"
    SUPPORT_REQUEST = "support-request"
    MEMBERSHIP = "membership"
    CONNECTION = "connection"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        """The kind as the log shows it, in the current language."""
        return str(
            {
                "allocation": lazy_gettext("License allocation"),
                "support-request": lazy_gettext("Support request"),
                "membership": lazy_gettext("Partner program"),
                "connection": lazy_gettext("Connection"),
                "administrator": lazy_gettext("Administrator"),
            }[self.value]
        )


class ActivityEntry(db.Model):
    """One thing that happened, in the log of the organization it concerns.

    An event between two organizations (a connection) is written once in each one's log. Rows
    are never changed; the retention purge deletes old ones in bulk (a Core DELETE, which the
    guard below does not see).
    """

    __tablename__ = "activity_entry"
    __table_args__ = (
        Index("ix_activity_entry_org_time", "organization_id", "occurred_at"),
        Index("ix_activity_entry_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "activity_kind"))
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    # Who, as shown: an email, "Customer service" or "Command line". Kept as written, so the
    # entry still says who acted after the person's account is gone.
    actor_label: Mapped[str] = mapped_column(String(254))
    target: Mapped[str] = mapped_column(String(254), default="")
    summary: Mapped[str] = mapped_column(String(500))


@event.listens_for(ActivityEntry, "before_update")
@event.listens_for(ActivityEntry, "before_delete")
def _append_only(mapper, connection, entry) -> None:
    raise TypeError("The activity log is append-only: entries are never changed or deleted one by one.")
