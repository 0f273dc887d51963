"""Writing notifications and acting on them: each administrator's read and dismissed state, a
partner team's triage (assign, snooze), email opt-ins."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import (
    Administrator,
    Notification,
    NotificationSource,
    NotificationState,
    NotificationSubscription,
    NotificationTriage,
    Organization,
    Severity,
    User,
    utcnow,
    WebhookEvent,
)
from ..web.i18n import gettext, recipient_locale
from ..webhooks.services import emit
from . import email, messages
from .queries import Viewer, assignable_colleagues, safe_link, subscribable_sources, unread_by

MAX_SNOOZE_DAYS = 365
MAX_REASON_LENGTH = 200


class NotificationError(Exception):
    """A user-facing refusal; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def portal_path(endpoint: str, **values) -> str:
    """The path of a portal page, inside or outside a request (commands, jobs, the demo)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def notify(
    org_id: int,
    title: str | dict,
    body: str | dict = "",
    severity: Severity = Severity.INFO,
    source: NotificationSource = NotificationSource.SERVICE,
    link: str = "",
    recipient_id: int | None = None,
) -> Notification:
    """Add a notification for an organization's administrators (or one of them, `recipient_id`);
    committed by the caller, after which its email copies go out.

    `title` and `body` are text as written, or stored messages (notifications/messages.py) that
    every reader gets in their own language."""
    if link and safe_link(link) is None:
        raise ValueError(f"A notification links to a portal path or an http(s) URL, not {link!r}.")
    message = {}
    if isinstance(title, dict):
        message["title"], title = title, messages.english(title)
    if isinstance(body, dict):
        message["body"], body = body, messages.english(body)
    note = Notification(
        organization_id=org_id,
        title=title[:200],
        body=body,
        message=message or None,
        severity=severity,
        source=source,
        link=link,
        recipient_id=recipient_id,
    )
    db.session.add(note)
    email.send_copies_after_commit()

    def data() -> dict:
        db.session.flush()
        return {
            "notification_id": note.id,
            "organization_id": org_id,
            "title": note.title,
            "body": note.body,
            "severity": note.severity.value,
            "source": note.source.value,
        }

    emit((org_id,), WebhookEvent.NOTIFICATION_CREATED, data)
    return note


# --- read and dismissed, per administrator ----------------------------------------------------


def _insert(model):
    """An INSERT that can say ON CONFLICT (both databases we run on speak it)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def mark_read(admin_id: int, notification_id: int) -> None:
    """Record that the administrator opened the notification (again: nothing changes)."""
    db.session.execute(
        _insert(NotificationState)
        .values(administrator_id=admin_id, notification_id=notification_id, read_at=utcnow())
        .on_conflict_do_nothing()
    )
    db.session.commit()


def _dismissing(stmt):
    """`stmt` (an insert of dismissed states) that, for a notification already read or dismissed,
    sets the dismissal and keeps the first one (two tabs, a double click)."""
    return stmt.on_conflict_do_update(
        index_elements=["administrator_id", "notification_id"],
        set_={"dismissed_at": func.coalesce(NotificationState.dismissed_at, stmt.excluded.dismissed_at)},
    )


def dismiss(admin_id: int, notification_id: int) -> None:
    """Hide the notification from this administrator's list (read, too); nobody else's changes."""
    now = utcnow()
    db.session.execute(
        _dismissing(
            _insert(NotificationState).values(
                administrator_id=admin_id, notification_id=notification_id, read_at=now, dismissed_at=now
            )
        )
    )
    db.session.commit()


def _state_rows(viewer: Viewer, conditions: list, dismissed: bool):
    """SELECT of (administrator, notification, read_at[, dismissed_at]) for the notifications
    meeting `conditions`."""
    now = utcnow()
    columns = [literal(viewer.admin_id), Notification.id, literal(now, NotificationState.read_at.type)]
    if dismissed:
        columns.append(literal(now, NotificationState.dismissed_at.type))
    return select(*columns).where(*conditions)


def _mark_read(viewer: Viewer, conditions: list) -> None:
    """Record as read, for the viewer, the unread notifications meeting `conditions` (uncommitted)."""
    rows = _state_rows(viewer, [*conditions, unread_by(viewer.admin_id)], dismissed=False)
    db.session.execute(
        _insert(NotificationState)
        .from_select(["administrator_id", "notification_id", "read_at"], rows)
        .on_conflict_do_nothing()
    )


def mark_all_read(viewer: Viewer, params, upto: int) -> None:
    """Mark read every notification of the viewer's list under `params` that existed when the
    page was shown (id up to `upto`), so one that arrives meanwhile stays unread."""
    _mark_read(viewer, [*viewer.conditions(params), Notification.id <= upto])
    db.session.commit()


def dismiss_all(viewer: Viewer, params, upto: int) -> None:
    """Dismiss, for this administrator, every notification of the list under `params` that was
    there when the page was shown (id up to `upto`)."""
    rows = _state_rows(viewer, [*viewer.conditions(params), Notification.id <= upto], dismissed=True)
    db.session.execute(
        _dismissing(
            _insert(NotificationState).from_select(
                ["administrator_id", "notification_id", "read_at", "dismissed_at"], rows
            )
        )
    )
    db.session.commit()


