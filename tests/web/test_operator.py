"""The operator console: closed to everyone but operators; resolving and declining support
requests (once); completing and failing allocations; partner-program memberships."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from partner_portal import jobs
from partner_portal.extensions import db
from partner_portal.models import (
    Access, ActivityEntry, Administrator, Allocation, AllocationStatus, IssueType, MembershipStatus, Notification,
    Organization, OutgoingMail, Program, ProgramMembership, RequestStatus, SupportRequest, Tenancy, User,
)

from ..allocation_factories import make_allocation, make_order, make_request
from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_service


@pytest.fixture
def operator(client, login):
    """A signed-in customer-service operator who administers no organization."""
    user = make_user("operator@example.org", operator=True)
    login(user)
    return user


@pytest.fixture
def held(monkeypatch):
    """Jobs enqueued during the test, kept instead of run (so emails keep their bodies)."""
    enqueued = []
    monkeypatch.setattr(jobs, "enqueue", enqueued.append)
    return enqueued


def _log(org) -> list[tuple[str, str, str]]:
    return [(e.kind.value, e.action, e.actor_label) for e in db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.organization_id == org.id).order_by(ActivityEntry.id))]


OPERATOR_ROUTES = [
    ("GET", "/operator"), ("GET", "/operator/requests/{request}"), ("POST", "/operator/requests/{request}/resolve"),
    ("POST", "/operator/requests/{request}/decline"), ("GET", "/operator/allocations"),
    ("POST", "/operator/allocations/{allocation}/complete"), ("POST", "/operator/allocations/{allocation}/fail"),
    ("GET", "/operator/memberships"), ("POST", "/operator/memberships/{org}"), ("GET", "/operator/imports"),
    ("POST", "/operator/imports"), ("GET", "/operator/imports/1"),
]


@pytest.mark.parametrize("method, path", OPERATOR_ROUTES)
def test_operator_pages_are_closed_to_everyone_else(client, login, method, path):
    partner = make_partner("Northwind", primary=True)
    request = make_request(partner)
    allocation = make_allocation(partner, 5)
    path = path.format(request=request.id, allocation=allocation.id, org=partner.id)
    data = {"note": "x", "reason": "x", "program": "service-provider", "status": "active"}
    send = (lambda: client.get(path)) if method == "GET" else (lambda: client.post(path, data=data))
    assert send().status_code == 303  # signed out: to Sign in
    login(make_admin(partner))  # a partner's full-access administrator
    assert send().status_code == 403
    client.post("/sign-out")
    login(make_admin(make_org("Customer")))
    assert send().status_code == 403
    db.session.expire_all()
    assert db.session.get(SupportRequest, request.id).status is RequestStatus.OPEN
    assert db.session.get(Allocation, allocation.id).status is AllocationStatus.PROCESSING
    assert db.session.scalar(select(func.count()).select_from(ProgramMembership).where(
        ProgramMembership.organization_id == partner.id)) == 1


def test_an_operator_lands_on_the_console(client, operator):
    response = client.get("/")
    assert response.status_code == 303 and response.headers["Location"] == "/operator"
    page = client.get("/operator").get_data(as_text=True)
    assert "Operator console" in page and "Support queue" in page and "Sign out" in page
    assert "This is a customer account" not in page
    assert client.get("/account/settings").status_code == 403  # no organization of their own
    assert client.get("/customers").status_code == 403


@pytest.mark.parametrize("path", ["/operator/requests/999999", "/operator/allocations/999999/complete",
                                  "/operator/memberships/999999", "/operator/imports/999999"])
def test_unknown_ids_are_404(client, operator, path):
    response = client.get(path) if path.startswith("/operator/imports") or path.startswith("/operator/requests") \
        else client.post(path, data={"program": "service-provider", "status": "active"})
    assert response.status_code == 404


# --- the support queue ------------------------------------------------------------------------------


def test_the_queue_lists_open_requests_of_every_partner_oldest_first(client, operator):
    first, second = make_partner("Northwind"), make_partner("Bluewave")
    make_request(first, company="First Clinic")
    make_request(second, IssueType.GENERAL, details="A question")
    done = make_request(first, company="Done Clinic", status=RequestStatus.DECLINED)
    page = client.get("/operator").get_data(as_text=True)
    assert page.index("First Clinic") < page.index("A question") and "Done Clinic" not in page
    assert "Done Clinic" in client.get("/operator?status=declined").get_data(as_text=True)
    assert done.id


@pytest.fixture
def orgid_request():
    """An open OrgID creation request of a partner."""
    partner = make_partner("Northwind")
    return make_request(partner, company="Contoso Clinics", contact_name="Ann Lee",
                        contact_email="ann@contoso.example", country="Norway")


def test_resolving_an_orgid_request_creates_the_customer_and_its_administrator(client, operator, orgid_request,
                                                                              held):
    partner_id = orgid_request.partner_id
    response = client.post(f"/operator/requests/{orgid_request.id}/resolve", data={"note": "Welcome aboard."})
    assert response.status_code == 303
    db.session.expire_all()
    request = db.session.get(SupportRequest, orgid_request.id)
    org = db.session.get(Organization, request.customer_id)
    person = db.session.scalar(select(User).where(User.email == "ann@contoso.example"))
    assert request.status is RequestStatus.RESOLVED and request.resolved_by_id == operator.id
    assert (org.name, org.tenancy, org.country) == ("Contoso Clinics", Tenancy.SINGLE, "Norway")
    assert re.fullmatch(r"\d{10}", org.orgid)
    assert person.password_hash is None and person.name == "Ann Lee"
    admin = db.session.scalar(select(Administrator).where(Administrator.user_id == person.id))
    assert admin.organization_id == org.id and admin.access is Access.FULL and not admin.is_via_partner
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == person.email))
    assert "/onboarding/" in mail.body and org.orgid in mail.body and "Northwind" in mail.body
    note = db.session.scalar(select(Notification).where(Notification.organization_id == partner_id))
    assert org.orgid in note.body and "Welcome aboard." in note.body
    assert ("support-request", "resolved", "Customer service") in _log(db.session.get(Organization, partner_id))
    assert _log(org) == [("support-request", "created", "Customer service")]


def test_a_second_resolution_is_refused_and_changes_nothing(client, operator, orgid_request, held):
    assert client.post(f"/operator/requests/{orgid_request.id}/resolve").status_code == 303
    organizations = db.session.scalar(select(func.count()).select_from(Organization))
    again = client.post(f"/operator/requests/{orgid_request.id}/resolve", headers=htmx_headers())
    assert again.status_code == 409
    assert "already resolved" in again.get_data(as_text=True) and "can&#39;t be answered twice" in again.get_data(as_text=True)
    declined = client.post(f"/operator/requests/{orgid_request.id}/decline", data={"reason": "Too late"})
    assert declined.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Organization)) == organizations
    assert db.session.get(SupportRequest, orgid_request.id).status is RequestStatus.RESOLVED


def test_resolving_when_the_email_got_an_account_meanwhile_is_refused(client, operator, orgid_request, held):
    make_user("ANN@contoso.example")
    organizations = db.session.scalar(select(func.count()).select_from(Organization))
    response = client.post(f"/operator/requests/{orgid_request.id}/resolve")
    assert response.status_code == 409 and "An account already uses this business email" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Organization)) == organizations
    assert db.session.get(SupportRequest, orgid_request.id).is_open
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_resolving_with_htmx_answers_the_updated_panel(client, operator, orgid_request, held):
    response = client.post(f"/operator/requests/{orgid_request.id}/resolve", headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="request-panel"')
    assert "is resolved; the partner was told" in body and "Resolved" in body and "<form" not in body


def test_the_request_page_offers_what_resolving_does(client, operator, orgid_request):
    page = client.get(f"/operator/requests/{orgid_request.id}").get_data(as_text=True)
    assert "Create the ORGID and its administrator" in page and "Decline" in page and "ann@" in page


def test_resolving_a_license_allocation_records_it_for_the_single_tenant_customer(client, login, operator):
    partner = make_partner("Northwind", primary=True)
    customer = make_org("Fabrikam")
    connect(partner, customer)
    make_service("secure-private-access")
    request = make_request(partner, IssueType.LICENSE_ALLOCATION, customer_id=customer.id,
                           service_code="secure-private-access", quantity=50)
    assert client.post(f"/operator/requests/{request.id}/resolve").status_code == 303
    (allocation,) = db.session.scalars(select(Allocation))
    assert (allocation.partner_id, allocation.account_id, allocation.quantity, allocation.status,
            allocation.support_request_id) == (partner.id, customer.id, 50, AllocationStatus.COMPLETED, request.id)
    assert ("allocation", "completed", "Customer service") in _log(partner)
    assert _log(customer) == [("allocation", "completed", "Customer service")]
    client.post("/sign-out")
    login(make_admin(partner))
    page = client.get("/licenses").get_data(as_text=True)
    assert f"by customer service (request #{request.id})" in page


def test_a_general_question_needs_an_answer(client, operator):
    request = make_request(make_partner("Northwind"), IssueType.GENERAL, details="How?")
    response = client.post(f"/operator/requests/{request.id}/resolve", data={"note": "  "})
    assert response.status_code == 422 and "Write the answer" in response.get_data(as_text=True)
    assert client.post(f"/operator/requests/{request.id}/resolve", data={"note": "Like this."}).status_code == 303
    db.session.expire_all()
    assert db.session.get(SupportRequest, request.id).resolution_note == "Like this."


def test_declining_needs_a_reason_and_tells_the_partner(client, operator, orgid_request):
    response = client.post(f"/operator/requests/{orgid_request.id}/decline", data={"reason": ""})
    assert response.status_code == 422 and "Give the reason the partner sees." in response.get_data(as_text=True)
    assert client.post(f"/operator/requests/{orgid_request.id}/decline",
                       data={"reason": "Duplicate of #1."}).status_code == 303
    db.session.expire_all()
    request = db.session.get(SupportRequest, orgid_request.id)
    assert request.status is RequestStatus.DECLINED and request.resolution_note == "Duplicate of #1."
    note = db.session.scalar(select(Notification).where(Notification.organization_id == request.partner_id))
    assert "Duplicate of #1." in note.body


def test_operator_posts_need_csrf(client, operator, orgid_request):
    assert client.post(f"/operator/requests/{orgid_request.id}/resolve", csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(SupportRequest, orgid_request.id).is_open


# --- allocations ---------------------------------------------------------------------------------------


@pytest.fixture
def processing():
    """A processing allocation of 30 of a partner's 50 licenses."""
    partner = make_partner("Northwind", primary=True)
    make_order(partner, 50)
    return make_allocation(partner, 30)


