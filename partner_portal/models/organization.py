"""Organizations (accounts) and their partner-program memberships."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class Tenancy(enum.Enum):
    """How a customer's workloads are hosted."""

    SINGLE = "single-tenant"
    MULTI = "multi-tenant"

    @property
    def label(self) -> str:
        """Human label, e.g. 'Single-tenant', in the current language."""
        return str(self.lazy_label)

    @property
    def lazy_label(self):
        """The label, translated when shown."""
        return {"single-tenant": lazy_gettext("Single-tenant"), "multi-tenant": lazy_gettext("Multi-tenant")}[
            self.value
        ]


class Program(enum.Enum):
    """Partner programs that grant the partner badge."""

    SOLUTION_ADVISOR = "solution-advisor"
    SERVICE_PROVIDER = "service-provider"

    @property
    def label(self) -> str:
        """Name of the program as shown on the badge, in the current language."""
        return str(self.lazy_label)

    @property
    def lazy_label(self):
        """The name, translated when shown (for choices built at import time)."""
        return {
            "solution-advisor": lazy_gettext("Solution Advisor"),
            "service-provider": lazy_gettext("Service Provider"),
        }[self.value]


class MembershipStatus(enum.Enum):
    """An active membership badges the organization; a lapsed one keeps the record only."""

    ACTIVE = "active"
    LAPSED = "lapsed"


def new_orgid() -> str:
    """Return a random 10-digit ORGID (callers retry on the rare unique-index collision)."""
    return str(10**9 + secrets.randbelow(9 * 10**9))


def new_invitation_token() -> str:
    """Return an unguessable invitation token (256 bits of randomness)."""
    return secrets.token_urlsafe(32)


class Organization(db.Model):
    """An account: a partner, a customer, or both."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    orgid: Mapped[str] = mapped_column(String(12), unique=True, default=new_orgid)
    name: Mapped[str] = mapped_column(String(120))
    tenancy: Mapped[Tenancy] = mapped_column(str_enum(Tenancy, "tenancy"), default=Tenancy.SINGLE)
    is_primary_cloud_account: Mapped[bool] = mapped_column(Boolean, default=False)
    # The partner's invitation link; fixed once created, reusable, never expires.
    invitation_token: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Business contact details given when a partner adds the customer (Add a customer).
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    country: Mapped[str] = mapped_column(String(60), default="")

    memberships: Mapped[list[ProgramMembership]] = relationship(
        back_populates="organization",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ProgramMembership.program",
    )

    @validates("orgid")
    def _orgid_is_immutable(self, key: str, value: str) -> str:
        """Refuse to change an ORGID once set: partners and support quote it."""
        if self.orgid is not None and value != self.orgid:
            raise ValueError("An ORGID never changes.")
        if not value.isdigit():
            raise ValueError("An ORGID is numeric.")
        return value

    def __repr__(self) -> str:
        return f"<Organization {self.orgid} {self.name!r}>"


class ProgramMembership(db.Model):
    """Organization × partner program × status."""

    __tablename__ = "program_membership"
    __table_args__ = (UniqueConstraint("organization_id", "program", name="uq_program_membership_org_program"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    program: Mapped[Program] = mapped_column(str_enum(Program, "program"))
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status"), default=MembershipStatus.ACTIVE
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="memberships", lazy="raise")

    @property
    def is_active(self) -> bool:
        """True when this membership badges the organization."""
        return self.status is MembershipStatus.ACTIVE
