"""Reads for the operator console: allocations to complete, organizations and their memberships,
the last usage imports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    MembershipStatus,
    Organization,
    Program,
    Service,
    UsageImport,
    User,
)
from ..web.i18n import gettext

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class OperatorAllocation:
    """An allocation with the names an operator needs to act on it."""

    allocation: Allocation
    partner: str
    partner_orgid: str
    account: str
    product: str


def allocations(limit: int = 50, allocation_id: int | None = None) -> list[OperatorAllocation]:
    """Processing allocations (oldest first), then the latest finished ones; or the one with
    `allocation_id` (one query)."""
    partner, account = aliased(Organization), aliased(Organization)
    stmt = (
        select(Allocation, partner.name, partner.orgid, account.name, Service.name)
        .join(partner, partner.id == Allocation.partner_id)
        .join(account, account.id == Allocation.account_id)
        .join(Service, Service.code == Allocation.service_code)
    )
    if allocation_id is not None:
        stmt = stmt.where(Allocation.id == allocation_id)
    else:
        processing = Allocation.status == AllocationStatus.PROCESSING
        stmt = stmt.order_by(
            case((processing, 0), else_=1),
            case((processing, Allocation.requested_at)),
            Allocation.finished_at.desc(),
            Allocation.id,
        ).limit(limit)
    return [OperatorAllocation(*row) for row in db.session.execute(stmt)]


@dataclass(frozen=True)
class ProgramState:
    """One program of an organization as the operator sees it, and what its button does."""

    program: Program
    status: MembershipStatus | None

    @property
    def is_active(self) -> bool:
        """True when this program badges the organization."""
        return self.status is MembershipStatus.ACTIVE

    @property
    def label(self) -> str:
        """Active, Lapsed or Not a member."""
        if self.status is None:
            return gettext("Not a member")
        return gettext("Active") if self.is_active else gettext("Lapsed")


@dataclass(frozen=True)
class MembershipRow:
    """An organization and its status in every program."""

    org: Organization
    states: list[ProgramState]


def _rows(*criteria) -> list[MembershipRow]:
    """Organizations meeting `criteria` with their program states (two queries)."""
    orgs = db.session.scalars(
        select(Organization)
        .options(selectinload(Organization.memberships))
        .where(*criteria)
        .order_by(func.lower(Organization.name), Organization.id)
        .limit(SEARCH_LIMIT)
    )
    rows = []
    for org in orgs:
        held = {m.program: m.status for m in org.memberships}
        rows.append(MembershipRow(org, [ProgramState(program, held.get(program)) for program in Program]))
    return rows


def organizations(q: str) -> list[MembershipRow]:
    """Organizations whose ORGID is `q` or whose name contains it, with their memberships."""
    q = q.strip()[:100]
    if not q:
        return []
    return _rows(or_(Organization.orgid == q, func.lower(Organization.name).contains(q.lower(), autoescape=True)))


def organization(org_id: int) -> MembershipRow:
    """One organization with its memberships."""
    return _rows(Organization.id == org_id)[0]


def last_imports(limit: int = 20) -> list[tuple[UsageImport, str | None]]:
    """The latest uploaded usage imports with their uploaders' emails, newest first (one query)."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(UsageImport, User.email)
            .outerjoin(User, User.id == UsageImport.uploaded_by_id)
            .order_by(UsageImport.uploaded_at.desc(), UsageImport.id.desc())
            .limit(limit)
        )
    ]
