"""Support request rules: what each issue type needs, and resolving or declining a request once
(under the request's lock). Resolving an OrgID creation creates the single-tenant organization
and its first administrator, who gets an onboarding link; resolving a license allocation records
the allocation to that customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..allocation.services import add_single_tenant_allocation
from ..audit.services import CUSTOMER_SERVICE, record
from ..auth.services import find_user
from ..database import begin_serialized
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    Access,
    ActivityKind,
    Administrator,
    IssueType,
    Organization,
    RequestStatus,
    Service,
    SupportRequest,
    Tenancy,
    User,
    utcnow,
    WebhookEvent,
)
from ..notifications.messages import english, joined, number, stored_message
from ..notifications.services import notify
from ..onboarding.services import onboarding_token
from ..web.i18n import format_date, format_number, gettext, lazy_gettext, recipient_locale
from ..webhooks.services import emit

ANSWER_WITHIN_BUSINESS_DAYS = 5
MAX_QUANTITY = 1_000_000
EMAIL_TAKEN = lazy_gettext(
    "An account already uses this business email, so the customer may have an ORGID already. "
    "Invite that customer with your invitation link, or give the email of the person who should "
    "administer the new account."
)


class SupportRefused(Exception):
    """A user-facing refusal; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def answer_due(submitted: date, business_days: int = ANSWER_WITHIN_BUSINESS_DAYS) -> date:
    """The day customer service answers by: `business_days` Monday-to-Friday days after `submitted`."""
    day = submitted
    while business_days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            business_days -= 1
    return day


@dataclass
class RequestFields:
    """What a partner filled in; which fields count depends on the issue type."""

    company: str = ""
    contact_name: str = ""
    contact_email: str = ""
    country: str = ""
    customer: Organization | None = None
    service_code: str = ""
    quantity: int | None = None
    details: str = ""


def submit_request(partner: Organization, by: User, issue_type: IssueType, fields: RequestFields) -> SupportRequest:
    """File a request with customer service. Raises SupportRefused (nothing written)."""
    partner_id, by_id = partner.id, by.id
    request = SupportRequest(
        partner_id=partner_id, issue_type=issue_type, submitted_by_id=by_id, details=fields.details.strip()
    )
    if issue_type is IssueType.ORGID_CREATION:
        _check_new_administrator(partner_id, fields.contact_email)
        request.company, request.contact_name = fields.company.strip(), fields.contact_name.strip()
        request.contact_email, request.country = fields.contact_email.strip(), fields.country.strip()
        summary = f"Asked for an ORGID for the single-tenant customer {request.company}."
    elif issue_type is IssueType.LICENSE_ALLOCATION:
        service = _check_allocation(fields)
        request.customer_id, request.service_code, request.quantity = fields.customer.id, service.code, fields.quantity
        summary = (
            f"Asked for {fields.quantity:,} {service.name} licenses to be allocated to "
            f"{fields.customer.name} (ORGID {fields.customer.orgid})."
        )
    else:
        if not request.details:
            raise SupportRefused(gettext("Describe what you need."), "details")
        summary = "Asked customer service a question."
    db.session.add(request)
    db.session.flush()
    record(
        partner_id,
        ActivityKind.SUPPORT_REQUEST,
        "submitted",
        f"Support request #{request.id}: {summary}",
        by=db.session.get(User, by_id),
        target=_target(request),
    )
    db.session.commit()
    return request


def _target(request: SupportRequest) -> str:
    """The request as the activity log names it; stored, so in English like the rest of the entry
    (whatever language the person acting reads)."""
    with recipient_locale(None):
        return f"#{request.id} {request.issue_type.label}"


def _check_new_administrator(partner_id: int, email: str) -> None:
    """Refuse an email that already has an account, or that an open request of this partner names."""
    if find_user(email) is not None:
        raise SupportRefused(str(EMAIL_TAKEN), "contact_email")
    pending = db.session.scalar(
        select(SupportRequest.id).where(
            SupportRequest.partner_id == partner_id,
            SupportRequest.status == RequestStatus.OPEN,
            SupportRequest.issue_type == IssueType.ORGID_CREATION,
            func.lower(SupportRequest.contact_email) == email.strip().lower(),
        )
    )
    if pending is not None:
        raise SupportRefused(
            gettext(
                "Your request #%(id)s for this email is still open; customer service answers it "
                "within five business days.",
                id=pending,
            ),
            "contact_email",
        )


def _check_allocation(fields: RequestFields) -> Service:
    """The licensed product of a single-tenant allocation request; refuses a multi-tenant customer,
    an unknown product and a quantity that is not a positive whole number within bounds."""
    if fields.customer is None or fields.customer.tenancy is not Tenancy.SINGLE:
        raise SupportRefused(
            gettext(
                "Customer service allocates licenses to single-tenant customers. Allocate to your "
                "primary cloud account in Manage Licenses for multi-tenant customers."
            ),
            "customer",
        )
    service = db.session.get(Service, fields.service_code) if fields.service_code else None
    if service is None or service.is_bandwidth:
        raise SupportRefused(gettext("Choose a licensed product from the list."), "product")
    if fields.quantity is None or not 1 <= fields.quantity <= MAX_QUANTITY:
        raise SupportRefused(
            gettext("Enter a whole number of licenses from 1 to %(max)s.", max=format_number(MAX_QUANTITY)), "quantity"
        )
    return service


# --- customer service ------------------------------------------------------------------------------


