"""Webhook rules: registering and removing endpoints, recording events for the endpoints that
subscribed to them (in the caller's transaction: an event that rolls back is never sent), and
re-sending a delivery."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..models import DeliveryStatus, User, WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from ..web.i18n import gettext
from . import signing
from .addresses import EndpointRefused, check_url
from .delivery import delivery_job

MAX_ENDPOINTS = 10


class WebhookError(Exception):
    """A user-facing refusal, with the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def register_endpoint(org_id: int, url: str, events, by: User) -> tuple[WebhookEndpoint, str]:
    """Register `url` for `events`; returns the endpoint and its signing secret (shown once).
    Raises WebhookError (bad or private URL, no events, too many endpoints)."""
    url = url.strip()
    chosen = frozenset(code for code in events if code in {e.value for e in WebhookEvent})
    if not chosen:
        raise WebhookError(gettext("Choose at least one event."), "events")
    try:
        check_url(url)
    except EndpointRefused as refused:
        raise WebhookError(str(refused), "url") from None
    count = len(db.session.scalars(select(WebhookEndpoint.id).where(WebhookEndpoint.organization_id == org_id)).all())
    if count >= MAX_ENDPOINTS:
        raise WebhookError(gettext("An organization has at most %(num)s webhook endpoints.", num=MAX_ENDPOINTS), "url")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        organization_id=org_id, url=url, events=chosen, secret=signing.seal(secret), created_by_id=by.id
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint, secret


def remove_endpoint(endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery records."""
    db.session.delete(endpoint)
    db.session.commit()


def emit(org_ids, event: WebhookEvent, data) -> None:
    """Record `event` for every endpoint of `org_ids` subscribed to it and deliver each after the
    caller's commit (nothing is sent if it rolls back). `data()` builds the event's data, only
    when someone listens (it may flush for ids). One query when nobody listens."""
    # At most MAX_ENDPOINTS per organization: the event types are matched here, not in SQL.
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.organization_id.in_(list(org_ids)))
        )
        if event.value in endpoint.events
    ]
    if not endpoints:
        return
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {"id": event_id, "type": event.value, "created_at": utcnow().isoformat(), "data": data()},
        separators=(",", ":"),
        sort_keys=True,
    )
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint_id=endpoint.id, event=event.value, event_id=event_id, body=body)
        db.session.add(delivery)
        db.session.flush()
        jobs.enqueue_after_commit(delivery_job(delivery.id))


def resend(delivery: WebhookDelivery) -> None:
    """Send a recorded delivery again (same event id and body, a new signature), with fresh retries."""
    delivery.status, delivery.error = DeliveryStatus.PENDING, ""
    jobs.enqueue_after_commit(delivery_job(delivery.id))
    db.session.commit()
