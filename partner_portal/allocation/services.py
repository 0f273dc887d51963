"""Allocation rules: only to the partner's own primary cloud account, a positive whole quantity
no larger than what is left (checked under the partner's lock), processing until customer service
completes or fails it (once)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..audit.services import CUSTOMER_SERVICE, record
from ..database import begin_serialized
from ..extensions import db
from ..models import (
    ActivityKind,
    Allocation,
    AllocationStatus,
    Organization,
    Service,
    Severity,
    SupportRequest,
    User,
    utcnow,
    WebhookEvent,
)
from ..notifications.messages import number, stored_message
from ..notifications.services import notify
from ..web.i18n import format_date, format_number, gettext, lazy_gettext, ngettext
from ..webhooks.services import emit
from .queries import left_to_allocate

PRIMARY_ONLY = lazy_gettext(
    "Licenses can be allocated only to your own primary cloud account, not to a customer's cloud "
    "account. Allocate to your primary cloud account; your multi-tenant customers use its licenses."
)
NO_PRIMARY = lazy_gettext(
    "Your organization is not set up as a primary cloud account, so it can't receive allocations. "
    "Ask customer service through the Partner Support Center."
)


class AllocationRefused(Exception):
    """A user-facing refusal; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def allocate(partner: Organization, account: Organization, service_code: str, quantity: int, by: User) -> Allocation:
    """Allocate `quantity` licenses of a product the partner bought to `account`, which must be the
    partner's own primary cloud account; the allocation is processing until completed. Raises
    AllocationRefused (nothing written)."""
    partner_id, account_id, by_id = partner.id, account.id, by.id
    if account_id != partner_id:
        raise AllocationRefused(str(PRIMARY_ONLY), "account")
    if not account.is_primary_cloud_account:
        raise AllocationRefused(str(NO_PRIMARY), "account")
    if quantity < 1:
        raise AllocationRefused(gettext("Enter a positive number of licenses (at least 1)."), "quantity")
    # Locked: two allocations at once (other workers, other hosts) can't both take the last licenses.
    begin_serialized(Organization, partner_id)
    service = db.session.get(Service, service_code) if service_code else None
    left = left_to_allocate(partner_id, service_code, current_app.config["ALLOCATION_CUTOVER"]) if service else None
    if left is None:
        db.session.rollback()
        raise AllocationRefused(gettext("Choose a product from your multi-tenant orders."), "product")
    if quantity > left:
        db.session.rollback()
        raise AllocationRefused(
            gettext("Every purchased %(product)s license is already allocated.", product=service.name)
            if not left
            else ngettext(
                "Only %(amount)s %(product)s license is left to allocate.",
                "Only %(amount)s %(product)s licenses are left to allocate.",
                left,
                amount=format_number(left),
                product=service.name,
            ),
            "quantity",
        )
    allocation = Allocation(
        partner_id=partner_id,
        account_id=account_id,
        service_code=service.code,
        quantity=quantity,
        requested_by_id=by_id,
    )
    db.session.add(allocation)
    record(
        partner_id,
        ActivityKind.ALLOCATION,
        "requested",
        f"Allocated {quantity:,} {service.name} licenses to the primary cloud account; processing.",
        by=db.session.get(User, by_id),
        target=service.name,
    )
    db.session.commit()
    return allocation


