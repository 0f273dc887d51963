"""The JSON API: bearer tokens only, the pages' rules (tenancy, permissions, view-only), problem+json
errors, per-token rate limits, and the same figures as the dashboard and licensing pages."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import Access, Administrator, Connection, Permission, Program, Tenancy, utcnow

from ..api_factories import bearer, make_token, stored
from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement, make_usage_days
from ..notification_factories import make_notification


@pytest.fixture
def world():
    """A partner with a full-access administrator and two connected customers with entitlements."""
    from partner_portal.demo.services import ensure_services

    ensure_services()
    partner = make_partner("Northwind")
    user = make_admin(partner)
    alpha, beta = make_org("Alpha Health"), make_org("Beta Foods", tenancy=Tenancy.MULTI)
    make_admin(alpha, make_user("contact@alpha.example.org"))
    connect(partner, alpha)
    connect(partner, beta)
    make_entitlement(alpha, license_count=100, licenses_assigned=95)
    make_entitlement(beta, license_count=10, licenses_assigned=12)
    return partner, user, alpha, beta


def test_a_full_access_token_lists_the_customers(client, world):
    partner, user, alpha, beta = world
    answer = client.get("/api/v1/customers", headers=bearer(make_token(user, partner)))
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    rows = answer.get_json()["customers"]
    assert [row["name"] for row in rows] == ["Alpha Health", "Beta Foods"]
    assert rows[0]["administrator_contact"] == "contact@alpha.example.org"
    assert rows[1]["licenses_assigned"] == 12 and rows[1]["health"] == "red"


@pytest.mark.parametrize("headers, detail", [
    ({}, "Send an API token"),
    ({"Authorization": "Bearer nonsense"}, "not a Partner Portal API token"),
    ({"Authorization": "Bearer ppt_" + "x" * 43}, "not valid"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "Send an API token"),
])
def test_without_a_valid_token_the_answer_is_a_401_problem(client, world, headers, detail):
    answer = client.get("/api/v1/customers", headers=headers)
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert detail in answer.get_json()["detail"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("state, detail", [("expired", "expired"), ("revoked", "revoked")])
def test_expired_and_revoked_tokens_are_refused(client, world, state, detail):
    partner, user, *_ = world
    secret = make_token(user, partner, **{state: True})
    answer = client.get("/api/v1/organization", headers=bearer(secret))
    assert answer.status_code == 401 and detail in answer.get_json()["detail"]


def test_a_token_stops_when_its_creator_stops_administering(client, world):
    partner, user, *_ = world
    secret = make_token(user, partner)
    db.session.delete(db.session.scalar(select(Administrator).where(Administrator.user_id == user.id)))
    answer = client.get("/api/v1/organization", headers=bearer(secret))
    assert answer.status_code == 401 and "no longer administers" in answer.get_json()["detail"]


def test_a_signed_in_browser_session_never_authenticates_the_api(client, login, world):
    partner, user, *_ = world
    login(user)
    assert client.get("/customers").status_code == 200
    assert client.get("/api/v1/customers").status_code == 401
    assert client.post("/api/v1/notifications/1/dismiss").status_code == 401


def test_writes_need_no_csrf_token(client, world):
    partner, user, alpha, _beta = world
    answer = client.delete(f"/api/v1/customers/{alpha.orgid}/connection", headers=bearer(make_token(user, partner)),
                           csrf=False)
    assert answer.status_code == 204
    assert db.session.scalar(select(Connection).where(Connection.customer_id == alpha.id)).ended_at is not None


def test_another_organizations_customer_is_a_404(client, world):
    partner, user, *_ = world
    rival = make_partner("Rival")
    theirs = make_org("Theirs")
    connect(rival, theirs)
    secret = make_token(user, partner)
    for path in (f"/api/v1/customers/{theirs.orgid}", f"/api/v1/customers/{theirs.orgid}/licensing"):
        answer = client.get(path, headers=bearer(secret))
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert client.delete(f"/api/v1/customers/{theirs.orgid}/connection", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/no-such-thing", headers=bearer(secret)).mimetype == "application/problem+json"


def test_a_token_holds_only_its_permissions(client, world):
    partner, user, alpha, _beta = world
    notes_only = make_token(user, partner, Access.CUSTOM, [Permission.NOTIFICATIONS])
    answer = client.get("/api/v1/customers", headers=bearer(notes_only))
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    dashboard = make_token(user, partner, Access.CUSTOM, [Permission.CUSTOMER_DASHBOARD])
    assert client.get("/api/v1/customers", headers=bearer(dashboard)).status_code == 200
    # Customer Dashboard (View Only) reads, but never removes a customer.
    removed = client.delete(f"/api/v1/customers/{alpha.orgid}/connection", headers=bearer(dashboard))
    assert removed.status_code == 403
    assert db.session.scalar(select(Connection).where(Connection.customer_id == alpha.id)).ended_at is None


def test_a_token_loses_what_its_creator_loses(client, world):
    partner, user, *_ = world
    secret = make_token(user, partner)
    role = db.session.scalar(select(Administrator).where(Administrator.user_id == user.id))
    role.access, role.permissions = Access.CUSTOM, frozenset({"notifications"})
    db.session.commit()
    assert client.get("/api/v1/customers", headers=bearer(secret)).status_code == 403
    assert client.get("/api/v1/organization", headers=bearer(secret)).get_json()["full_access"] is False


def test_a_customer_organization_has_no_dashboard(client, world):
    _partner, _user, alpha, _beta = world
    customer_admin = db.session.scalar(select(Administrator).where(Administrator.organization_id == alpha.id))
    secret = make_token(db.session.get(type(customer_admin).user.property.mapper.class_, customer_admin.user_id), alpha)
    assert client.get("/api/v1/customers", headers=bearer(secret)).status_code == 403
    connections = client.get("/api/v1/connections", headers=bearer(secret)).get_json()["connections"]
    assert [c["partner_name"] for c in connections] == ["Northwind"]


def test_use_is_recorded(client, world):
    partner, user, *_ = world
    secret = make_token(user, partner)
    assert stored(secret).last_used_at is None
    client.get("/api/v1/organization", headers=bearer(secret))
    db.session.expire_all()
    assert stored(secret).last_used_at is not None


def test_cursor_pagination_walks_the_filtered_list(client, world):
    partner, user, *_ = world
    for n in range(5):
        connect(partner, make_org(f"Gamma {n}"))
    secret, seen, cursor = make_token(user, partner), [], None
    while True:
        query = "/api/v1/customers?q=gamma&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(query, headers=bearer(secret)).get_json()
        assert page["total"] == 5
        seen += [row["name"] for row in page["customers"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Gamma {n}" for n in range(5)]


@pytest.mark.parametrize("query, field", [("tenancy=nope", "tenancy"), ("limit=0", "limit"), ("cursor=%%%", "cursor"),
                                          ("sort=secret", "sort")])
def test_bad_filters_are_422_with_the_field(client, world, query, field):
    partner, user, *_ = world
    answer = client.get(f"/api/v1/customers?{query}", headers=bearer(make_token(user, partner)))
    assert answer.status_code == 422 and field in answer.get_json()["errors"]


def test_count_and_ticket_counts(client, world):
    partner, user, *_ = world
    secret = make_token(user, partner)
    assert client.get("/api/v1/customers/count", headers=bearer(secret)).get_json() == {"connected": 2, "limit": 100}
    assert client.get("/api/v1/support-tickets/counts", headers=bearer(secret)).get_json()["open_total"] == 0


def test_customer_details_and_usage(client, world):
    partner, user, alpha, _beta = world
    entitlement = make_entitlement(alpha, license_count=50)
    today = date.today()
    make_usage_days(entitlement, today - timedelta(days=2), today, assigned=7)
    secret = make_token(user, partner)
    details = client.get(f"/api/v1/customers/{alpha.orgid}", headers=bearer(secret)).get_json()
    assert details["administrator_contact"] == "contact@alpha.example.org"
    assert entitlement.id in [e["id"] for e in details["entitlements"]]
    usage = client.get(f"/api/v1/customers/{alpha.orgid}/entitlements/{entitlement.id}/usage", headers=bearer(secret))
    assert usage.status_code == 200
    assert [d["assigned"] for d in usage.get_json()["days"]] == [7, 7, 7]
    assert [d["day"] for d in usage.get_json()["days"]] == [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]


def test_notifications_filter_and_dismiss(client, world):
    partner, user, alpha, beta = world
    note = make_notification(alpha, "Alpha's")
    make_notification(beta, "Beta's")
    secret = make_token(user, partner)
    listed = client.get(f"/api/v1/notifications?customer={alpha.orgid}", headers=bearer(secret)).get_json()
    assert [n["title"] for n in listed["notifications"]] == ["Alpha's"]
    assert client.post(f"/api/v1/notifications/{note.id}/dismiss", headers=bearer(secret)).status_code == 204
    listed = client.get(f"/api/v1/notifications?customer={alpha.orgid}", headers=bearer(secret)).get_json()
    assert listed["notifications"] == []
    refused = client.get("/api/v1/notifications?customer=999", headers=bearer(secret))
    assert refused.status_code == 422 and "customer" in refused.get_json()["errors"]


def test_invitation_link_needs_full_access(client, world):
    partner, user, *_ = world
    partner.invitation_token = "tok-" + "a" * 20
    full = client.get("/api/v1/invitation-link", headers=bearer(make_token(user, partner))).get_json()
    assert full["link"].endswith("/invitations/tok-" + "a" * 20)
    viewer = make_token(user, partner, Access.CUSTOM, [Permission.CUSTOMER_DASHBOARD])
    assert client.get("/api/v1/invitation-link", headers=bearer(viewer)).status_code == 403


def test_allocating_follows_the_allocation_rules(client, world):
    partner, user, alpha, _beta = world
    secret = make_token(user, partner)
    refused = client.post("/api/v1/allocations", json={"account": alpha.orgid, "product": "daas-user", "quantity": 1},
                          headers=bearer(secret))
    assert refused.status_code == 422 and "account" in refused.get_json()["errors"]
    missing = client.post("/api/v1/allocations", json={"account": partner.orgid}, headers=bearer(secret))
    assert missing.status_code == 422 and {"product", "quantity"} <= set(missing.get_json()["errors"])
    assert client.post("/api/v1/allocations", data="x", headers=bearer(secret)).status_code == 415


def test_the_rate_limit_counts_per_token(client, world, app, monkeypatch):
    partner, user, *_ = world
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    first, second = make_token(user, partner), make_token(user, partner)
    answers = [client.get("/api/v1/organization", headers=bearer(first)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get("/api/v1/organization", headers=bearer(second)).status_code == 200


def test_parity_with_the_dashboard_and_licensing_pages(client, login, world):
    """For each customer, the API's figures are the ones the pages print."""
    partner, user, alpha, beta = world
    secret = make_token(user, partner)
    rows = client.get("/api/v1/customers", headers=bearer(secret)).get_json()["customers"]
    login(user)
    export = client.get("/customers/export.csv").get_data(as_text=True).splitlines()[1:]
    for row, line in zip(rows, export, strict=True):
        cells = line.split(",")
        assert cells[1] == row["orgid"]
        assert (int(cells[6]), int(cells[7])) == (row["licenses_purchased"], row["licenses_assigned"])
        assert (int(cells[10]), int(cells[11])) == (row["unread_notifications"], row["open_support_tickets"])
    for customer in (alpha, beta):
        api = client.get(f"/api/v1/customers/{customer.orgid}/licensing", headers=bearer(secret)).get_json()
        page = client.get(f"/customers/{customer.orgid}/licensing/export.csv").get_data(as_text=True)
        lines = page.splitlines()[1:]
        assert len(lines) == len(api["services"])
        for service, line in zip(api["services"], lines):
            cells = line.split(",")
            assert cells[0] == service["service"]
            assert [int(c) for c in (cells[2], cells[3], cells[5], cells[6])] == [
                service["purchased"], service["assigned"], service["remaining"], service["overage"]]


