"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, String, TypeDecorator


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Normalise to UTC before storing."""
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        """Attach UTC to values SQLite returns without a zone."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def str_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the members' values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_class),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class CodeSet(TypeDecorator):
    """A small set of codes stored as one sorted, comma-separated string.

    Permissions are few, fixed, and always read together with their administrator, so a side
    table would only add a join to every request.
    """

    impl = String(400)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store a set as 'a,b,c'."""
        if value is None:
            return ""
        return ",".join(sorted(str(getattr(v, "value", v)) for v in value))

    def process_result_value(self, value, dialect):
        """Read 'a,b,c' back as a frozenset of strings."""
        if not value:
            return frozenset()
        return frozenset(value.split(","))
