"""Operator tokens (customer service administers no organization) and the operator routes of the
API: usage imports with the console's checks and all-or-nothing judgement, and program memberships."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import ApiToken, MembershipStatus, Program, ProgramMembership, UsageDay

from ..api_factories import bearer, make_token
from ..factories import make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement, make_service
from .test_usage_upload import _csv


@pytest.fixture
def operator_token(client, login):
    """An operator's token, created on the API tokens page."""
    user = make_user("operator@example.org", operator=True)
    login(user)
    page = client.post("/account/api-tokens", data={"name": "imports", "expires": "30"})
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    client.post("/sign-out")
    return re.search(r"data-new-token>([^<]+)<", page.get_data(as_text=True)).group(1)


@pytest.fixture
def customer():
    for code in ("daas-user", "gateway"):
        make_service(code)
    org = make_org("Customer")
    make_entitlement(org, "daas-user")
    return org


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(UsageDay))


def test_an_operator_token_has_no_organization(operator_token):
    token = db.session.scalar(select(ApiToken))
    assert token.for_operator and token.organization_id is None


def test_a_good_file_is_imported(client, operator_token, customer, app):
    body = _csv(f"{customer.orgid},daas-user,2025-06-01,40,40,12,35", f"{customer.orgid},daas-user,2025-06-02,44,4,15,38")
    answer = client.post("/api/v1/operator/usage-imports?filename=june.csv", data=body, content_type="text/csv",
                         headers=bearer(operator_token))
    assert answer.status_code == 202
    report = client.get(answer.headers["Location"], headers=bearer(operator_token)).get_json()
    assert report["status"] == "imported" and report["rows_imported"] == 2 and report["filename"] == "june.csv"
    assert _rows() == 2
    assert list((Path(app.instance_path) / "uploads").glob("*.csv")) == []


def test_a_bad_row_imports_nothing(client, operator_token, customer):
    body = _csv(f"{customer.orgid},daas-user,2025-06-01,40,40,12,35", f"{customer.orgid},daas-user,2025-06-02,4x,4,15,38")
    answer = client.post("/api/v1/operator/usage-imports", data=body, content_type="text/csv",
                         headers=bearer(operator_token))
    report = client.get(answer.headers["Location"], headers=bearer(operator_token)).get_json()
    assert report["status"] == "refused" and _rows() == 0
    assert report["rejected"] == ["line 3: licenses_assigned must be a whole number, got '4x'"]
    partial = client.post("/api/v1/operator/usage-imports?partial=true", data=body, content_type="text/csv",
                          headers=bearer(operator_token))
    assert client.get(partial.headers["Location"], headers=bearer(operator_token)).get_json()["rows_imported"] == 1


def test_the_body_must_be_csv_and_within_the_limit(client, operator_token, app, monkeypatch):
    assert client.post("/api/v1/operator/usage-imports", json={}, headers=bearer(operator_token)).status_code == 415
    monkeypatch.setitem(app.config, "USAGE_UPLOAD_MAX_BYTES", 10)
    big = client.post("/api/v1/operator/usage-imports", data=b"x" * 100, content_type="text/csv",
                      headers=bearer(operator_token))
    assert big.status_code == 413 and big.mimetype == "application/problem+json"
    folder = Path(app.instance_path) / "uploads"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_memberships_are_granted_and_lapsed(client, operator_token):
    org = make_org("Soon a partner")
    path = f"/api/v1/operator/organizations/{org.orgid}/memberships/service-provider"
    answer = client.put(path, json={"status": "active"}, headers=bearer(operator_token))
    assert answer.get_json() == {"orgid": org.orgid, "program": "service-provider", "status": "active"}
    membership = db.session.scalar(select(ProgramMembership).where(ProgramMembership.organization_id == org.id))
    assert membership.program is Program.SERVICE_PROVIDER and membership.status is MembershipStatus.ACTIVE
    assert client.put(path, json={"status": "gone"}, headers=bearer(operator_token)).status_code == 422
    assert client.put("/api/v1/operator/organizations/1/memberships/service-provider", json={"status": "active"},
                      headers=bearer(operator_token)).status_code == 404


def test_operator_and_organization_tokens_stay_in_their_lanes(client, operator_token):
    partner = make_partner()
    partner_token = make_token(make_admin(partner), partner)
    assert client.get("/api/v1/customers", headers=bearer(operator_token)).status_code == 403
    refused = client.put(f"/api/v1/operator/organizations/{partner.orgid}/memberships/solution-advisor",
                         json={"status": "lapsed"}, headers=bearer(partner_token))
    assert refused.status_code == 403
    assert client.post("/api/v1/operator/usage-imports", data=b"x", content_type="text/csv",
                       headers=bearer(partner_token)).status_code == 403


def test_an_operator_token_ends_with_the_operator_role(client, operator_token):
    user = db.session.scalar(select(ApiToken)).user_id
    from partner_portal.models import User

    db.session.get(User, user).is_operator = False
    db.session.commit()
    assert client.get("/api/v1/operator/usage-imports/1", headers=bearer(operator_token)).status_code == 401