def add_single_tenant_allocation(request: SupportRequest, by: User) -> Allocation:
    """Record customer service's allocation for a single-tenant customer named in `request`
    (completed at once; uncommitted: the caller resolves the request in the same transaction)."""
    service = db.session.get(Service, request.service_code)
    allocation = Allocation(
        partner_id=request.partner_id,
        account_id=request.customer_id,
        service_code=request.service_code,
        quantity=request.quantity,
        status=AllocationStatus.COMPLETED,
        requested_at=request.submitted_at,
        requested_by_id=request.submitted_by_id,
        finished_at=utcnow(),
        support_request_id=request.id,
    )
    db.session.add(allocation)
    customer = db.session.get(Organization, request.customer_id)
    summary = (
        f"Customer service allocated {request.quantity:,} {service.name} licenses to {customer.name} "
        f"(ORGID {customer.orgid}), as requested in support request #{request.id}."
    )
    record(
        request.partner_id,
        ActivityKind.ALLOCATION,
        "completed",
        summary,
        by=by,
        label=CUSTOMER_SERVICE,
        target=service.name,
    )
    record(
        customer.id,
        ActivityKind.ALLOCATION,
        "completed",
        f"Customer service allocated {request.quantity:,} {service.name} licenses to this account.",
        by=by,
        label=CUSTOMER_SERVICE,
        target=service.name,
    )
    return allocation


def finish_allocation(
    allocation_id: int, completed: bool, reason: str = "", by: User | None = None, label: str | None = None
) -> Allocation:
    """Complete a processing allocation, or fail it with `reason` (its quantity can be allocated
    again, and the partner is told customer service has it). Raises AllocationRefused when it is
    no longer processing."""
    reason = reason.strip()
    if not completed and not reason:
        raise AllocationRefused(gettext("Give the reason the allocation failed; the partner sees it."), "reason")
    begin_serialized(Allocation, allocation_id)
    allocation = db.session.get(Allocation, allocation_id, populate_existing=True)
    if allocation is None:
        db.session.rollback()
        raise AllocationRefused(gettext("That allocation no longer exists."))
    if not allocation.is_processing:
        db.session.rollback()
        raise AllocationRefused(
            gettext(
                "This allocation was already completed on %(date)s; it can't change again.",
                date=format_date(allocation.finished_at),
            )
            if allocation.status is AllocationStatus.COMPLETED
            else gettext(
                "This allocation was already failed on %(date)s; it can't change again.",
                date=format_date(allocation.finished_at),
            )
        )
    allocation.status = AllocationStatus.COMPLETED if completed else AllocationStatus.FAILED
    allocation.finished_at = utcnow()
    allocation.failure_reason = reason[:500]
    service = db.session.get(Service, allocation.service_code)
    what = f"{allocation.quantity:,} {service.name} licenses"
    if completed:
        summary = f"The allocation of {what} to the primary cloud account completed."
    else:
        summary = f"The allocation of {what} failed: {reason} Customer service is following it up."
        notify(
            allocation.partner_id,
            stored_message("License allocation failed: %(service)s", service=service.name),
            stored_message(
                "The allocation of %(quantity)s %(service)s licenses to your primary cloud account failed: "
                "%(reason)s The quantity is available to allocate again, and customer service is following the "
                "failure up.",
                quantity=number(allocation.quantity),
                service=service.name,
                reason=reason,
            ),
            Severity.WARNING,
        )
    record(
        allocation.partner_id,
        ActivityKind.ALLOCATION,
        "completed" if completed else "failed",
        summary,
        by=by,
        label=label,
        target=service.name,
    )
    if completed:
        account = db.session.get(Organization, allocation.account_id)
        emit(
            (allocation.partner_id,),
            WebhookEvent.ALLOCATION_COMPLETED,
            lambda: {
                "allocation_id": allocation.id,
                "product": service.name,
                "service_code": service.code,
                "quantity": allocation.quantity,
                "account_orgid": account.orgid,
            },
        )
    db.session.commit()
    return allocation


def complete_processing(allocation_ids: list[int] | None = None) -> list[int]:
    """Complete the given processing allocations (every processing one when none are given), each
    in its own transaction; returns the ids completed. Used by `flask allocations complete`."""
    ids = allocation_ids or list(
        db.session.scalars(
            select(Allocation.id).where(Allocation.status == AllocationStatus.PROCESSING).order_by(Allocation.id)
        )
    )
    db.session.commit()
    done = []
    for allocation_id in ids:
        try:
            finish_allocation(allocation_id, completed=True)
        except AllocationRefused:
            continue
        done.append(allocation_id)
    return done
