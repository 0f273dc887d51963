"""Factory functions for partners' orders, allocations and support requests."""
from __future__ import annotations

import itertools
from datetime import date

from partner_portal.extensions import db
from partner_portal.models import (
    Allocation, AllocationStatus, ConnectionMethod, IssueType, Order, Organization, RequestStatus, SupportRequest,
    Tenancy, Term,
)

from .factories import connect, make_org
from .licensing_factories import make_service

_numbers = itertools.count(1)
AFTER_CUTOVER = date(2025, 3, 1)
BEFORE_CUTOVER = date(2024, 5, 1)


def make_order(partner: Organization, quantity: int, code: str = "daas-user", ordered_on: date = AFTER_CUTOVER,
               multi_tenant: bool = True) -> Order:
    """A partner's order (multi-tenant and after the cut-over date unless told otherwise)."""
    make_service(code)
    order = Order(organization_id=partner.id, number=f"MT-{next(_numbers):06d}", ordered_on=ordered_on,
                  service_code=code, quantity=quantity, term=Term.ANNUAL, multi_tenant=multi_tenant)
    db.session.add(order)
    db.session.flush()
    return order


def make_allocation(partner: Organization, quantity: int, code: str = "daas-user",
                    status: AllocationStatus = AllocationStatus.PROCESSING,
                    account: Organization | None = None) -> Allocation:
    """An allocation of the partner (to its own account unless `account` is given)."""
    make_service(code)
    allocation = Allocation(partner_id=partner.id, account_id=(account or partner).id, service_code=code,
                            quantity=quantity, status=status)
    db.session.add(allocation)
    db.session.flush()
    return allocation


def make_added_customer(partner: Organization, name: str | None = None) -> Organization:
    """A multi-tenant customer the partner added (shown among its cloud accounts)."""
    customer = make_org(name, tenancy=Tenancy.MULTI)
    connect(partner, customer, ConnectionMethod.ADDED)
    return customer


def make_request(partner: Organization, issue_type: IssueType = IssueType.ORGID_CREATION,
                 status: RequestStatus = RequestStatus.OPEN, **fields) -> SupportRequest:
    """A support request of the partner with plausible fields for its type."""
    defaults = {"company": "Contoso Clinics", "contact_name": "Ann Lee",
                "contact_email": f"ann{next(_numbers)}@contoso.example",
                "country": "Norway"} if issue_type is IssueType.ORGID_CREATION else {}
    request = SupportRequest(partner_id=partner.id, issue_type=issue_type, status=status,
                             details=fields.pop("details", "Please help."), **{**defaults, **fields})
    db.session.add(request)
    db.session.flush()
    return request

