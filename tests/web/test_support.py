"""Partner Support Center: the request form per issue type, bad input, the partner's list and a
request's history, isolation between partners."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, ActivityEntry, IssueType, Permission, RequestStatus, SupportRequest, Tenancy, utcnow,
)
from partner_portal.support.services import answer_due

from ..allocation_factories import make_request
from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_service

ORGID_FIELDS = {"type": "orgid-creation", "company": "Contoso Clinics", "contact_name": "Ann Lee",
                "contact_email": "ann@contoso.example", "country": "Norway", "details": "New customer."}


def _requests(partner) -> list[SupportRequest]:
    return list(db.session.scalars(select(SupportRequest).where(SupportRequest.partner_id == partner.id)))


@pytest.fixture
def partner_setup(client, login):
    """A signed-in full-access partner administrator with a connected single-tenant and a
    connected multi-tenant customer."""
    partner = make_partner("Northwind", primary=True)
    user = make_admin(partner)
    single = make_org("Fabrikam Single")
    multi = make_org("Contoso Multi", tenancy=Tenancy.MULTI)
    connect(partner, single)
    connect(partner, multi)
    for code in ("daas-user", "secure-private-access", "gateway"):
        make_service(code)
    login(user)
    return partner, user, single, multi


# --- the form -------------------------------------------------------------------------------------


def test_the_issue_type_list(client, partner_setup):
    page = client.get("/support/new").get_data(as_text=True)
    for label in ("OrgID creation for single-tenant customer", "License allocation for single-tenant customer",
                  "General question"):
        assert label in page
    assert 'id="request-form"' in page and "<form class=\"panel form\" method=\"post\"" not in page


@pytest.mark.parametrize("issue_type, fields, absent", [
    ("orgid-creation", ["Company name", "Contact name", "Business email", "Country", "Details"], ["Quantity"]),
    ("license-allocation", ["Customer", "Product", "Quantity", "Details"], ["Business email"]),
    ("general", ["Details"], ["Business email", "Quantity"]),
])
def test_the_fields_fit_the_type(client, partner_setup, issue_type, fields, absent):
    fragment = client.get(f"/support/new?type={issue_type}", headers=htmx_headers(**{"HX-Target": "request-form"}))
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="request-form"')
    for label in fields:
        assert f">{label}</label>" in body
    for label in absent:
        assert f">{label}</label>" not in body


def test_the_allocation_request_lists_only_connected_single_tenant_customers(client, partner_setup):
    partner, user, single, multi = partner_setup
    make_org("Stranger Single")
    page = client.get("/support/new?type=license-allocation").get_data(as_text=True)
    assert "Fabrikam Single" in page and "Contoso Multi" not in page and "Stranger" not in page
    assert "Gateway" not in page  # bandwidth is not counted in licenses


def test_history_restore_of_the_form_gets_the_full_page(client, partner_setup):
    response = client.get("/support/new?type=general", headers=htmx_headers(
        **{"HX-History-Restore-Request": "true", "HX-Target": "request-form"}))
    assert "<html" in response.get_data(as_text=True)


def test_submitting_an_orgid_request(client, partner_setup):
    partner, user, *_ = partner_setup
    response = client.post("/support/new", data=ORGID_FIELDS)
    (request,) = _requests(partner)
    assert response.status_code == 303 and response.headers["Location"] == f"/support/{request.id}"
    assert (request.issue_type, request.status, request.company, request.contact_email, request.country,
            request.submitted_by_id) == (IssueType.ORGID_CREATION, RequestStatus.OPEN, "Contoso Clinics",
                                         "ann@contoso.example", "Norway", user.id)
    (entry,) = db.session.scalars(select(ActivityEntry).where(ActivityEntry.organization_id == partner.id))
    assert entry.action == "submitted" and "Contoso Clinics" in entry.summary and entry.actor_label == user.email
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Request #" in detail and "Open" in detail and "Customer service answers by" in detail
    assert "within five business days" in detail


def test_submitting_with_htmx_navigates_to_the_request(client, partner_setup):
    partner, *_ = partner_setup
    response = client.post("/support/new", data=ORGID_FIELDS, headers=htmx_headers(**{"HX-Target": "request-form"}))
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/support/{_requests(partner)[0].id}"


def test_submitting_a_license_allocation_and_a_general_request(client, partner_setup):
    partner, user, single, multi = partner_setup
    assert client.post("/support/new", data={"type": "license-allocation", "customer": single.orgid,
                                              "product": "daas-user", "quantity": "25"}).status_code == 303
    assert client.post("/support/new", data={"type": "general", "details": "How do tags work?"}).status_code == 303
    allocation, general = sorted(_requests(partner), key=lambda r: r.id)
    assert (allocation.customer_id, allocation.service_code, allocation.quantity) == (single.id, "daas-user", 25)
    assert general.details == "How do tags work?"


@pytest.mark.parametrize("fields, message", [
    ({**ORGID_FIELDS, "company": ""}, "Enter the customer&#39;s company name."),
    ({**ORGID_FIELDS, "contact_email": "not-an-email"}, "Enter a valid email address."),
    ({**ORGID_FIELDS, "country": "x" * 61}, "Use at most 60 characters."),
    ({**ORGID_FIELDS, "contact_name": ""}, "Enter the name of the customer&#39;s contact."),
    ({"type": "general", "details": "  "}, "Describe what you need."),
    ({"type": "license-allocation", "customer": "", "product": "daas-user", "quantity": "5"}, "Choose the customer."),
    ({"type": "license-allocation", "customer": "{multi}", "product": "daas-user", "quantity": "5"},
     "Customer service allocates licenses to single-tenant customers."),
    ({"type": "license-allocation", "customer": "{single}", "product": "gateway", "quantity": "5"},
     "Choose a licensed product from the list."),
    ({"type": "license-allocation", "customer": "{single}", "product": "nonsense", "quantity": "5"},
     "Choose a licensed product from the list."),
    ({"type": "license-allocation", "customer": "{single}", "product": "daas-user", "quantity": "0"},
     "Enter a whole number of licenses from 1 to 1,000,000."),
    ({"type": "license-allocation", "customer": "{single}", "product": "daas-user", "quantity": "-4"},
     "Enter a whole number of licenses from 1 to 1,000,000."),
    ({"type": "license-allocation", "customer": "{single}", "product": "daas-user", "quantity": "2.5"},
     "Enter a whole number of licenses, such as 25."),
    ({"type": "license-allocation", "customer": "{single}", "product": "daas-user", "quantity": "lots"},
     "Enter a whole number of licenses, such as 25."),
    ({"type": "license-allocation", "customer": "{single}", "product": "daas-user", "quantity": "1000001"},
     "Enter a whole number of licenses from 1 to 1,000,000."),
    ({"type": "bogus", "details": "Hello"}, "Choose an issue type from the list."),
    ({"details": "Hello"}, "Choose an issue type from the list."),
])
def test_bad_input_gets_422_and_writes_nothing(client, partner_setup, fields, message):
    partner, user, single, multi = partner_setup
    fields = {key: value.format(single=single.orgid, multi=multi.orgid) for key, value in fields.items()}
    response = client.post("/support/new", data=fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _requests(partner) == []
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == 0


def test_an_email_that_already_has_an_account_is_refused(client, partner_setup):
    partner, *_ = partner_setup
    make_user("Ann@Contoso.example")
    response = client.post("/support/new", data=ORGID_FIELDS)
    assert response.status_code == 422 and "An account already uses this business email" in response.get_data(as_text=True)
    assert _requests(partner) == []


def test_a_second_open_request_for_the_same_email_is_refused(client, partner_setup):
    partner, *_ = partner_setup
    assert client.post("/support/new", data=ORGID_FIELDS).status_code == 303
    again = client.post("/support/new", data={**ORGID_FIELDS, "contact_email": "ANN@contoso.example"})
    assert again.status_code == 422 and "is still open" in again.get_data(as_text=True)
    assert len(_requests(partner)) == 1


def test_another_partners_customer_is_a_404(client, partner_setup):
    partner, *_ = partner_setup
    rival = make_partner("Rival")
    theirs = make_org("Theirs")
    connect(rival, theirs)
    response = client.post("/support/new", data={"type": "license-allocation", "customer": theirs.orgid,
                                                  "product": "daas-user", "quantity": "5"})
    assert response.status_code == 404 and _requests(partner) == []


def test_submitting_needs_csrf(client, partner_setup):
    partner, *_ = partner_setup
    assert client.post("/support/new", data=ORGID_FIELDS, csrf=False).status_code == 400
    assert _requests(partner) == []


# --- who may use it, and isolation -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/support", "/support/new"])
def test_closed_to_customers_and_custom_access_partner_administrators(client, login, path):
    login(make_admin(make_org("Plain Customer")))
    assert client.get(path).status_code == 403
    client.post("/sign-out")
    login(make_admin(make_partner("Northwind"), access=Access.CUSTOM, permissions=list(Permission)))
    assert client.get(path).status_code == 403


def test_a_partner_never_sees_another_partners_requests(client, partner_setup):
    partner, *_ = partner_setup
    rival = make_partner("Rival")
    theirs = make_request(rival, company="Rival Secret Clinic")
    mine = make_request(partner, company="Our Clinic")
    page = client.get("/support").get_data(as_text=True)
    assert "Our Clinic" in page and "Rival Secret Clinic" not in page
    assert client.get(f"/support/{theirs.id}").status_code == 404
    assert client.get(f"/support/{mine.id}").status_code == 200


def test_the_list_shows_status_and_what_comes_next(client, partner_setup):
    partner, user, single, multi = partner_setup
    make_request(partner, company="Open Clinic")
    created = make_org("Created Clinic")
    resolved = make_request(partner, company="Created Clinic", status=RequestStatus.RESOLVED, customer_id=created.id)
    resolved.resolved_at = utcnow()
    db.session.flush()
    page = client.get("/support").get_data(as_text=True)
    assert "answer by" in page and f"ORGID {created.orgid}: not connected yet" in page
    detail = client.get(f"/support/{resolved.id}").get_data(as_text=True)
    assert "Next: send your" in detail and "invitation link" in detail
    connect(partner, created)
    page = client.get("/support").get_data(as_text=True)
    assert "not connected yet" not in page and "connected " in page
    assert "accepted your invitation: connected" in client.get(f"/support/{resolved.id}").get_data(as_text=True)


def test_the_invite_panel_points_to_the_support_center(client, partner_setup):
    page = client.get("/customers/invite").get_data(as_text=True)
    assert "/support/new?type=orgid-creation" in page


@pytest.mark.parametrize("submitted, due", [
    (date(2026, 3, 2), date(2026, 3, 9)),    # Monday -> next Monday
    (date(2026, 3, 6), date(2026, 3, 13)),   # Friday -> next Friday
    (date(2026, 3, 7), date(2026, 3, 13)),   # Saturday -> Friday
    (date(2026, 3, 8), date(2026, 3, 13)),   # Sunday -> Friday
])
def test_answers_are_due_in_five_business_days(submitted, due):
    assert answer_due(submitted) == due
