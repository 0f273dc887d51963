"""Delivering one webhook: a background job (huey) that POSTs the recorded body, signed at the
moment of the attempt, and retries with backoff (WEBHOOK_RETRIES, WEBHOOK_RETRY_DELAY,
WEBHOOK_RETRY_BACKOFF) until the receiver answers 2xx.

Delivery is at least once: a receiver that handled a request but answered late gets it again,
with the same X-Portal-Webhook-Id. No redirect is followed (it could lead anywhere).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from urllib.parse import urlsplit

from flask import current_app
from huey.api import Task
from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, utcnow
from . import signing
from .addresses import EndpointRefused, check_url


class WebhookNotDelivered(Exception):
    """An attempt failed (no answer, or not 2xx); huey retries the job later."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to the address that was checked, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the address that was checked, verifying the certificate for the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def delivery_job(delivery_id: int) -> Task:
    """The job that delivers one recorded delivery, with the configured retries and backoff."""
    config = current_app.config
    return deliver_webhook.s(
        delivery_id,
        retries=config["WEBHOOK_RETRIES"],
        retry_delay=config["WEBHOOK_RETRY_DELAY"],
        retry_backoff=config["WEBHOOK_RETRY_BACKOFF"],
    )


@jobs.task(context=True)
def deliver_webhook(delivery_id: int, task: Task) -> None:
    """Attempt one delivery unless it was delivered or gave up; raises WebhookNotDelivered to have
    huey retry it."""
    row = db.session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    if row is None or row[0].status is not DeliveryStatus.PENDING:
        db.session.rollback()
        return
    delivery, endpoint = row
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    try:
        status = _post(endpoint, delivery)
    except (OSError, http.client.HTTPException, EndpointRefused) as error:
        status, reason = None, f"{type(error).__name__}: {error}"
    else:
        reason = "" if 200 <= status < 300 else f"The receiver answered {status}."
    delivery.response_status = status
    delivery.error = reason[:300]
    if not reason:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, utcnow()
    elif not task.retries:
        delivery.status = DeliveryStatus.FAILED
    db.session.commit()
    if reason and task.retries:
        raise WebhookNotDelivered(reason)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> int:
    """POST the delivery's body to the endpoint, signed now; returns the HTTP status."""
    host, port, address = check_url(endpoint.url)
    parts = urlsplit(endpoint.url)
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "PartnerPortal-Webhooks/1",
        signing.ID_HEADER: delivery.event_id,
        signing.EVENT_HEADER: delivery.event,
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature(signing.unseal(endpoint.secret), timestamp, body),
    }
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address, timeout=current_app.config["WEBHOOK_TIMEOUT"])
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body, headers)
        return connection.getresponse().status
    finally:
        connection.close()
