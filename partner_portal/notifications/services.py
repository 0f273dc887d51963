"""Creating notifications."""
from __future__ import annotations

from ..extensions import db
from ..models import Notification, Severity


def notify(org_id: int, title: str, body: str = "", severity: Severity = Severity.INFO) -> Notification:
    """Add a notification for an organization's administrators (committed by the caller)."""
    note = Notification(organization_id=org_id, title=title, body=body, severity=severity)
    db.session.add(note)
    return note