def test_completing_an_allocation(client, operator, processing):
    page = client.get("/operator/allocations").get_data(as_text=True)
    assert "Northwind" in page and "Processing" in page and "Complete" in page
    response = client.post(f"/operator/allocations/{processing.id}/complete", headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<tr id="allocation-row-{processing.id}"')
    assert "Completed" in body and "<form" not in body
    db.session.expire_all()
    assert db.session.get(Allocation, processing.id).status is AllocationStatus.COMPLETED
    assert ("allocation", "completed", "Customer service") in _log(db.session.get(Organization, processing.partner_id))
    again = client.post(f"/operator/allocations/{processing.id}/fail", data={"reason": "Oops"})
    assert again.status_code == 409 and "already completed" in again.get_data(as_text=True)


def test_failing_an_allocation_needs_a_reason_and_gives_the_quantity_back(client, login, operator, processing):
    response = client.post(f"/operator/allocations/{processing.id}/fail", data={"reason": ""},
                           headers=htmx_headers())
    assert response.status_code == 422 and "Give the reason the partner sees." in response.get_data(as_text=True)
    assert client.post(f"/operator/allocations/{processing.id}/fail",
                       data={"reason": "No matching order line."}).status_code == 303
    db.session.expire_all()
    allocation = db.session.get(Allocation, processing.id)
    assert allocation.status is AllocationStatus.FAILED and allocation.failure_reason == "No matching order line."
    note = db.session.scalar(select(Notification).where(Notification.organization_id == allocation.partner_id))
    assert "No matching order line." in note.body and "customer service" in note.body
    client.post("/sign-out")
    login(make_admin(db.session.get(Organization, allocation.partner_id)))
    row = client.get("/licenses").get_data(as_text=True).split('id="product-daas-user"')[1].split("</tr>")[0]
    assert "<strong>50</strong>" in row


def test_the_command_completes_processing_allocations(app, processing):
    other = make_allocation(make_partner("Bluewave", primary=True), 3)
    done = make_allocation(make_partner("Contoso", primary=True), 4, status=AllocationStatus.FAILED)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["allocations", "complete"])
    assert result.exit_code == 0 and f"Completed 2 allocations: {processing.id}, {other.id}." in result.output
    db.session.expire_all()
    assert db.session.get(Allocation, done.id).status is AllocationStatus.FAILED
    assert ("allocation", "completed", "Command line") in _log(db.session.get(Organization, processing.partner_id))
    again = app.test_cli_runner().invoke(args=["allocations", "complete", str(processing.id)])
    assert "Completed 0 allocations." in again.output and f"Not processing (left as they are): {processing.id}" in again.output


