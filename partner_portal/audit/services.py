"""Writing the activity log (in the caller's transaction) and purging entries past retention.

Every service that changes an allocation, a support request, a membership, a connection or an
administrator calls record() before it commits, so the entry and the change commit together or
not at all. Nothing updates or deletes an entry except purge_expired().
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models import ActivityEntry, ActivityKind, User, utcnow

# Who the log names when an operator acted: customers and partners see the team, not the person.
CUSTOMER_SERVICE = "Customer service"
COMMAND_LINE = "Command line"
PURGE_BATCH = 1_000


def record(
    org_id: int,
    kind: ActivityKind,
    action: str,
    summary: str,
    *,
    by: User | None = None,
    label: str | None = None,
    target: str = "",
) -> ActivityEntry:
    """Add an entry to `org_id`'s log (committed by the caller). The actor is shown as `label`,
    else `by`'s email, else as the command line."""
    entry = ActivityEntry(
        organization_id=org_id,
        kind=kind,
        action=action,
        summary=summary[:500],
        actor_id=by.id if by is not None else None,
        actor_label=label or (by.email if by is not None else COMMAND_LINE),
        target=target[:254],
    )
    db.session.add(entry)
    return entry


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Entries older than this are past retention (ACTIVITY_RETENTION_DAYS, 90 by default)."""
    return (now or utcnow()) - timedelta(days=current_app.config["ACTIVITY_RETENTION_DAYS"])


def purge_expired(now: datetime | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Delete entries past retention, `batch_size` at a time, each batch in its own short
    transaction (a long purge never holds a lock for long); returns how many went."""
    cutoff = retention_cutoff(now)
    purged = 0
    while True:
        ids = db.session.scalars(
            select(ActivityEntry.id)
            .where(ActivityEntry.occurred_at < cutoff)
            .order_by(ActivityEntry.id)
            .limit(batch_size)
        ).all()
        if not ids:
            db.session.commit()
            return purged
        purged += db.session.execute(
            delete(ActivityEntry).where(ActivityEntry.id.in_(ids)).execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
