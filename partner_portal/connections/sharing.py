"""Sharing scopes: what a customer lets each connected partner see. The one place the rule
lives; pages, exports, the calendar feed and any API read it from here.

A scope that is off hides that kind of data from the partner ("not shared by the customer"),
never the connection itself or the customer's name, ORGID and contact.
"""
from __future__ import annotations

from ..models import Connection

LICENSING = "licensing"
NOTIFICATIONS = "notifications"
TICKETS = "tickets"
SCOPES = {
    LICENSING: "Licensing and usage summaries",
    NOTIFICATIONS: "Notifications",
    TICKETS: "Support-ticket counts",
}
NOT_SHARED = "Not shared by the customer"
_COLUMNS = {LICENSING: "share_licensing", NOTIFICATIONS: "share_notifications", TICKETS: "share_tickets"}


def shared(connection: Connection, scope: str) -> bool:
    """True when the customer shares `scope` with the connection's partner."""
    return bool(getattr(connection, _COLUMNS[scope]))


def shared_condition(scope: str):
    """SQL condition on Connection: the customer shares `scope` with that partner."""
    return getattr(Connection, _COLUMNS[scope]).is_(True)


def licensing_shared():
    """SQL condition on Connection: licensing and usage are shared."""
    return shared_condition(LICENSING)


def scopes_of(connection: Connection) -> dict[str, bool]:
    """Every scope with whether it is shared."""
    return {scope: shared(connection, scope) for scope in SCOPES}
