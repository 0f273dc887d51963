"""Schemathesis against the served OpenAPI document: for every operation, generated requests with a
full-access token never get a 5xx, and every answer matches the document (status, content type,
body). Bounded (few examples per operation) so the suite stays fast."""
from __future__ import annotations

import socket

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from partner_portal.api.openapi import document
from partner_portal.demo.services import ensure_services
from partner_portal.webhooks import addresses

from ..api_factories import bearer, make_token
from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement
from ..notification_factories import make_notification


@pytest.fixture
def token():
    """A full-access token of a partner with customers, entitlements and notifications."""
    ensure_services()
    partner = make_partner("Northwind")
    user = make_admin(partner)
    for name in ("Alpha", "Beta"):
        customer = make_org(name)
        make_admin(customer, make_user())
        connect(partner, customer)
        make_entitlement(customer, license_count=20, licenses_assigned=25)
        make_notification(customer)
    partner.invitation_token = "invitation-" + "x" * 20
    return make_token(user, partner)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _unresolvable(*args, **kwargs):
    raise socket.gaierror("no network in tests")


def test_the_api_keeps_to_its_document(app, token, monkeypatch):
    # Generated webhook URLs are never looked up in the DNS: the suite stays offline and fast.
    monkeypatch.setattr(addresses.socket, "getaddrinfo", _unresolvable)
    # Operations are looped here rather than parametrized by Schemathesis' pytest plugin, so each
    # runs inside this test's rolled-back transaction with its set-up.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(item) for item in document()["paths"].values())
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def keeps_to_document(case):
            case.call_and_validate(headers=bearer(token), checks=CHECKS)

        keeps_to_document()


def test_the_document_and_its_page_are_served_without_a_token(client):
    document_answer = client.get("/api/v1/openapi.json")
    assert document_answer.status_code == 200 and document_answer.get_json()["openapi"].startswith("3.1")
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            assert f"{method.upper()} {path}" in text and f'id="{operation["operationId"]}"' in text
