"""Reads for the Webhooks page."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50


def endpoints(org_id: int) -> list[WebhookEndpoint]:
    """The organization's endpoints, oldest first."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.organization_id == org_id).order_by(WebhookEndpoint.id)
        )
    )


def recent_deliveries(org_id: int, limit: int = RECENT_DELIVERIES) -> list[tuple[WebhookDelivery, str]]:
    """The organization's latest deliveries with their endpoint's URL, newest first (one query)."""
    return [
        (delivery, url)
        for delivery, url in db.session.execute(
            select(WebhookDelivery, WebhookEndpoint.url)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookEndpoint.organization_id == org_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    ]


def delivery_of(org_id: int, delivery_id: int) -> WebhookDelivery | None:
    """One of the organization's deliveries, or None (another organization's included)."""
    return db.session.scalar(
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.organization_id == org_id)
    )
