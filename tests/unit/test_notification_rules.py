"""`flask --app app notifications generate | announce | purge`: the licensing rules (idempotent),
operator announcements, retention in batches."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Entitlement, Notification, NotificationSource, NotificationState, NotificationTriage, Severity,
)
from partner_portal.notifications import rules

from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_service
from ..notification_factories import admin_id, make_notification

TODAY = date(2026, 3, 10)
S = NotificationSource


@pytest.fixture
def catalogue():
    for code in ("daas-user", "gateway", "secure-private-access"):
        make_service(code)


def _ent(org, code="daas-user", **values) -> Entitlement:
    values.setdefault("start_date", TODAY - timedelta(days=200))
    values.setdefault("end_date", TODAY + timedelta(days=300))
    values.setdefault("license_count", 100)
    entitlement = Entitlement(organization_id=org.id, service_code=code, **values)
    db.session.add(entitlement)
    db.session.flush()
    return entitlement


def _notes(org, source=None) -> list[Notification]:
    stmt = select(Notification).where(Notification.organization_id == org.id).order_by(Notification.id)
    if source:
        stmt = stmt.where(Notification.source == source)
    return list(db.session.scalars(stmt))


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["notifications", *args])


def test_each_rule_reports_its_fact_once(app, catalogue):
    org = make_org("Alpha")
    _ent(org, "secure-private-access", is_trial=True, license_count=25, start_date=TODAY - timedelta(days=16),
         end_date=TODAY + timedelta(days=14))
    _ent(org, "secure-private-access", is_trial=True, license_count=25, start_date=TODAY - timedelta(days=5),
         end_date=TODAY + timedelta(days=15))  # a day too far
    _ent(org, "daas-user", end_date=TODAY + timedelta(days=90), licenses_assigned=60)
    _ent(org, "daas-user", end_date=TODAY + timedelta(days=91), licenses_assigned=60)  # pooled: 120 of 200
    _ent(org, "gateway", end_date=TODAY + timedelta(days=20), license_count=1000, licenses_assigned=5000)
    other = make_org("Beta")
    _ent(other, "daas-user", license_count=100, licenses_assigned=101)
    _ent(other, "daas-user", end_date=TODAY - timedelta(days=1), licenses_assigned=500)  # ended: not counted
    report = rules.generate(TODAY)
    assert dict(report.created) == {S.TRIAL_ENDING: 1, S.ENTITLEMENT_EXPIRING: 2, S.OVER_ASSIGNED: 1}
    [trial] = _notes(org, S.TRIAL_ENDING)
    assert trial.title == "Your Secure Private Access trial ends in 14 days" and trial.severity is Severity.WARNING
    assert trial.link == "/licensing"
    assert sorted(n.title for n in _notes(org, S.ENTITLEMENT_EXPIRING)) == [
        "DaaS (user/device) expires in 90 days", "Gateway service expires in 20 days"]
    assert _notes(org, S.OVER_ASSIGNED) == []  # bandwidth has no licenses; DaaS is within its pool
    [over] = _notes(other, S.OVER_ASSIGNED)
    assert over.title == "DaaS (user/device): 101 licenses assigned, 100 purchased"
    assert rules.generate(TODAY).total == 0
    assert rules.generate(TODAY + timedelta(days=1)).total == 2  # the 91-day entitlement and the 15-day trial


def test_an_extended_end_date_is_a_new_fact(app, catalogue):
    org = make_org()
    entitlement = _ent(org, end_date=TODAY + timedelta(days=10))
    assert rules.generate(TODAY).total == 1
    entitlement.end_date = TODAY + timedelta(days=40)
    assert rules.generate(TODAY).total == 1
    assert [n.title for n in _notes(org)] == ["DaaS (user/device) expires in 10 days",
                                              "DaaS (user/device) expires in 40 days"]


def test_generate_command(app, catalogue):
    _ent(make_org(), end_date=TODAY + timedelta(days=1))
    first = _run(app, "generate", "--today", TODAY.isoformat())
    assert first.exit_code == 0 and first.output == "Created 1 notification: 1 subscriptions expiring.\n"
    again = _run(app, "generate", "--today", TODAY.isoformat())
    assert again.exit_code == 0 and again.output == "Nothing new to report.\n"


def test_announce_to_one_organization_or_to_all(app):
    partner, customer = make_partner("Northwind"), make_org("Alpha")
    connect(partner, customer)
    one = _run(app, "announce", "--title", "Your region moves", "--orgid", customer.orgid, "--link", "https://status.example/x")
    assert one.exit_code == 0 and one.output == "Announced to 1 organization.\n"
    [note] = _notes(customer)
    assert (note.source, note.broadcast, note.link) == (S.ANNOUNCEMENT, False, "https://status.example/x")
    orgs = db.session.scalar(select(func.count()).select_from(type(partner)))
    everyone = _run(app, "announce", "--title", "Maintenance", "--body", "Saturday", "--severity", "warning", "--all")
    assert everyone.exit_code == 0 and everyone.output == f"Announced to {orgs} organizations.\n"
    assert all(n.broadcast and n.severity is Severity.WARNING for n in _notes(partner))


@pytest.mark.parametrize("args, message", [
    (["--title", "x"], "Give either --orgid ORGID or --all."),
    (["--title", "x", "--all", "--orgid", "1234567890"], "Give either --orgid ORGID or --all."),
    (["--title", "x", "--orgid", "0000000000"], "No organization has ORGID 0000000000."),
    (["--title", " ", "--all"], "Give the announcement a title of at most 200 characters."),
    (["--title", "x", "--all", "--link", "javascript:alert(1)"], "The link must be a portal path"),
])
def test_bad_announcements_are_refused_and_write_nothing(app, args, message):
    make_org()
    result = _run(app, "announce", *args)
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_purge_deletes_old_notifications_and_their_state_in_batches(app):
    partner, customer = make_partner(), make_org()
    connect(partner, customer)
    me = make_admin(partner)
    old = [make_notification(customer, hours_ago=24 * 91) for _ in range(5)]
    kept = make_notification(customer, hours_ago=24 * 89)
    for note in old[:2] + [kept]:
        db.session.add(NotificationState(administrator_id=admin_id(me, partner), notification_id=note.id,
                                         dismissed_at=None))
        db.session.add(NotificationTriage(partner_id=partner.id, notification_id=note.id, snooze_reason=""))
    db.session.flush()
    assert rules.purge(90, batch_size=2) == 5
    assert [n.id for n in _notes(customer)] == [kept.id]
    assert db.session.scalar(select(NotificationState.notification_id)) == kept.id
    assert db.session.scalar(select(func.count()).select_from(NotificationTriage)) == 1


def test_purge_command_reads_its_setting(app, monkeypatch):
    org = make_org()
    make_notification(org, hours_ago=24 * 11)
    make_notification(org, hours_ago=24 * 9)
    monkeypatch.setitem(app.config, "NOTIFICATION_RETENTION_DAYS", 10)
    result = _run(app, "purge")
    assert result.exit_code == 0 and result.output == "Deleted 1 notification older than 10 days.\n"
    assert _run(app, "purge", "--days", "5").output == "Deleted 1 notification older than 5 days.\n"