def test_support_requests_are_sent_with_the_pages_checks(client, world):
    partner, user, alpha, _beta = world
    secret = make_token(user, partner)
    sent = client.post("/api/v1/support-requests", json={"issue_type": "general", "details": "How do I add seats?"},
                       headers=bearer(secret))
    assert sent.status_code == 201 and sent.get_json()["status"] == "open"
    listed = client.get("/api/v1/support-requests", headers=bearer(secret)).get_json()["support_requests"]
    assert [r["id"] for r in listed] == [sent.get_json()["id"]]
    empty = client.post("/api/v1/support-requests", json={"issue_type": "general"}, headers=bearer(secret))
    assert empty.status_code == 422 and "details" in empty.get_json()["errors"]
    unknown = client.post("/api/v1/support-requests", json={"issue_type": "nope"}, headers=bearer(secret))
    assert unknown.status_code == 422 and "issue_type" in unknown.get_json()["errors"]
    orgid = client.post("/api/v1/support-requests", json={"issue_type": "orgid-creation", "company": "Acme"},
                        headers=bearer(secret))
    assert orgid.status_code == 422 and {"contact_name", "contact_email", "country"} <= set(orgid.get_json()["errors"])
    stranger = make_org("Stranger")
    elsewhere = client.post("/api/v1/support-requests", headers=bearer(secret), json={
        "issue_type": "license-allocation", "customer": stranger.orgid, "product": "daas-user", "quantity": 5})
    assert elsewhere.status_code == 404


