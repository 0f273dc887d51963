"""The API shows what a customer does not share with the partner as the pages do: never the data."""
from __future__ import annotations

import pytest

from partner_portal.demo.services import ensure_services
from partner_portal.extensions import db
from partner_portal.models import Tenancy

from ..api_factories import bearer, make_token
from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement
from ..notification_factories import make_notification


@pytest.fixture
def world():
    """A partner with two customers: Alpha shares everything, Beta only its licensing."""
    ensure_services()
    partner = make_partner("Northwind")
    user = make_admin(partner)
    alpha, beta = make_org("Alpha Health"), make_org("Beta Foods", tenancy=Tenancy.MULTI)
    make_admin(beta, make_user("contact@beta.example.org"))
    connect(partner, alpha)
    link = connect(partner, beta)
    link.share_notifications = False
    link.share_tickets = False
    make_entitlement(alpha, license_count=100, licenses_assigned=95)
    make_entitlement(beta, license_count=10, licenses_assigned=12)
    make_notification(beta)
    db.session.commit()
    return partner, user, alpha, beta, link


def test_the_list_nulls_what_is_not_shared_and_names_it(client, world):
    partner, user, _alpha, _beta, _link = world
    rows = {row["name"]: row for row in
            client.get("/api/v1/customers", headers=bearer(make_token(user, partner))).get_json()["customers"]}
    assert rows["Alpha Health"]["not_shared"] == [] and rows["Alpha Health"]["unread_notifications"] == 0
    beta = rows["Beta Foods"]
    assert beta["unread_notifications"] is None and beta["open_support_tickets"] is None
    assert beta["not_shared"] == ["Notifications", "Support-ticket counts"]
    assert beta["licenses_assigned"] == 12 and beta["health"] == "red"  # licensing is shared


def test_licensing_that_is_not_shared_is_refused_with_the_reason(client, world):
    partner, user, _alpha, beta, link = world
    token = bearer(make_token(user, partner))
    assert client.get(f"/api/v1/customers/{beta.orgid}/licensing", headers=token).status_code == 200
    link.share_licensing = False
    db.session.commit()
    answer = client.get(f"/api/v1/customers/{beta.orgid}/licensing", headers=token)
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert "not shared by the customer" in answer.get_json()["detail"]
    details = client.get(f"/api/v1/customers/{beta.orgid}", headers=token).get_json()
    assert details["licensing_shared"] is False and details["entitlements"] == [] and details["orders"] == []
    row = next(row for row in client.get("/api/v1/customers", headers=token).get_json()["customers"]
               if row["name"] == "Beta Foods")
    assert row["licenses_assigned"] is None and row["services"] is None
    assert "Licensing and usage summaries" in row["not_shared"]



def test_the_api_names_what_is_withheld_in_english_whatever_the_client_asks(client, world):
    partner, user, _alpha, _beta, _link = world
    headers = {**bearer(make_token(user, partner)), "Accept-Language": "de-DE,de;q=0.9"}
    rows = {row["name"]: row for row in client.get("/api/v1/customers", headers=headers).get_json()["customers"]}
    assert rows["Beta Foods"]["not_shared"] == ["Notifications", "Support-ticket counts"]
