"""Webhooks: registering endpoints (public https only unless WEBHOOKS_ALLOW_PRIVATE), events from
the services where things happen, signed deliveries to a real HTTP receiver on loopback, retries
with backoff, delivery records and re-send."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from partner_portal.connections.services import accept_invitation, end_connection
from partner_portal.extensions import db
from partner_portal.models import (
    Access, Administrator, DeliveryStatus, Side, WebhookDelivery, WebhookEndpoint, WebhookEvent,
)
from partner_portal.notifications.services import notify
from partner_portal.webhooks import signing
from partner_portal.webhooks.addresses import EndpointRefused, check_url

from ..factories import connect, make_admin, make_org, make_partner


class Receiver:
    """An HTTP server on loopback that records each POST and answers the next queued status."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "WEBHOOK_RETRIES", 2)
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_DELAY", 5)
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_BACKOFF", 3)
    with Receiver() as server:
        yield server


@pytest.fixture
def partner():
    org = make_partner("Northwind")
    return org, make_admin(org)


def _register(client, url: str, events=("connection.created",)):
    return client.post("/account/webhooks", data={"url": url, "events": list(events)})


def _secret(page) -> str:
    return re.search(r"data-webhook-secret>([^<]+)<", page.get_data(as_text=True)).group(1)


def _verify(headers: dict, body: bytes, secret: str) -> bool:
    timestamp = headers[signing.TIMESTAMP_HEADER]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers[signing.SIGNATURE_HEADER], f"v1={expected}")


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:8080/hook", "must start with https://"),
    ("https://127.0.0.1/hook", "private or loopback"),
    ("https://10.1.2.3/hook", "private or loopback"),
    ("https://localhost/hook", "private or loopback"),
    ("https://user:pw@example.org/hook", "no user name"),
    ("https://no-such-host.invalid/hook", "could not be resolved"),
])
def test_private_and_plain_urls_are_refused_by_default(client, login, partner, url, message):
    login(partner[1])
    answer = _register(client, url)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_the_check_refuses_private_addresses_at_delivery_too(app):
    with app.test_request_context():
        with pytest.raises(EndpointRefused):
            check_url("https://127.0.0.1/")
        assert check_url("https://93.184.215.14/")[2] == "93.184.215.14"


def test_only_full_access_administrators_manage_webhooks(client, login, partner):
    org, _ = partner
    login(make_admin(org, access=Access.CUSTOM, permissions=["customer-dashboard"]))
    assert client.get("/account/webhooks").status_code == 403


def test_registering_needs_the_csrf_token(client, login, partner, receiver):
    login(partner[1])
    answer = client.post("/account/webhooks", data={"url": receiver.url, "events": ["connection.created"]},
                         csrf=False)
    assert answer.status_code == 400 and db.session.scalar(select(WebhookEndpoint)) is None


def test_a_customer_connecting_sends_a_signed_webhook(client, login, partner, receiver):
    org, user = partner
    login(user)
    page = _register(client, receiver.url)
    assert page.status_code == 200
    secret = _secret(page)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert secret not in endpoint.secret and signing.unseal(endpoint.secret) == secret
    customer = make_org("Alpha Health")
    admin = db.session.scalar(select(Administrator).where(Administrator.user_id == make_admin(customer).id))
    accept_invitation(org, admin, db.session.get(type(user), admin.user_id))

    [(headers, body)] = receiver.requests
    assert _verify(headers, body, secret)
    assert not _verify(headers, body + b" ", secret)
    event = json.loads(body)
    assert event["type"] == "connection.created" and headers[signing.EVENT_HEADER] == "connection.created"
    assert event["data"]["customer"] == {"orgid": customer.orgid, "name": "Alpha Health"}
    assert headers[signing.ID_HEADER] == event["id"]
    [delivery] = _deliveries()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 1 and delivery.response_status == 204
    assert "Delivered" in client.get("/account/webhooks").get_data(as_text=True)


def test_an_unsubscribed_or_other_organizations_event_sends_nothing(client, login, partner, receiver):
    org, user = partner
    login(user)
    _register(client, receiver.url, events=["allocation.completed"])
    connect(org, make_org("Alpha"))
    rival = make_partner("Rival")
    notify(rival.id, "Not yours")
    db.session.commit()
    assert receiver.requests == [] and _deliveries() == []


def test_a_failing_receiver_is_retried_with_backoff_then_delivered(client, login, partner, receiver, schedule):
    org, user = partner
    login(user)
    _register(client, receiver.url, events=["notification.created"])
    receiver.statuses = [500, 503, 502]
    notify(org.id, "Heads up")
    db.session.commit()
    [first] = schedule.scheduled()
    assert first.retries == 1 and first.retry_delay == 15
    [delivery] = _deliveries()
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.response_status == 500

    # WEBHOOK_RETRY_DELAY 5 s, then x3 (WEBHOOK_RETRY_BACKOFF): each retry waits longer.
    schedule.storage.flush_schedule()
    schedule.execute(first, timestamp=first.eta)  # the first retry, at its due time: 503
    [second] = schedule.scheduled()
    assert second.retries == 0 and second.retry_delay == 45
    schedule.storage.flush_schedule()
    schedule.execute(second, timestamp=second.eta)  # the last retry: 502, and no more
    assert schedule.scheduled_count() == 0
    [delivery] = _deliveries()
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 3 and delivery.response_status == 502

    # Re-send from the page: the same event, signed again, delivered this time.
    assert client.post(f"/account/webhooks/deliveries/{delivery.id}/resend").status_code == 303
    [delivery] = _deliveries()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 4
    ids = {headers[signing.ID_HEADER] for headers, _body in receiver.requests}
    assert len(receiver.requests) == 4 and len(ids) == 1


