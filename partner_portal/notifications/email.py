"""Email copies of notifications: one message per notification to each administrator who opted
into its type, written to the outbox by a background job after the notification commits; and
the signed unsubscribe links those messages carry.

A notification is handed out once: the job claims it by setting `emailed_at` in the same
transaction that queues its emails, so a job that runs twice, or two at once, sends nothing
twice. A job lost on the way leaves `emailed_at` empty, and the sweeper (every five minutes)
hands the notification out later; copies of notifications older than COPY_WINDOW are dropped
rather than sent late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from huey import crontab
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, exists, select, update

from .. import jobs
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    Administrator,
    Connection,
    MembershipStatus,
    Notification,
    NotificationSource,
    NotificationSubscription,
    Organization,
    ProgramMembership,
    User,
    utcnow,
)
from ..web.i18n import gettext, recipient_locale
from .messages import shown
from .queries import sees_customer_notifications

BATCH = 200
COPY_WINDOW = timedelta(days=1)
_SALT = "notification-unsubscribe"


def site_root() -> str:
    """The portal's root URL for links in emails: the request's, else PORTAL_URL."""
    if has_request_context():
        return request.url_root
    return current_app.config["PORTAL_URL"]


def send_copies_after_commit() -> None:
    """Hand new notifications out to their subscribers once the current transaction commits."""
    jobs.enqueue_after_commit(send_email_copies.s(site_root()))


@jobs.task(retries=3, retry_delay=30)
def send_email_copies(root: str) -> None:
    """Queue the email copies of every notification not handed out yet, batch by batch."""
    while hand_out_copies(root):
        pass


@jobs.periodic_task(crontab(minute="*/5"))
def sweep_email_copies() -> None:
    """Every five minutes: hand out notifications whose job was lost."""
    while hand_out_copies(current_app.config["PORTAL_URL"]):
        pass


@dataclass(frozen=True)
class _Claimed:
    """A notification this job hands out."""

    id: int
    organization_id: int
    recipient_id: int | None
    source: NotificationSource
    broadcast: bool
    severity: object
    title: str
    body: str
    link: str
    created_at: datetime
    message: dict | None = None


def hand_out_copies(root: str, now: datetime | None = None) -> int:
    """Claim up to BATCH notifications not handed out yet and queue their emails in the same
    transaction; returns how many were claimed (0: none left). Those older than COPY_WINDOW are
    claimed and sent nothing."""
    now = now or utcnow()
    # Write first: a transaction that reads and then writes fails on SQLite when another
    # connection wrote in between. `emailed_at IS NULL` outside the subquery is what PostgreSQL
    # re-checks after waiting for a concurrent claim of the same row, so each is claimed once.
    pending = (
        select(Notification.id)
        .where(Notification.emailed_at.is_(None))
        .order_by(Notification.created_at, Notification.id)
        .limit(BATCH)
    )
    claimed = [
        _Claimed(*row)
        for row in db.session.execute(
            update(Notification)
            .where(Notification.id.in_(pending.scalar_subquery()), Notification.emailed_at.is_(None))
            .values(emailed_at=now)
            .returning(
                Notification.id,
                Notification.organization_id,
                Notification.recipient_id,
                Notification.source,
                Notification.broadcast,
                Notification.severity,
                Notification.title,
                Notification.body,
                Notification.link,
                Notification.created_at,
                Notification.message,
            )
            .execution_options(synchronize_session=False)
        )
    ]
    recent = [note for note in claimed if note.created_at >= now - COPY_WINDOW]
    if recent:
        _queue_copies(recent, root)
    db.session.commit()
    return len(claimed)


@dataclass(frozen=True)
class _Subscriber:
    """An administrator who opted into a type, with the person behind the role (and the language
    that person chose, which their copies are written in)."""

    admin_id: int
    org_id: int
    user_id: int
    email: str
    source: NotificationSource
    locale: str | None = None


def _own_subscribers(notes: list[_Claimed]) -> list[_Subscriber]:
    """Subscribers among the administrators of the notifications' organizations."""
    return [
        _Subscriber(*row)
        for row in db.session.execute(
            select(
                Administrator.id,
                Administrator.organization_id,
                User.id,
                User.email,
                NotificationSubscription.source,
                User.locale,
            )
            .join(NotificationSubscription, NotificationSubscription.administrator_id == Administrator.id)
            .join(User, User.id == Administrator.user_id)
            .where(
                Administrator.organization_id.in_({n.organization_id for n in notes}),
                NotificationSubscription.source.in_({n.source for n in notes}),
            )
        )
    ]