def test_the_command_fails_an_allocation_with_a_reason(app, processing):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["allocations", "fail", str(processing.id), "--reason", "Bad order"])
    assert result.exit_code == 0
    twice = app.test_cli_runner().invoke(args=["allocations", "fail", str(processing.id), "--reason", "Again"])
    assert twice.exit_code == 1 and "already failed" in twice.output
    db.session.expire_all()
    assert db.session.get(Allocation, processing.id).failure_reason == "Bad order"


# --- memberships -----------------------------------------------------------------------------------------


def test_finding_an_organization_and_its_memberships(client, operator):
    partner = make_partner("Northwind Cloud", programs=[Program.SOLUTION_ADVISOR])
    make_org("Elsewhere")
    by_name = client.get("/operator/memberships?q=northwind", headers=htmx_headers(**{"HX-Target": "results"}))
    body = by_name.get_data(as_text=True)
    assert by_name.status_code == 200 and body.lstrip().startswith('<section id="results"')
    assert "Northwind Cloud" in body and "Elsewhere" not in body and "Not a member" in body
    assert "Northwind Cloud" in client.get(f"/operator/memberships?q={partner.orgid}").get_data(as_text=True)
    assert "No organization has" in client.get("/operator/memberships?q=%25").get_data(as_text=True)