def _open_request(request_id: int) -> SupportRequest:
    """Lock the request and return it while open; refuses a request already answered."""
    begin_serialized(SupportRequest, request_id)
    request = db.session.get(SupportRequest, request_id, populate_existing=True)
    if request is None:
        db.session.rollback()
        raise SupportRefused(gettext("That request no longer exists."))
    if not request.is_open:
        when = request.resolved_at
        db.session.rollback()
        if request.status is RequestStatus.DECLINED:
            message = gettext(
                "This request was already declined on %(date)s; it can't be answered twice.", date=format_date(when)
            )
        else:
            message = gettext(
                "This request was already resolved on %(date)s; it can't be answered twice.", date=format_date(when)
            )
        raise SupportRefused(message)
    return request


def _close(request: SupportRequest, status: RequestStatus, by: User, note: str, summary: dict) -> None:
    """Mark the request answered, tell the partner, and log it (uncommitted)."""
    request.status, request.resolved_at, request.resolved_by_id = status, utcnow(), by.id
    request.resolution_note = note[:500]
    if status is RequestStatus.DECLINED:
        title = stored_message("Support request #%(id)s declined", id=request.id)
    else:
        title = stored_message("Support request #%(id)s resolved", id=request.id)
    answer = stored_message("Customer service: %(note)s", note=note) if note else None
    notify(request.partner_id, title, joined([summary, answer]))
    record(
        request.partner_id,
        ActivityKind.SUPPORT_REQUEST,
        status.value,
        f"Support request #{request.id}: {english(summary)}",
        by=by,
        label=CUSTOMER_SERVICE,
        target=_target(request),
    )


def resolve_request(request_id: int, by: User, note: str = "") -> SupportRequest:
    """Resolve an open request once: an OrgID creation creates the organization, a license
    allocation records the allocation, a general question needs the answer in `note`. Raises
    SupportRefused (nothing written)."""
    note = note.strip()
    request = _open_request(request_id)
    if request.issue_type is IssueType.ORGID_CREATION:
        summary = _create_customer(request, by)
    elif request.issue_type is IssueType.LICENSE_ALLOCATION:
        customer = db.session.get(Organization, request.customer_id) if request.customer_id else None
        if customer is None:
            db.session.rollback()
            raise SupportRefused(gettext("The customer of this request no longer exists; decline it with that reason."))
        add_single_tenant_allocation(request, by)
        service = db.session.get(Service, request.service_code)
        summary = stored_message(
            "%(quantity)s %(service)s licenses were allocated to %(name)s (ORGID %(orgid)s).",
            quantity=number(request.quantity),
            service=service.name,
            name=customer.name,
            orgid=customer.orgid,
        )
    else:
        if not note:
            db.session.rollback()
            raise SupportRefused(gettext("Write the answer to the partner's question."), "note")
        summary = stored_message("Customer service answered your question.")
    _close(request, RequestStatus.RESOLVED, by, note, summary)
    emit(
        (request.partner_id,),
        WebhookEvent.SUPPORT_REQUEST_RESOLVED,
        lambda: {
            "support_request_id": request.id,
            "issue_type": request.issue_type.value,
            "summary": summary,
            "resolution_note": request.resolution_note,
        },
    )
    db.session.commit()
    return request


def decline_request(request_id: int, by: User, reason: str) -> SupportRequest:
    """Decline an open request once, with the reason the partner sees. Raises SupportRefused."""
    reason = reason.strip()
    if not reason:
        raise SupportRefused(gettext("Give the reason the partner sees."), "reason")
    request = _open_request(request_id)
    _close(request, RequestStatus.DECLINED, by, reason, stored_message("Customer service declined the request."))
    db.session.commit()
    return request


def _create_customer(request: SupportRequest, by: User) -> str:
    """Create the single-tenant organization with a new ORGID and its first administrator, and
    email that person the onboarding link (uncommitted); returns the summary for the partner."""
    if find_user(request.contact_email) is not None:
        db.session.rollback()
        raise SupportRefused(str(EMAIL_TAKEN))
    partner = db.session.get(Organization, request.partner_id)
    org = Organization(name=request.company, tenancy=Tenancy.SINGLE, country=request.country)
    person = User(email=request.contact_email, name=request.contact_name)
    db.session.add_all([org, person])
    try:
        db.session.flush()
    except IntegrityError:
        # The email got an account between the check and the insert (Add a customer, say).
        db.session.rollback()
        raise SupportRefused(str(EMAIL_TAKEN)) from None
    db.session.add(Administrator(user_id=person.id, organization_id=org.id, access=Access.FULL))
    request.customer_id = org.id
    record(
        org.id,
        ActivityKind.SUPPORT_REQUEST,
        "created",
        f"Customer service created this account with ORGID {org.orgid} at the request of {partner.name} "
        f"(ORGID {partner.orgid}); {person.email} is its first administrator.",
        by=by,
        label=CUSTOMER_SERVICE,
        target=person.email,
    )
    link = url_for("onboarding.complete", token=onboarding_token(person, org), _external=True)
    with recipient_locale(person):
        queue_mail(
            person.email,
            gettext("Your Partner Portal account for %(org)s is ready", org=org.name),
            gettext(
                "Hello %(name)s,\n\nAt the request of %(partner)s, customer service created a Partner Portal "
                "account for %(org)s with ORGID %(orgid)s, and made you its first administrator.\n\nComplete the "
                "onboarding (choose your password and confirm the company details) here:\n%(link)s\n\nThe link "
                "works once. Then %(partner)s sends you its invitation link: open it and select Accept to connect.\n",
                name=person.name or person.email,
                partner=partner.name,
                org=org.name,
                orgid=org.orgid,
                link=link,
            ),
        )
    return stored_message(
        "The ORGID of %(name)s is %(orgid)s; %(email)s got an email to complete the onboarding. "
        "Send %(email)s your invitation link to connect.",
        name=org.name,
        orgid=org.orgid,
        email=person.email,
    )