def _partner_subscribers(notes: list[_Claimed]) -> dict[int, list[_Subscriber]]:
    """Customer id -> subscribers among the administrators of partners connected to it now who
    may open the notification center (the same rule as the center's guard)."""
    shared = [n for n in notes if n.recipient_id is None and not n.broadcast]
    if not shared:
        return {}
    badged = exists().where(
        ProgramMembership.organization_id == Connection.partner_id, ProgramMembership.status == MembershipStatus.ACTIVE
    )
    rows = db.session.execute(
        select(Connection.customer_id, Administrator, User.id, User.email, NotificationSubscription.source, User.locale)
        .join(
            Administrator,
            and_(Administrator.organization_id == Connection.partner_id, Administrator.via_connection_id.is_(None)),
        )
        .join(NotificationSubscription, NotificationSubscription.administrator_id == Administrator.id)
        .join(User, User.id == Administrator.user_id)
        .where(
            Connection.customer_id.in_({n.organization_id for n in shared}),
            Connection.ended_at.is_(None),
            NotificationSubscription.source.in_({n.source for n in shared}),
            badged,
        )
    ).all()
    found: dict[int, list[_Subscriber]] = {}
    for customer_id, admin, user_id, address, source, locale in rows:
        if sees_customer_notifications(admin, badged=True):
            found.setdefault(customer_id, []).append(
                _Subscriber(admin.id, admin.organization_id, user_id, address, source, locale)
            )
    return found


def _queue_copies(notes: list[_Claimed], root: str) -> None:
    """Queue one email per notification per subscribed person (a person who follows it both as the
    customer's and as a partner's administrator gets one)."""
    own = _own_subscribers(notes)
    partners = _partner_subscribers(notes)
    org_ids = {n.organization_id for n in notes} | {s.org_id for subs in partners.values() for s in subs}
    orgs = {
        row.id: row
        for row in db.session.execute(
            select(Organization.id, Organization.name, Organization.orgid).where(Organization.id.in_(org_ids))
        )
    }
    for note in notes:
        sent_to: set[int] = set()
        for sub in own:
            if (
                sub.org_id == note.organization_id
                and sub.source is note.source
                and sub.user_id not in sent_to
                and note.recipient_id in (None, sub.admin_id)
            ):
                sent_to.add(sub.user_id)
                queue_mail(sub.email, *_message(note, orgs[note.organization_id], None, sub, root))
        if note.recipient_id is not None or note.broadcast:
            continue
        for sub in partners.get(note.organization_id, []):
            if sub.source is note.source and sub.user_id not in sent_to:
                sent_to.add(sub.user_id)
                queue_mail(sub.email, *_message(note, orgs[sub.org_id], orgs[note.organization_id], sub, root))


def _message(note: _Claimed, org, customer, sub: _Subscriber, root: str) -> tuple[str, str]:
    """Subject and body of one copy, in the recipient's language; `customer` is set when a partner
    administrator gets it. (The portal's own notifications render their stored message in that
    language too; text stored as written goes out as written.)"""
    with recipient_locale(sub):
        severity = note.severity.label
        title, body = shown(note.message, "title", note.title), shown(note.message, "body", note.body)
        subject = gettext("%(severity)s: %(title)s", severity=severity, title=title)
        if customer is None:
            where = jobs.site_url(root, "notifications.show", scope="mine", notification_id=note.id)
            intro = gettext("A new notification for %(name)s (ORGID %(orgid)s):", name=org.name, orgid=org.orgid)
        else:
            where = jobs.site_url(root, "notifications.show", scope="customers", notification_id=note.id)
            intro = gettext(
                "A new notification for your customer %(name)s (ORGID %(orgid)s):",
                name=customer.name,
                orgid=customer.orgid,
            )
            subject = gettext("%(customer)s: %(subject)s", customer=customer.name, subject=subject)
        lines = [intro, "", title, gettext("Severity: %(severity)s", severity=severity), ""]
        if body:
            lines += [body, ""]
        stop = jobs.site_url(root, "notifications.unsubscribe", token=unsubscribe_token(sub.admin_id, sub.source))
        lines += [
            gettext("Open it in Partner Portal: %(url)s", url=where),
            "",
            gettext(
                "You get this email because you chose copies of “%(type)s” notifications as an administrator of "
                "%(org)s.",
                type=note.source.label,
                org=org.name,
            ),
            gettext("Stop these emails: %(url)s", url=stop),
        ]
    return subject[:200], "\n".join(lines) + "\n"


# --- unsubscribe links ---------------------------------------------------------------------------


class BadUnsubscribeLink(Exception):
    """The unsubscribe link was altered, or was never ours."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(admin_id: int, source: NotificationSource) -> str:
    """A signed token that stops one administrator's copies of one type (it grants nothing else)."""
    return _serializer().dumps({"a": admin_id, "s": source.value})


def read_unsubscribe_token(token: str) -> tuple[int, NotificationSource]:
    """The (administrator id, type) a token names; raises BadUnsubscribeLink when it is not one of ours."""
    try:
        data = _serializer().loads(token)
        return int(data["a"]), NotificationSource(data["s"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise BadUnsubscribeLink() from None
