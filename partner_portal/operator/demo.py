"""Demo data for license allocation, the Partner Support Center, the operator console and the
activity log: called once from DemoBuilder.build()."""

from __future__ import annotations

from datetime import date, timedelta

from ..audit.services import CUSTOMER_SERVICE, record
from ..extensions import db
from ..models import (
    Access,
    ActivityKind,
    Administrator,
    Allocation,
    AllocationStatus,
    ConnectionMethod,
    IssueType,
    Order,
    Organization,
    RequestStatus,
    Service,
    SupportRequest,
    Tenancy,
    Term,
    User,
)


def add_customer_service_demo(builder, partner: Organization, rival: Organization, customer: Organization) -> None:
    """Multi-tenant orders with licenses left to allocate, allocations in every state, support
    requests in every state (one Org ID created and connected, one created and waiting for the
    connection), and the activity-log entries they left. `customer` is a connected single-tenant
    customer of `partner`."""
    demo = _Demo(builder)
    partner_user = builder.users["partner@demo.example"]
    operator = builder.users["operator@demo.example"]
    rival_user = builder.users["rival@demo.example"]

    cutover = date(2024, 9, 26)
    demo.order(partner, "daas-user", 500, cutover - timedelta(days=200))  # before the cut-over: no allocation
    demo.order(partner, "daas-user", 300, builder.today - timedelta(days=200))
    demo.order(partner, "daas-user", 200, builder.today - timedelta(days=40))
    demo.order(partner, "secure-private-access", 150, builder.today - timedelta(days=90))
    demo.order(partner, "endpoint-management", 80, builder.today - timedelta(days=10))
    demo.allocation(partner, partner_user, "daas-user", 250, 60, AllocationStatus.COMPLETED)
    demo.allocation(partner, partner_user, "secure-private-access", 100, 45, AllocationStatus.COMPLETED)
    demo.allocation(
        partner,
        partner_user,
        "secure-private-access",
        40,
        20,
        AllocationStatus.FAILED,
        "The quantity did not match an open order line.",
    )
    demo.allocation(partner, partner_user, "daas-user", 100, 2, AllocationStatus.PROCESSING)
    demo.order(rival, "daas-user", 120, builder.today - timedelta(days=30))
    demo.allocation(rival, rival_user, "daas-user", 20, 25, AllocationStatus.COMPLETED)

    lakeside = demo.orgid_request(
        partner,
        partner_user,
        operator,
        "Lakeside Dental",
        "Nora Berg",
        "nora@lakesidedental.example",
        "Norway",
        days_ago=34,
        resolved_days_ago=31,
    )
    builder.connect(partner, lakeside, ConnectionMethod.INVITATION, None, days_ago=27)
    record(
        partner.id,
        ActivityKind.CONNECTION,
        "connected",
        f"Lakeside Dental (ORGID {lakeside.orgid}) accepted the invitation link and connected.",
        label="nora@lakesidedental.example",
        target=f"Lakeside Dental ({lakeside.orgid})",
    ).occurred_at = builder.now - timedelta(days=27)
    demo.orgid_request(
        partner,
        partner_user,
        operator,
        "Westbrook Legal",
        "Omar Haddad",
        "omar@westbrooklegal.example",
        "Ireland",
        days_ago=8,
        resolved_days_ago=5,
    )
    demo.orgid_request(
        partner, partner_user, None, "Harborview Clinics", "Mia Lund", "mia@harborview.example", "Denmark", days_ago=1
    )
    demo.request(
        partner,
        partner_user,
        IssueType.LICENSE_ALLOCATION,
        3,
        f"Asked for 50 Secure Private Access licenses to be allocated to {customer.name} (ORGID {customer.orgid}).",
        customer_id=customer.id,
        service_code="secure-private-access",
        quantity=50,
        details="For the new clinic opening next month.",
    )
    declined = demo.request(
        partner,
        partner_user,
        IssueType.GENERAL,
        12,
        "Asked customer service a question.",
        details="Can our invitation link carry our logo?",
    )
    demo.close(
        declined,
        operator,
        RequestStatus.DECLINED,
        10,
        "Invitation links are fixed and can't be customized.",
        "Customer service declined the request.",
    )
    demo.request(
        rival,
        rival_user,
        IssueType.GENERAL,
        4,
        "Asked customer service a question.",
        details="How do we move a customer between our two partner accounts?",
    )
    db.session.flush()


