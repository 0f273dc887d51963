"""Reads for Manage Licenses: purchased, allocated and still-to-allocate quantities per product,
the partner's cloud accounts and what each holds, orders and allocations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    Connection,
    ConnectionMethod,
    Entitlement,
    EntitlementState,
    Order,
    Organization,
    Service,
    Tenancy,
)
from ..web.i18n import gettext

# Allocations that draw on what the partner bought: its own, still processing or done. Failed
# ones give their quantity back; customer service's single-tenant allocations draw on nothing here.
COUNTED = (Allocation.support_request_id.is_(None), Allocation.status != AllocationStatus.FAILED)


@dataclass(frozen=True)
class ProductLine:
    """One product of the partner's multi-tenant orders since the cut-over date."""

    code: str
    name: str
    purchased: int
    allocated: int
    processing: int

    @property
    def to_allocate(self) -> int:
        """Purchased and not yet allocated (never below zero)."""
        return max(self.purchased - self.allocated, 0)


def products(partner_id: int, cutover: date) -> list[ProductLine]:
    """Per product: quantity bought in multi-tenant orders dated after `cutover`, allocated
    (processing or completed) and processing alone, in catalogue order (one query)."""
    bought = (
        select(Order.service_code.label("code"), func.sum(Order.quantity).label("purchased"))
        .where(Order.organization_id == partner_id, Order.multi_tenant, Order.ordered_on > cutover)
        .group_by(Order.service_code)
        .subquery("bought")
    )
    processing = Allocation.status == AllocationStatus.PROCESSING
    allocated = (
        select(
            Allocation.service_code.label("code"),
            func.sum(Allocation.quantity).label("allocated"),
            func.sum(case((processing, Allocation.quantity), else_=0)).label("processing"),
        )
        .where(Allocation.partner_id == partner_id, *COUNTED)
        .group_by(Allocation.service_code)
        .subquery("allocated")
    )
    rows = db.session.execute(
        select(
            Service.code,
            Service.name,
            bought.c.purchased,
            func.coalesce(allocated.c.allocated, 0),
            func.coalesce(allocated.c.processing, 0),
        )
        .join(bought, bought.c.code == Service.code)
        .outerjoin(allocated, allocated.c.code == Service.code)
        .order_by(Service.sort_order)
    )
    return [ProductLine(code, name, int(purchased), int(done), int(busy)) for code, name, purchased, done, busy in rows]


def left_to_allocate(partner_id: int, service_code: str, cutover: date) -> int | None:
    """What the partner may still allocate of one product; None when it bought none since the
    cut-over. Read under the partner's lock by allocate()."""
    purchased = db.session.scalar(
        select(func.sum(Order.quantity)).where(
            Order.organization_id == partner_id,
            Order.multi_tenant,
            Order.ordered_on > cutover,
            Order.service_code == service_code,
        )
    )
    if purchased is None:
        return None
    allocated = db.session.scalar(
        select(func.coalesce(func.sum(Allocation.quantity), 0)).where(
            Allocation.partner_id == partner_id, Allocation.service_code == service_code, *COUNTED
        )
    )
    return max(int(purchased) - int(allocated), 0)


@dataclass
class CloudAccount:
    """A cloud account of the partner (its own, or a multi-tenant customer it added) and what it holds."""

    id: int
    orgid: str
    name: str
    is_own: bool
    is_primary: bool
    holdings: list[tuple[str, int]] = field(default_factory=list)
    processing: list[tuple[str, int]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """What the account is to the partner, in words."""
        if self.is_own:
            if self.is_primary:
                return gettext("Your primary cloud account")
            return gettext("Your account (not a primary cloud account)")
        return gettext("Multi-tenant customer")

    @property
    def can_receive(self) -> bool:
        """True for the one account allocations may go to: the partner's own primary cloud account."""
        return self.is_own and self.is_primary


def cloud_accounts(partner_id: int, today: date) -> list[CloudAccount]:
    """The partner's own account first, then the multi-tenant customers it added (still connected),
    each with its active licenses and completed allocations per product, and what is processing
    (three queries)."""
    added = (
        select(Connection.customer_id)
        .join(Organization, Organization.id == Connection.customer_id)
        .where(
            Connection.partner_id == partner_id,
            Connection.ended_at.is_(None),
            Connection.method == ConnectionMethod.ADDED,
            Organization.tenancy == Tenancy.MULTI,
        )
    )
    accounts = [
        CloudAccount(org.id, org.orgid, org.name, org.id == partner_id, org.is_primary_cloud_account)
        for org in db.session.scalars(
            select(Organization)
            .where((Organization.id == partner_id) | Organization.id.in_(added))
            .order_by((Organization.id != partner_id), func.lower(Organization.name))
        )
    ]
    by_id = {account.id: account for account in accounts}
    held: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    active = and_(Entitlement.state_expression(today) == EntitlementState.ACTIVE.value, Service.is_bandwidth.is_(False))
    for org_id, name, count in db.session.execute(
        select(Entitlement.organization_id, Service.name, func.sum(Entitlement.license_count))
        .join(Service, Service.code == Entitlement.service_code)
        .where(Entitlement.organization_id.in_(list(by_id)), active)
        .group_by(Entitlement.organization_id, Service.name)
    ):
        held[org_id][name] += int(count)
    processing: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, status, name, count in db.session.execute(
        select(Allocation.account_id, Allocation.status, Service.name, func.sum(Allocation.quantity))
        .join(Service, Service.code == Allocation.service_code)
        .where(Allocation.account_id.in_(list(by_id)), Allocation.status != AllocationStatus.FAILED)
        .group_by(Allocation.account_id, Allocation.status, Service.name)
    ):
        target = held if status is AllocationStatus.COMPLETED else processing
        target[org_id][name] += int(count)
    for account in accounts:
        account.holdings = sorted(held[account.id].items())
        account.processing = sorted(processing[account.id].items())
    return accounts


@dataclass(frozen=True)
class AllocationLine:
    """One allocation as the partner's list shows it."""

    allocation: Allocation
    account: str
    account_orgid: str
    product: str


def allocation_lines(partner_id: int, limit: int = 100) -> list[AllocationLine]:
    """The partner's latest allocations (its own and customer service's for its single-tenant
    customers), newest first (one query)."""
    return [
        AllocationLine(allocation, name, orgid, product)
        for allocation, name, orgid, product in db.session.execute(
            select(Allocation, Organization.name, Organization.orgid, Service.name)
            .join(Organization, Organization.id == Allocation.account_id)
            .join(Service, Service.code == Allocation.service_code)
            .where(Allocation.partner_id == partner_id)
            .order_by(Allocation.requested_at.desc(), Allocation.id.desc())
            .limit(limit)
        )
    ]


@dataclass(frozen=True)
class OrderLine:
    """One multi-tenant order of the partner."""

    number: str
    ordered_on: date
    product: str
    quantity: int
    term: str
    needs_allocation: bool


def partner_orders(partner_id: int, cutover: date) -> list[OrderLine]:
    """The partner's multi-tenant orders, newest first, marking those that must be allocated (one query)."""
    return [
        OrderLine(order.number, order.ordered_on, product, order.quantity, order.term.label, order.ordered_on > cutover)
        for order, product in db.session.execute(
            select(Order, Service.name)
            .join(Service, Service.code == Order.service_code)
            .where(Order.organization_id == partner_id, Order.multi_tenant)
            .order_by(Order.ordered_on.desc(), Order.id.desc())
        )
    ]