def mark_bell_read(viewers: list[Viewer]) -> None:
    """Mark read everything the bell counts (each viewer: a list the bell adds up)."""
    for viewer in viewers:
        _mark_read(viewer, viewer.visible())
    db.session.commit()


# --- triage: a partner team shares who handles a customer's notification ------------------------


def _save_triage(partner_id: int, notification_id: int, **values) -> None:
    """Create or update the partner's triage of the notification with `values`."""
    stmt = _insert(NotificationTriage).values(
        **{"snooze_reason": "", **values, "partner_id": partner_id, "notification_id": notification_id}
    )
    db.session.execute(stmt.on_conflict_do_update(index_elements=["partner_id", "notification_id"], set_=values))


def assign(note: Notification, partner_id: int, assignee_id: int | None, by: User, by_admin_id: int) -> None:
    """Give the customer's notification to a colleague of the partner (None: to nobody) and tell
    that colleague, unless they assigned it to themselves. Raises NotificationError (nothing written)."""
    note_id, title, customer_id, by_id, by_label = note.id, note.title, note.organization_id, by.id, by.name or by.email
    colleagues = {c.admin_id for c in assignable_colleagues(partner_id)}
    if assignee_id is not None and assignee_id not in colleagues:
        raise NotificationError(
            gettext("Choose a colleague from your organization who can open the notification center."), "assignee"
        )
    before = db.session.scalar(
        select(NotificationTriage.assignee_id).where(
            NotificationTriage.partner_id == partner_id, NotificationTriage.notification_id == note_id
        )
    )
    _save_triage(
        partner_id,
        note_id,
        assignee_id=assignee_id,
        assigned_by_id=by_id,
        assigned_at=utcnow() if assignee_id else None,
    )
    if assignee_id is not None and assignee_id != before and assignee_id != by_admin_id:
        customer = db.session.scalar(select(Organization.name).where(Organization.id == customer_id))
        assignee = db.session.scalar(
            select(User).join(Administrator, Administrator.user_id == User.id).where(Administrator.id == assignee_id)
        )
        # A message to one person: stored in that person's language.
        with recipient_locale(assignee):
            notify(
                partner_id,
                gettext("%(name)s assigned you a notification of %(customer)s", name=by_label, customer=customer),
                gettext(
                    "“%(title)s” is yours to handle. Open it in the notification center to dismiss or snooze it.",
                    title=title,
                ),
                source=NotificationSource.ASSIGNMENT,
                recipient_id=assignee_id,
                link=portal_path("notifications.show", scope="customers", notification_id=note_id),
            )
    db.session.commit()


def snooze(note: Notification, partner_id: int, until: date | None, reason: str, by: User, today: date) -> None:
    """Hide the customer's notification from the partner team's center until `until`, with a
    reason. Raises NotificationError (nothing written) for a missing, past or far date or reason."""
    reason = (reason or "").strip()
    if until is None:
        raise NotificationError(gettext("Choose the date until which to snooze it."), "until")
    if until <= today:
        raise NotificationError(gettext("Choose a date after today: a snooze ends in the future."), "until")
    if until > today + timedelta(days=MAX_SNOOZE_DAYS):
        raise NotificationError(gettext("Snooze for a year at most."), "until")
    if not reason:
        raise NotificationError(gettext("Say why, so your colleagues know."), "reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise NotificationError(gettext("Use at most %(num)s characters.", num=MAX_REASON_LENGTH), "reason")
    _save_triage(partner_id, note.id, snoozed_until=until, snooze_reason=reason, snoozed_by_id=by.id)
    db.session.commit()


def unsnooze(note: Notification, partner_id: int) -> None:
    """Show a snoozed notification in the partner team's center again."""
    _save_triage(partner_id, note.id, snoozed_until=None, snooze_reason="", snoozed_by_id=None)
    db.session.commit()


# --- email copies: each administrator opts in per type ---------------------------------------------


def save_subscriptions(admin_id: int, chosen: set[NotificationSource], in_center: bool) -> None:
    """Make `chosen` the types this administrator gets email copies of. Raises NotificationError
    for a type the administrator can't receive (nothing written)."""
    allowed = set(subscribable_sources(in_center))
    if not chosen <= allowed:
        raise NotificationError(gettext("Choose among the types listed."), "sources")
    db.session.execute(delete(NotificationSubscription).where(NotificationSubscription.administrator_id == admin_id))
    db.session.add_all(NotificationSubscription(administrator_id=admin_id, source=source) for source in chosen)
    db.session.commit()


def unsubscribe(admin_id: int, source: NotificationSource) -> None:
    """Stop the email copies of one type for one administrator (nothing else changes)."""
    db.session.execute(
        delete(NotificationSubscription).where(
            NotificationSubscription.administrator_id == admin_id, NotificationSubscription.source == source
        )
    )
    db.session.commit()
