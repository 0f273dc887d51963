"""Webhooks: HTTPS endpoints an organization registers for event types, and each delivery."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import CodeSet, UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class WebhookEvent(enum.Enum):
    """Event types a webhook endpoint can subscribe to."""

    CONNECTION_CREATED = "connection.created"
    CONNECTION_ENDED = "connection.ended"
    NOTIFICATION_CREATED = "notification.created"
    ALLOCATION_COMPLETED = "allocation.completed"
    SUPPORT_REQUEST_RESOLVED = "support_request.resolved"

    @property
    def label(self) -> str:
        """The event type's name on screen, in the current language."""
        return str(self.lazy_label)

    @property
    def lazy_label(self):
        """The name, translated when shown (for choices built at import time)."""
        return {
            "connection.created": lazy_gettext("Customer connection created"),
            "connection.ended": lazy_gettext("Customer connection ended"),
            "notification.created": lazy_gettext("Notification created"),
            "allocation.completed": lazy_gettext("License allocation completed"),
            "support_request.resolved": lazy_gettext("Support request resolved"),
        }[self.value]


class DeliveryStatus(enum.Enum):
    """pending until the receiver answers 2xx (delivered) or the retries run out (failed)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    """An HTTPS URL that receives signed POSTs for the subscribed event types."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[frozenset[str]] = mapped_column(CodeSet(), default=frozenset)
    # The signing secret, encrypted at rest (webhooks/signing.py); shown once when registered.
    secret: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def event_labels(self) -> list[str]:
        """Labels of the subscribed event types, in the catalogue's order."""
        return [e.label for e in WebhookEvent if e.value in self.events]


class WebhookDelivery(db.Model):
    """One event sent (or being sent) to one endpoint: the exact body, and how the attempts went."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text())
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="raise")