def test_the_invitation_link_is_created_once(client, world):
    partner, user, *_ = world
    partner.invitation_token = None
    secret = make_token(user, partner)
    assert client.get("/api/v1/invitation-link", headers=bearer(secret)).get_json() == {"link": None}
    first = client.post("/api/v1/invitation-link", headers=bearer(secret)).get_json()["link"]
    assert first and client.post("/api/v1/invitation-link", headers=bearer(secret)).get_json()["link"] == first


def test_over_the_limit_is_a_problem_too(client, world, app, monkeypatch):
    partner, user, *_ = world
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1 per minute")
    secret = make_token(user, partner)
    client.get("/api/v1/organization", headers=bearer(secret))
    answer = client.get("/api/v1/organization", headers=bearer(secret))
    assert answer.status_code == 429 and answer.mimetype == "application/problem+json"
    assert "Retry-After" in answer.headers


def test_api_answers_set_no_cookie(client, world):
    partner, user, *_ = world
    answer = client.get("/api/v1/customers", headers=bearer(make_token(user, partner)))
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers


@pytest.mark.parametrize("path, body", [
    ("/api/v1/allocations", {"account": "1\x00", "product": "daas-user", "quantity": 1}),
    ("/api/v1/support-requests", {"issue_type": "general", "details": ["x\x00"]}),
    ("/api/v1/webhooks", {"url\x00": "https://example.org/", "events": ["connection.created"]}),
])
def test_a_nul_anywhere_in_json_is_a_400(client, world, path, body):
    partner, user, *_ = world
    answer = client.post(path, json=body, headers=bearer(make_token(user, partner)))
    assert answer.status_code == 400 and "NUL" in answer.get_json()["detail"]
