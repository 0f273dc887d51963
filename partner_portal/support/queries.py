"""Reads for the Partner Support Center and the operators' support queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Connection,
    IssueType,
    Organization,
    RequestStatus,
    Service,
    SupportRequest,
    Tenancy,
    User,
)
from ..web.i18n import format_number, gettext
from .services import answer_due


@dataclass(frozen=True)
class RequestLine:
    """A request with what its list and detail pages show beside it."""

    request: SupportRequest
    partner: str
    partner_orgid: str
    submitted_by: str | None
    product: str | None
    customer: str | None
    customer_orgid: str | None
    connected_since: datetime | None

    @property
    def answer_due(self) -> date:
        """The day customer service answers by (five business days)."""
        return answer_due(self.request.submitted_at.date())

    @property
    def subject(self) -> str:
        """One line that says what the request is about."""
        request = self.request
        if request.issue_type is IssueType.ORGID_CREATION:
            return f"{request.company} · {request.contact_email}"
        if request.issue_type is IssueType.LICENSE_ALLOCATION:
            if self.customer:
                return gettext(
                    "%(quantity)s × %(product)s for %(customer)s",
                    quantity=format_number(request.quantity),
                    product=self.product,
                    customer=self.customer,
                )
            return gettext(
                "%(quantity)s × %(product)s for a former customer",
                quantity=format_number(request.quantity),
                product=self.product,
            )
        return request.details[:80] + ("…" if len(request.details) > 80 else "")

    @property
    def resolve_label(self) -> str:
        """What resolving this request does, as the operator's button says it."""
        return {
            IssueType.ORGID_CREATION: gettext("Create the ORGID and its administrator"),
            IssueType.LICENSE_ALLOCATION: gettext("Record the allocation"),
            IssueType.GENERAL: gettext("Send the answer"),
        }[self.request.issue_type]

    @property
    def created_account(self) -> bool:
        """True when customer service created the customer's account for this request."""
        return self.request.issue_type is IssueType.ORGID_CREATION and self.customer_orgid is not None

    @property
    def awaits_connection(self) -> bool:
        """True when customer service created the customer's account and it has not connected yet."""
        return self.created_account and self.connected_since is None


def _lines(*criteria, order, limit: int | None = None) -> list[RequestLine]:
    """Requests meeting `criteria` with partner, submitter, product, customer and, for an
    OrgID creation, since when the created customer is connected to the partner (one query)."""
    partner, customer, submitter = aliased(Organization), aliased(Organization), aliased(User)
    stmt = (
        select(
            SupportRequest,
            partner.name,
            partner.orgid,
            submitter.email,
            Service.name,
            customer.name,
            customer.orgid,
            Connection.created_at,
        )
        .join(partner, partner.id == SupportRequest.partner_id)
        .outerjoin(submitter, submitter.id == SupportRequest.submitted_by_id)
        .outerjoin(Service, Service.code == SupportRequest.service_code)
        .outerjoin(customer, customer.id == SupportRequest.customer_id)
        .outerjoin(
            Connection,
            and_(
                Connection.partner_id == SupportRequest.partner_id,
                Connection.customer_id == SupportRequest.customer_id,
                Connection.ended_at.is_(None),
            ),
        )
        .where(*criteria)
        .order_by(*order)
    )
    if limit:
        stmt = stmt.limit(limit)
    return [RequestLine(*row) for row in db.session.execute(stmt)]


def partner_requests(partner_id: int) -> list[RequestLine]:
    """The partner's requests: open ones first, then the rest, newest first."""
    return _lines(
        SupportRequest.partner_id == partner_id,
        order=(
            case((SupportRequest.status == RequestStatus.OPEN, 0), else_=1),
            SupportRequest.submitted_at.desc(),
            SupportRequest.id.desc(),
        ),
    )


def request_line(request_id: int) -> RequestLine:
    """One request (already loaded through a scoped lookup) with its details."""
    return _lines(SupportRequest.id == request_id, order=(SupportRequest.id,))[0]


def queue(status: RequestStatus | None, limit: int = 200) -> list[RequestLine]:
    """The operators' queue: requests in `status` (every status when None), the oldest open first,
    then the most recently answered."""
    criteria = [SupportRequest.status == status] if status else []
    return _lines(
        *criteria,
        order=(
            case((SupportRequest.status == RequestStatus.OPEN, 0), else_=1),
            case((SupportRequest.status == RequestStatus.OPEN, SupportRequest.submitted_at)),
            SupportRequest.resolved_at.desc(),
            SupportRequest.id,
        ),
        limit=limit,
    )


def status_counts() -> dict[RequestStatus, int]:
    """How many requests are in each status (for the queue's filter)."""
    counts = dict(db.session.execute(select(SupportRequest.status, func.count()).group_by(SupportRequest.status)).all())
    return {status: counts.get(status, 0) for status in RequestStatus}


def single_tenant_customers(partner_id: int) -> list[Organization]:
    """The partner's connected single-tenant customers (the license-allocation request's choices)."""
    return list(
        db.session.scalars(
            select(Organization)
            .join(Connection, Connection.customer_id == Organization.id)
            .where(
                Connection.partner_id == partner_id,
                Connection.ended_at.is_(None),
                Organization.tenancy == Tenancy.SINGLE,
            )
            .order_by(func.lower(Organization.name))
        )
    )


def licensed_products() -> list[Service]:
    """Products counted in licenses (not bandwidth), in catalogue order."""
    return list(db.session.scalars(select(Service).where(Service.is_bandwidth.is_(False)).order_by(Service.sort_order)))


def requesting_partner(org_id: int, unconnected_only: bool = False) -> str | None:
    """The partner at whose request customer service created the organization, if any (only while
    the two are not connected, with `unconnected_only`)."""
    stmt = (
        select(Organization.name)
        .join(SupportRequest, SupportRequest.partner_id == Organization.id)
        .where(
            SupportRequest.customer_id == org_id,
            SupportRequest.issue_type == IssueType.ORGID_CREATION,
            SupportRequest.status == RequestStatus.RESOLVED,
        )
        .order_by(SupportRequest.resolved_at.desc())
        .limit(1)
    )
    if unconnected_only:
        stmt = stmt.where(
            ~select(Connection.id)
            .where(
                Connection.partner_id == SupportRequest.partner_id,
                Connection.customer_id == org_id,
                Connection.ended_at.is_(None),
            )
            .exists()
        )
    return db.session.scalar(stmt)
