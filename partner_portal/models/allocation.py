"""License allocations: purchased quantity moved to a cloud account."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class AllocationStatus(enum.Enum):
    """Processing until customer service completes it, or fails it with a reason."""

    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The status as shown, in the current language."""
        return str(
            {
                "processing": lazy_gettext("Processing"),
                "completed": lazy_gettext("Completed"),
                "failed": lazy_gettext("Failed"),
            }[self.value]
        )


class Allocation(db.Model):
    """A partner's allocation of a product's licenses to one cloud account.

    Partners allocate their multi-tenant purchases to their own primary cloud account; customer
    service records allocations to single-tenant customers when it resolves a support request
    (those carry `support_request_id` and do not draw on the multi-tenant purchases).
    """

    __tablename__ = "allocation"
    __table_args__ = (Index("ix_allocation_partner_service", "partner_id", "service_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("service.code"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[AllocationStatus] = mapped_column(
        str_enum(AllocationStatus, "allocation_status"), default=AllocationStatus.PROCESSING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    failure_reason: Mapped[str] = mapped_column(String(500), default="")
    support_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_request.id", ondelete="SET NULL"), default=None
    )

    @property
    def is_processing(self) -> bool:
        """True until completed or failed."""
        return self.status is AllocationStatus.PROCESSING
