"""Notifications under concurrency, on SQLite and PostgreSQL: the same administrator acting from
several tabs, colleagues triaging the same notification, and two email fan-outs claiming the same
notifications. Requests go through the real server (gunicorn, 4 workers, a connection per
request); the fan-outs run in threads with pooled connections of their own."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from partner_portal.extensions import db
from partner_portal.models import (
    Access, Notification, NotificationSource, NotificationState, NotificationSubscription, NotificationTriage,
    OutgoingMail, Permission,
)
from partner_portal.notifications import email

from ..conftest import TEST_PASSWORD
from ..factories import connect, make_admin, make_org, make_partner
from ..notification_factories import admin_id, make_notification
from ..races import requests_at_once

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def _signed_in(portal_server, user):
    web = portal_server.session()
    web.sign_in(user.email, TEST_PASSWORD)
    return web


def test_one_administrator_reading_and_dismissing_from_many_tabs(portal_server):
    partner, customer = make_partner(), make_org()
    connect(partner, customer)
    me = make_admin(partner)
    notes = [make_notification(customer) for _ in range(4)]
    db.session.commit()
    newest = notes[-1].id
    tabs = [_signed_in(portal_server, me) for _ in range(8)]
    calls = []
    for n, web in enumerate(tabs):
        note = notes[n % 2]
        calls.append((web, "POST", f"/notifications/customers/{note.id}/dismiss" if n % 4 < 2 else
                      f"/notifications/customers/{note.id}/open", {}))
    calls += [(tabs[0], "POST", "/notifications/customers/read-all", {"upto": newest}),
              (tabs[1], "POST", "/notifications/customers/dismiss-all", {"upto": newest})]

    answers = requests_at_once(calls)

    assert all(a.status == 303 for a in answers), ([a.status for a in answers], portal_server.log()[-3000:])
    db.session.rollback()
    rows = db.session.scalars(select(NotificationState)).all()
    assert len(rows) == 4 and {r.notification_id for r in rows} == {n.id for n in notes}
    assert all(r.dismissed_at is not None for r in rows)  # Dismiss all reached every one of them


def test_colleagues_triaging_the_same_notificationrequests_at_once(portal_server):
    partner, customer = make_partner(), make_org()
    connect(partner, customer)
    people = [make_admin(partner)] + [make_admin(partner, access=Access.CUSTOM, permissions=[
        Permission.CUSTOMER_DASHBOARD, Permission.NOTIFICATIONS]) for _ in range(3)]
    note = make_notification(customer)
    db.session.commit()
    ids = [admin_id(person, partner) for person in people]
    calls = []
    for n, person in enumerate(people):
        calls.append((_signed_in(portal_server, person), "POST", f"/notifications/customers/{note.id}/assign",
                      {"assignee": ids[(n + 1) % 4]}))
        calls.append((_signed_in(portal_server, person), "POST", f"/notifications/customers/{note.id}/snooze",
                      {"until": (date.today() + timedelta(days=n + 1)).isoformat(), "reason": f"Reason {n}"}))

    answers = requests_at_once(calls)

    assert [a.status for a in answers] == [303] * len(calls), portal_server.log()[-3000:]
    db.session.rollback()
    [triage] = db.session.scalars(select(NotificationTriage)).all()  # one row, whoever came last
    assert triage.assignee_id in ids
    assert (triage.snoozed_until - date.today()).days == int(triage.snooze_reason.split()[-1]) + 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.source == NotificationSource.ASSIGNMENT)) == len(people)


def _waiting_on_a_lock() -> bool:
    """True when some PostgreSQL session waits for a row lock (another fan-out's claim)."""
    return bool(db.session.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")))


def test_two_fan_outs_at_once_queue_each_copy_once(portal_server, app, monkeypatch):
    customer = make_org()
    people = [make_admin(customer) for _ in range(2)]
    for person in people:
        db.session.add(NotificationSubscription(administrator_id=admin_id(person, customer),
                                                source=NotificationSource.SERVICE))
    notes = [make_notification(customer, emailed_at=None) for _ in range(5)]
    db.session.commit()
    monkeypatch.setattr("partner_portal.jobs.enqueue", lambda job: True)  # keep the emails in the outbox
    claimed, release = threading.Event(), threading.Event()
    queue_copies = email._queue_copies

    def first_waits(found, root):
        if threading.current_thread().name == "first":
            claimed.set()
            assert release.wait(30)
        queue_copies(found, root)

    monkeypatch.setattr(email, "_queue_copies", first_waits)
    handed = {}

    def fan_out():
        with app.app_context():
            handed[threading.current_thread().name] = email.hand_out_copies("http://localhost/")
            db.session.remove()

    first = threading.Thread(target=fan_out, name="first")
    first.start()
    assert claimed.wait(30)
    second = threading.Thread(target=fan_out, name="second")
    second.start()
    # The second claim must meet the first one's uncommitted claim: on PostgreSQL it waits for the
    # row locks; on SQLite for the write lock (no view of that, so give it a moment to get there).
    deadline = time.monotonic() + 10
    if db.engine.dialect.name == "postgresql":
        while not _waiting_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_a_lock()
    else:
        time.sleep(0.3)
    release.set()
    first.join(30)
    second.join(30)
    assert handed == {"first": 5, "second": 0}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == len(notes) * len(people)
