"""Partner Support Center requests, answered by customer service (operators)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class IssueType(enum.Enum):
    """The Issue Type list of the request form."""

    ORGID_CREATION = "orgid-creation"
    LICENSE_ALLOCATION = "license-allocation"
    GENERAL = "general"

    @property
    def label(self) -> str:
        """The issue type as the form lists it, in the current language."""
        return str(self.lazy_label)

    @property
    def lazy_label(self):
        """The issue type, translated when shown (for choices built at import time)."""
        return {
            "orgid-creation": lazy_gettext("OrgID creation for single-tenant customer"),
            "license-allocation": lazy_gettext("License allocation for single-tenant customer"),
            "general": lazy_gettext("General question"),
        }[self.value]


class RequestStatus(enum.Enum):
    """Open until customer service resolves or declines it (once)."""

    OPEN = "open"
    RESOLVED = "resolved"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        """The status as shown, in the current language."""
        return str(
            {"open": lazy_gettext("Open"), "resolved": lazy_gettext("Resolved"), "declined": lazy_gettext("Declined")}[
                self.value
            ]
        )


class SupportRequest(db.Model):
    """A partner's request to customer service; the fields used depend on the issue type."""

    __tablename__ = "support_request"
    __table_args__ = (Index("ix_support_request_status_submitted", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    issue_type: Mapped[IssueType] = mapped_column(str_enum(IssueType, "issue_type"))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, "request_status"), default=RequestStatus.OPEN)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    # OrgID creation: the new customer's company and first administrator.
    company: Mapped[str] = mapped_column(String(120), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    country: Mapped[str] = mapped_column(String(60), default="")
    # License allocation: which product, how many.
    service_code: Mapped[str | None] = mapped_column(ForeignKey("service.code"), default=None)
    quantity: Mapped[int | None] = mapped_column(Integer, default=None)
    details: Mapped[str] = mapped_column(Text, default="")
    # License allocation: the connected single-tenant customer named in the request. OrgID
    # creation: the organization customer service created when resolving it.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    resolution_note: Mapped[str] = mapped_column(String(500), default="")

    @property
    def is_open(self) -> bool:
        """True until resolved or declined."""
        return self.status is RequestStatus.OPEN
