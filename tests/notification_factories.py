"""Factory functions for notification test data."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import (
    Administrator, Notification, NotificationSource, NotificationState, Severity, utcnow,
)

_seq = itertools.count(1)


def make_notification(org, title: str | None = None, severity: Severity = Severity.INFO, hours_ago: float = 0,
                      source: NotificationSource = NotificationSource.SERVICE, **values) -> Notification:
    """A notification of `org` created `hours_ago` (already emailed: tests of copies say otherwise)."""
    created = utcnow() - timedelta(hours=hours_ago)
    values.setdefault("emailed_at", created)
    note = Notification(organization_id=org.id, title=title or f"Notice {next(_seq)}", severity=severity,
                        source=source, created_at=created, **values)
    db.session.add(note)
    db.session.flush()
    return note


def admin_id(user, org) -> int:
    """The id of `user`'s administrator role in `org`."""
    return db.session.scalar(select(Administrator.id).where(Administrator.user_id == user.id,
                                                            Administrator.organization_id == org.id))


def state_of(user, org, note) -> NotificationState | None:
    """`user`'s read/dismissed state (as administrator of `org`) for `note`, or None (unread)."""
    db.session.expire_all()
    return db.session.get(NotificationState, (admin_id(user, org), note.id))


def at(hours_ago: float) -> datetime:
    """A time `hours_ago`."""
    return utcnow() - timedelta(hours=hours_ago)
