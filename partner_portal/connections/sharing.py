"""Sharing scopes: what a customer lets each connected partner see. The one place the rule
lives; pages, exports, the calendar feed and any API read it from here.

A scope that is off hides that kind of data from the partner ("not shared by the customer"),
never the connection itself or the customer's name, ORGID and contact.
"""

from __future__ import annotations

from ..models import Connection
from ..notifications.messages import joined, stored_message
from ..web.i18n import force_locale, gettext, lazy_gettext

LICENSING = "licensing"
NOTIFICATIONS = "notifications"
TICKETS = "tickets"
SCOPES = {
    LICENSING: lazy_gettext("Licensing and usage summaries"),
    NOTIFICATIONS: lazy_gettext("Notifications"),
    TICKETS: lazy_gettext("Support-ticket counts"),
}
# The same, as they read inside a sentence ("chose not to share its licensing and usage summaries").
SCOPES_IN_SENTENCE = {
    LICENSING: lazy_gettext("licensing and usage summaries"),
    NOTIFICATIONS: lazy_gettext("notifications"),
    TICKETS: lazy_gettext("support-ticket counts"),
}
NOT_SHARED = lazy_gettext("Not shared by the customer")
_COLUMNS = {LICENSING: "share_licensing", NOTIFICATIONS: "share_notifications", TICKETS: "share_tickets"}


class NotShared(Exception):
    """Raised by require(): the page or export shows "Not shared by the customer" instead."""

    def __init__(self, scope: str):
        # English whatever the request's language: the JSON API answers with this text.
        with force_locale("en"):
            super().__init__(f"{SCOPES[scope]}: {str(NOT_SHARED).lower()}")
        self.scope = scope


def require(connection: Connection, scope: str) -> None:
    """Raise NotShared unless the customer shares `scope` with the connection's partner."""
    if not shared(connection, scope):
        raise NotShared(scope)


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


def apply(connection: Connection, scopes: dict[str, bool]) -> None:
    """Set the connection's scopes from `scopes` (scopes left out are shared)."""
    for scope, column in _COLUMNS.items():
        setattr(connection, column, bool(scopes.get(scope, True)))


def from_form(form) -> dict[str, bool]:
    """Scopes from a submitted form: a checkbox per scope, named share_<scope>, ticked = shared.
    An unticked box is simply absent, so the form also sends sharing_form=1; a post without it
    (a form from before scopes existed) shares everything, as before."""
    if form.get("sharing_form") != "1":
        return dict.fromkeys(SCOPES, True)
    return {scope: form.get(f"share_{scope}") == "1" for scope in SCOPES}


def change_text(before: dict[str, bool], after: dict[str, bool]) -> str:
    """What changed, in words: "Notifications no longer shared; Support-ticket counts now shared"."""
    return "; ".join(
        gettext("%(scope)s now shared", scope=SCOPES[scope])
        if after[scope]
        else gettext("%(scope)s no longer shared", scope=SCOPES[scope])
        for scope in SCOPES
        if before[scope] != after[scope]
    )


def withheld_text(connection: Connection) -> str:
    """ " Not shared: …." for a connection that withholds something, else ""."""
    withheld = [str(SCOPES[scope]) for scope, on in scopes_of(connection).items() if not on]
    return " " + gettext("Not shared by the customer: %(scopes)s.", scopes=", ".join(withheld)) if withheld else ""


# --- the same, as stored notification messages (notifications/messages.py) --------------------
# Scope names as message ids, so each reader gets them in their language.
_SCOPE_IDS = {
    LICENSING: "Licensing and usage summaries",
    NOTIFICATIONS: "Notifications",
    TICKETS: "Support-ticket counts",
}


def withheld_message(connection: Connection) -> dict | None:
    """ "Not shared by the customer: …." as a stored message, or None when all is shared."""
    withheld = [stored_message(_SCOPE_IDS[scope]) for scope, on in scopes_of(connection).items() if not on]
    if not withheld:
        return None
    return stored_message("Not shared by the customer: %(scopes)s.", scopes=joined(withheld, ", "))


def change_message(before: dict[str, bool], after: dict[str, bool]) -> dict:
    """What changed, as a stored message ("Notifications no longer shared; …")."""
    return joined(
        [
            stored_message("%(scope)s now shared", scope=stored_message(_SCOPE_IDS[scope]))
            if after[scope]
            else stored_message("%(scope)s no longer shared", scope=stored_message(_SCOPE_IDS[scope]))
            for scope in SCOPES
            if before[scope] != after[scope]
        ],
        "; ",
    )
