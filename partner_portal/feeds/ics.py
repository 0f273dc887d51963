"""The feed as an iCalendar document: all-day events with stable UIDs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event

from .queries import FeedEvent


def calendar_bytes(name: str, events: Sequence[FeedEvent], now: datetime | None = None) -> bytes:
    """The events as an ICS file named `name`. Each event's UID is its entitlement's, so a calendar
    app that refreshes the feed moves a changed date instead of adding a second event."""
    stamp = now or datetime.now(timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", "-//Partner Portal//Expiry calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        # All-day: DATE values, the end being the (exclusive) next day.
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