def test_another_organizations_delivery_cannot_be_resent(client, login, partner, receiver):
    org, user = partner
    rival = make_partner("Rival")
    rival_user = make_admin(rival)
    login(rival_user)
    _register(client, receiver.url, events=["notification.created"])
    notify(rival.id, "Theirs")
    db.session.commit()
    [delivery] = _deliveries()
    client.post("/sign-out")
    login(user)
    assert client.post(f"/account/webhooks/deliveries/{delivery.id}/resend").status_code == 404
    assert client.post(f"/account/webhooks/{delivery.endpoint_id}/remove").status_code == 404


@pytest.mark.parametrize("event", [WebhookEvent.CONNECTION_ENDED])
def test_ending_a_connection_tells_both_sides(client, login, partner, receiver, event):
    org, user = partner
    login(user)
    _register(client, receiver.url, events=[event.value])
    link = connect(org, make_org("Alpha"))
    end_connection(link, Side.CUSTOMER, user)
    [(headers, body)] = receiver.requests
    assert json.loads(body)["data"]["ended_by"] == "customer"


def test_with_curl_only_a_token_registers_a_webhook_and_a_connection_is_announced(client, partner, receiver):
    from ..api_factories import bearer, make_token

    org, user = partner
    secret_token = make_token(user, org)
    answer = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["connection.created"]},
                         headers=bearer(secret_token), csrf=False)
    assert answer.status_code == 201
    secret = answer.get_json()["secret"]
    listed = client.get("/api/v1/webhooks", headers=bearer(secret_token)).get_json()["webhooks"]
    assert "secret" not in listed[0] and listed[0]["events"] == ["connection.created"]
    customer = make_org("Alpha Health")
    admin = db.session.scalar(select(Administrator).where(Administrator.user_id == make_admin(customer).id))
    accept_invitation(org, admin, db.session.get(type(user), admin.user_id))
    [(headers, body)] = receiver.requests
    assert _verify(headers, body, secret)
    [delivery] = client.get("/api/v1/webhooks/deliveries", headers=bearer(secret_token)).get_json()["deliveries"]
    assert delivery["status"] == "delivered"
    resent = client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/resend", headers=bearer(secret_token))
    assert resent.status_code == 202 and len(receiver.requests) == 2


def test_webhooks_by_api_need_a_full_access_token_and_a_public_url(client, partner, app):
    from ..api_factories import bearer, make_token

    org, user = partner
    viewer = make_token(user, org, Access.CUSTOM, ["customer-dashboard"])
    body = {"url": "https://127.0.0.1/hook", "events": ["connection.created"]}
    assert client.post("/api/v1/webhooks", json=body, headers=bearer(viewer)).status_code == 403
    refused = client.post("/api/v1/webhooks", json=body, headers=bearer(make_token(user, org)))
    assert refused.status_code == 422 and "private or loopback" in refused.get_json()["errors"]["url"][0]
    no_events = client.post("/api/v1/webhooks", json={"url": "https://example.org/"}, headers=bearer(make_token(user, org)))
    assert no_events.status_code == 422 and "events" in no_events.get_json()["errors"]


def test_completed_allocations_and_resolved_requests_are_announced(client, login, partner, receiver):
    from partner_portal.allocation.services import finish_allocation
    from partner_portal.models import IssueType
    from partner_portal.support.services import resolve_request

    from ..allocation_factories import make_allocation, make_request
    from ..factories import make_user

    org, user = partner
    login(user)
    _register(client, receiver.url, events=["allocation.completed", "support_request.resolved"])
    operator = make_user(operator=True)
    failed = make_allocation(org, 3)
    finish_allocation(failed.id, completed=False, reason="No stock.", by=operator)
    assert receiver.requests == []  # a failed allocation is not a completed one
    done = make_allocation(org, 5)
    finish_allocation(done.id, completed=True, by=operator)
    question = make_request(org, IssueType.GENERAL, details="How?")
    resolve_request(question.id, operator, note="Like this.")
    events = [json.loads(body) for _headers, body in receiver.requests]
    assert [e["type"] for e in events] == ["allocation.completed", "support_request.resolved"]
    assert events[0]["data"]["allocation_id"] == done.id and events[0]["data"]["quantity"] == 5
    assert events[1]["data"]["support_request_id"] == question.id
    assert events[1]["data"]["resolution_note"] == "Like this."
