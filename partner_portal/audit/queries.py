"""Reading the activity log: one organization's entries, filtered by kind, person and date."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models import ActivityEntry, ActivityKind
from ..web.i18n import gettext

PAGE_SIZE = 50
NEWEST_FIRST = (ActivityEntry.occurred_at.desc(), ActivityEntry.id.desc())


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    """A YYYY-MM-DD date from the query string, or None (noting an error for anything else)."""
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    errors[name] = gettext("Enter a date as YYYY-MM-DD.")
    return None


@dataclass(frozen=True)
class ActivityFilter:
    """The log's filters, from the query string. Unknown kinds and people match nothing they
    shouldn't: an unknown kind is ignored; a bad date is reported and ignored."""

    kind: ActivityKind | None = None
    person: str = ""
    since: date | None = None
    until: date | None = None
    before: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> ActivityFilter:
        """Parse `kind`, `person`, `from`, `to` and the paging key `before`."""
        errors: dict[str, str] = {}
        kind = next((k for k in ActivityKind if k.value == args.get("kind")), None)
        since, until = _day(args.get("from", ""), "from", errors), _day(args.get("to", ""), "to", errors)
        if since and until and since > until:
            errors["to"] = gettext("The end date is before the start date.")
            until = None
        before = args.get("before", "")
        return cls(
            kind=kind,
            person=args.get("person", "").strip()[:254],
            since=since,
            until=until,
            before=int(before) if before.isdigit() and len(before) < 10 else None,
            errors=errors,
        )

    @property
    def is_filtered(self) -> bool:
        """True when any filter narrows the log."""
        return bool(self.kind or self.person or self.since or self.until)

    def query_string(self, **changes) -> str:
        """These filters as a query string (paging left out unless given in `changes`)."""
        values = {
            "kind": self.kind.value if self.kind else "",
            "person": self.person,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        }
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})

    def conditions(self, org_id: int) -> list:
        """WHERE clauses for the organization's entries under these filters."""
        clauses = [ActivityEntry.organization_id == org_id]
        if self.kind:
            clauses.append(ActivityEntry.kind == self.kind)
        if self.person:
            clauses.append(ActivityEntry.actor_label == self.person)
        if self.since:
            clauses.append(ActivityEntry.occurred_at >= datetime.combine(self.since, time(), timezone.utc))
        if self.until:
            clauses.append(
                ActivityEntry.occurred_at < datetime.combine(self.until + timedelta(days=1), time(), timezone.utc)
            )
        return clauses


@dataclass
class ActivityPage:
    """One page of entries, newest first, and the key of the next (older) page if any."""

    entries: list[ActivityEntry]
    older: int | None


def activity_page(org_id: int, filters: ActivityFilter) -> ActivityPage:
    """Up to PAGE_SIZE entries, newest first, after the entry `filters.before` (one query)."""
    stmt = select(ActivityEntry).where(*filters.conditions(org_id))
    if filters.before:
        # Keyset paging on (occurred_at, id): the entries after the last one shown, in the same order.
        anchor = select(ActivityEntry.occurred_at).where(ActivityEntry.id == filters.before).scalar_subquery()
        stmt = stmt.where(
            or_(
                ActivityEntry.occurred_at < anchor,
                and_(ActivityEntry.occurred_at == anchor, ActivityEntry.id < filters.before),
            )
        )
    rows = list(db.session.scalars(stmt.order_by(*NEWEST_FIRST).limit(PAGE_SIZE + 1)))
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return ActivityPage(rows[:PAGE_SIZE], older)


def people(org_id: int) -> list[str]:
    """Everyone who appears as the actor in the organization's log (for the person filter)."""
    return list(
        db.session.scalars(
            select(ActivityEntry.actor_label)
            .where(ActivityEntry.organization_id == org_id)
            .distinct()
            .order_by(ActivityEntry.actor_label)
        )
    )


def export_rows(org_id: int, filters: ActivityFilter) -> Iterator[tuple]:
    """Every entry under the filters as CSV rows, newest first, streamed from the database."""
    stmt = (
        select(
            ActivityEntry.occurred_at,
            ActivityEntry.kind,
            ActivityEntry.action,
            ActivityEntry.actor_label,
            ActivityEntry.target,
            ActivityEntry.summary,
        )
        .where(*filters.conditions(org_id))
        .order_by(*NEWEST_FIRST)
        .execution_options(yield_per=2000)
    )
    for occurred_at, kind, action, actor, target, summary in db.session.execute(stmt):
        yield occurred_at.isoformat(timespec="seconds"), kind.label, action, actor, target, summary
