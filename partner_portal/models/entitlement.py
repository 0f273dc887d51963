"""The service catalogue, entitlements and orders."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, and_, case, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organization import Organization
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext
from ..web.labels import Labels


class Term(enum.Enum):
    """Billing term of an entitlement or order."""

    MONTHLY = "monthly"
    ANNUAL = "annual"
    TERMED = "termed"

    @property
    def label(self) -> str:
        """Capitalised term name, in the current language."""
        return TERM_LABELS[self]


class CommitModel(enum.Enum):
    """Service-provider licensing commits to a monthly quantity; others buy a fixed count."""

    FIXED = "fixed"
    MONTHLY_COMMIT = "monthly-commit"


class EntitlementState(enum.Enum):
    """Where an entitlement stands today (derived from its dates, never stored)."""

    ACTIVE_TRIAL = "active-trial"
    PENDING_TRIAL = "pending-trial"
    EXPIRED_TRIAL = "expired-trial"
    ACTIVE = "active"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The state as partners read it, in the current language."""
        return STATE_LABELS[self]


# Translated once per language (web/labels.py): lists and exports show them on every row.
TERM_LABELS = Labels(
    {Term.MONTHLY: lazy_gettext("Monthly"), Term.ANNUAL: lazy_gettext("Annual"), Term.TERMED: lazy_gettext("Termed")}
)
STATE_LABELS = Labels(
    {
        EntitlementState.ACTIVE_TRIAL: lazy_gettext("Active trial"),
        EntitlementState.PENDING_TRIAL: lazy_gettext("Pending trial request"),
        EntitlementState.EXPIRED_TRIAL: lazy_gettext("Expired trial"),
        EntitlementState.ACTIVE: lazy_gettext("Active"),
        EntitlementState.EXPIRED: lazy_gettext("Expired"),
    }
)


class Service(db.Model):
    """A service customers can be entitled to."""

    __tablename__ = "service"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40))
    is_bandwidth: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Entitlement(db.Model):
    """Customer org × service: a trial or a paid entitlement."""

    __tablename__ = "entitlement"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("service.code"))
    is_trial: Mapped[bool] = mapped_column(Boolean, default=False)
    license_count: Mapped[int] = mapped_column(Integer, default=0)
    term: Mapped[Term] = mapped_column(str_enum(Term, "term"), default=Term.ANNUAL)
    commit_model: Mapped[CommitModel] = mapped_column(str_enum(CommitModel, "commit_model"), default=CommitModel.FIXED)
    # A pending trial request has no dates yet.
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Latest licenses-assigned figure, kept current by the usage import so list pages need no
    # scan of the daily usage table.
    licenses_assigned: Mapped[int] = mapped_column(Integer, default=0)

    organization: Mapped[Organization] = relationship(lazy="raise")
    service: Mapped[Service] = relationship(lazy="raise")

    def state(self, today: date) -> EntitlementState:
        """Return the entitlement's state on the given day."""
        if self.is_trial and self.start_date is None:
            return EntitlementState.PENDING_TRIAL
        if self.end_date is not None and self.end_date < today:
            return EntitlementState.EXPIRED_TRIAL if self.is_trial else EntitlementState.EXPIRED
        return EntitlementState.ACTIVE_TRIAL if self.is_trial else EntitlementState.ACTIVE

    @classmethod
    def state_expression(cls, today: date):
        """SQL CASE computing the same state as state(), for aggregates and filters."""
        return case(
            (and_(cls.is_trial, cls.start_date.is_(None)), EntitlementState.PENDING_TRIAL.value),
            (
                and_(cls.end_date.is_not(None), cls.end_date < today),
                case((cls.is_trial, EntitlementState.EXPIRED_TRIAL.value), else_=EntitlementState.EXPIRED.value),
            ),
            else_=case((cls.is_trial, EntitlementState.ACTIVE_TRIAL.value), else_=EntitlementState.ACTIVE.value),
        )

    @classmethod
    def state_is(cls, state: EntitlementState, today):
        """SQL condition: the entitlement is in `state` on `today`, as state() decides. The same
        answer as `state_expression(today) == state.value`, written as plain comparisons of the
        columns: inside an aggregate the CASE is evaluated per row for every figure, and this is
        several times cheaper (tests/web/test_entitlement_states.py checks they agree)."""
        trial, not_trial = cls.is_trial, ~cls.is_trial
        running = or_(cls.end_date.is_(None), cls.end_date >= today)
        ended = cls.end_date < today
        if state is EntitlementState.PENDING_TRIAL:
            return and_(trial, cls.start_date.is_(None))
        if state is EntitlementState.ACTIVE_TRIAL:
            return and_(trial, cls.start_date.is_not(None), running)
        if state is EntitlementState.EXPIRED_TRIAL:
            return and_(trial, cls.start_date.is_not(None), ended)
        if state is EntitlementState.ACTIVE:
            return and_(not_trial, running)
        return and_(not_trial, ended)


class Order(db.Model):
    """Something a customer (or a partner reselling to it) bought."""

    __tablename__ = "purchase_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    ordered_on: Mapped[date] = mapped_column(Date)
    service_code: Mapped[str] = mapped_column(ForeignKey("service.code"))
    quantity: Mapped[int] = mapped_column(Integer)
    term: Mapped[Term] = mapped_column(str_enum(Term, "order_term"))
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), default=None)
    # A partner's purchase for its multi-tenant customers (organization_id is the partner): from
    # the allocation cut-over date on, it must be allocated to the partner's primary cloud account.
    multi_tenant: Mapped[bool] = mapped_column(Boolean, default=False)

    service: Mapped[Service] = relationship(lazy="raise")