def test_granting_and_lapsing_a_membership_adds_and_removes_partner_access(client, login, operator):
    org = make_org("Contoso")
    admin = make_admin(org)
    response = client.post(f"/operator/memberships/{org.id}", data={"program": "service-provider", "status": "active"},
                           headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<tr id="org-{org.id}"')
    assert "Service Provider membership of Contoso is active." in body
    db.session.expire_all()
    assert db.session.get(Organization, org.id).invitation_token  # a partner gets its invitation link
    client.post("/sign-out")
    login(admin)
    assert client.get("/customers").status_code == 200
    client.post("/sign-out")
    login(operator)
    assert client.post(f"/operator/memberships/{org.id}",
                       data={"program": "service-provider", "status": "lapsed"}).status_code == 303
    assert [(action, actor) for _, action, actor in _log(org)] == [("granted", "Customer service"),
                                                                    ("lapsed", "Customer service")]
    client.post("/sign-out")
    login(admin)
    lapsed = client.get("/customers")
    assert lapsed.status_code == 403 and "partner accounts only" in lapsed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(ProgramMembership.status).where(
        ProgramMembership.organization_id == org.id)) is MembershipStatus.LAPSED


@pytest.mark.parametrize("data", [{"program": "platinum", "status": "active"},
                                  {"program": "service-provider", "status": "maybe"}, {}])
def test_a_bad_membership_change_is_422(client, operator, data):
    org = make_org("Contoso")
    assert client.post(f"/operator/memberships/{org.id}", data=data).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ProgramMembership)) == 0