class _Demo:
    """Small writers over the builder's session and clock."""

    def __init__(self, builder):
        self.builder = builder
        self.numbers = iter(range(700001, 800000))

    def ago(self, days: int):
        """A moment `days` ago."""
        return self.builder.now - timedelta(days=days)

    def order(self, partner: Organization, code: str, quantity: int, ordered_on: date) -> None:
        """A multi-tenant order of the partner."""
        db.session.add(
            Order(
                organization_id=partner.id,
                number=f"MT-{next(self.numbers)}",
                ordered_on=ordered_on,
                service_code=code,
                quantity=quantity,
                term=Term.ANNUAL,
                multi_tenant=True,
            )
        )

    def allocation(
        self,
        partner: Organization,
        by: User,
        code: str,
        quantity: int,
        days_ago: int,
        status: AllocationStatus,
        reason: str = "",
    ) -> None:
        """An allocation to the partner's primary cloud account, with its log entries."""
        finished = self.ago(days_ago - 1) if status is not AllocationStatus.PROCESSING else None
        db.session.add(
            Allocation(
                partner_id=partner.id,
                account_id=partner.id,
                service_code=code,
                quantity=quantity,
                status=status,
                requested_at=self.ago(days_ago),
                requested_by_id=by.id,
                finished_at=finished,
                failure_reason=reason,
            )
        )
        name = db.session.get(Service, code).name
        what = f"{quantity:,} {name} licenses"
        record(
            partner.id,
            ActivityKind.ALLOCATION,
            "requested",
            f"Allocated {what} to the primary cloud account; processing.",
            by=by,
            target=name,
        ).occurred_at = self.ago(days_ago)
        if finished:
            summary = (
                f"The allocation of {what} to the primary cloud account completed."
                if status is AllocationStatus.COMPLETED
                else f"The allocation of {what} failed: {reason}"
            )
            record(
                partner.id, ActivityKind.ALLOCATION, status.value, summary, label=CUSTOMER_SERVICE, target=name
            ).occurred_at = finished

    def request(
        self, partner: Organization, by: User, issue_type: IssueType, days_ago: int, summary: str, **fields
    ) -> SupportRequest:
        """An open support request, with its log entry."""
        request = SupportRequest(
            partner_id=partner.id,
            issue_type=issue_type,
            submitted_at=self.ago(days_ago),
            submitted_by_id=by.id,
            **fields,
        )
        db.session.add(request)
        db.session.flush()
        record(
            partner.id,
            ActivityKind.SUPPORT_REQUEST,
            "submitted",
            f"Support request #{request.id}: {summary}",
            by=by,
            target=f"#{request.id} {issue_type.label}",
        ).occurred_at = self.ago(days_ago)
        return request

    def close(
        self, request: SupportRequest, operator: User, status: RequestStatus, days_ago: int, note: str, summary: str
    ) -> None:
        """Resolve or decline a request, with its log entry."""
        request.status, request.resolved_at, request.resolved_by_id = status, self.ago(days_ago), operator.id
        request.resolution_note = note
        record(
            request.partner_id,
            ActivityKind.SUPPORT_REQUEST,
            status.value,
            f"Support request #{request.id}: {summary}",
            label=CUSTOMER_SERVICE,
            target=f"#{request.id} {request.issue_type.label}",
        ).occurred_at = self.ago(days_ago)

    def orgid_request(
        self,
        partner: Organization,
        by: User,
        operator: User | None,
        company: str,
        contact: str,
        email: str,
        country: str,
        days_ago: int,
        resolved_days_ago: int | None = None,
    ):
        """An OrgID creation request; resolved (the organization and its administrator created)
        when `operator` is given. Returns the created organization, if any."""
        request = self.request(
            partner,
            by,
            IssueType.ORGID_CREATION,
            days_ago,
            f"Asked for an ORGID for the single-tenant customer {company}.",
            company=company,
            contact_name=contact,
            contact_email=email,
            country=country,
        )
        if operator is None:
            return None
        org = Organization(
            name=company, tenancy=Tenancy.SINGLE, country=country, created_at=self.ago(resolved_days_ago)
        )
        person = User(email=email, name=contact)
        db.session.add_all([org, person])
        db.session.flush()
        db.session.add(Administrator(user_id=person.id, organization_id=org.id, access=Access.FULL))
        request.customer_id = org.id
        self.close(
            request,
            operator,
            RequestStatus.RESOLVED,
            resolved_days_ago,
            "",
            f"The ORGID of {company} is {org.orgid}; {email} got an email to complete the onboarding.",
        )
        record(
            org.id,
            ActivityKind.SUPPORT_REQUEST,
            "created",
            f"Customer service created this account with ORGID {org.orgid} at the request of {partner.name} "
            f"(ORGID {partner.orgid}); {email} is its first administrator.",
            label=CUSTOMER_SERVICE,
            target=email,
        ).occurred_at = self.ago(resolved_days_ago)
        return org
