"""The customer-list export, byte for byte: the same text as a plain rendering of the dashboard's
rows (each label translated where it is written, every cell through safe_cell, a csv line per
row), in English and German, with every entitlement state, withheld scopes, tags, deductions and
cells that look like formulas."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from partner_portal.connections import sharing
from partner_portal.customers.queries import DashboardParams, dashboard_rows
from partner_portal.customers.views import CSV_HEADER
from partner_portal.extensions import db
from partner_portal.insights.health import FACTORS
from partner_portal.models import Administrator, CustomerTag, Program, Severity, SupportTicket
from partner_portal.models.entitlement import STATE_LABELS
from partner_portal.web.downloads import safe_cell
from partner_portal.web.i18n import force_locale

from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement, make_usage_days
from ..notification_factories import make_notification

TODAY = date.today()
DAY = timedelta(days=1)


@pytest.fixture
def world(client, login):
    partner = make_partner("Exporter", programs=[Program.SOLUTION_ADVISOR])
    user = make_admin(partner)
    every_state = make_org("Every State Co")
    make_admin(every_state, make_user("-contact@every.example", password=None))
    connect(partner, every_state)
    make_entitlement(every_state, license_count=10, licenses_assigned=14, start=TODAY - 99 * DAY, end=TODAY + 9 * DAY)
    make_entitlement(every_state, "daas-concurrent", start=TODAY - 99 * DAY, end=TODAY - DAY)
    make_entitlement(every_state, "secure-private-access", is_trial=True, start=TODAY - DAY, end=TODAY + 5 * DAY)
    make_entitlement(every_state, "endpoint-management", is_trial=True, start=None, end=None)
    make_entitlement(every_state, "gateway", is_trial=True, start=TODAY - 40 * DAY, end=TODAY - 10 * DAY)
    make_notification(every_state, severity=Severity.CRITICAL)
    db.session.add(SupportTicket(organization_id=every_state.id, subject="Help"))
    falling = make_entitlement(every_state, "daas-user", license_count=5, licenses_assigned=1,
                               start=TODAY - 99 * DAY, end=TODAY + 300 * DAY)
    make_usage_days(falling, TODAY - 59 * DAY, TODAY - 30 * DAY, daily_active=9)
    make_usage_days(falling, TODAY - 29 * DAY, TODAY, daily_active=1)
    withheld = make_org('=HYPERLINK("http://x")')
    link = connect(partner, withheld)
    sharing.apply(link, {sharing.LICENSING: False, sharing.TICKETS: False})
    make_entitlement(withheld, license_count=3)
    make_notification(withheld)
    db.session.add(SupportTicket(organization_id=withheld.id, subject="Hidden"))
    quiet = make_org("Quiet Co")
    sharing.apply(connect(partner, quiet), {sharing.NOTIFICATIONS: False})
    make_notification(quiet)
    db.session.add(SupportTicket(organization_id=quiet.id, subject="Shown"))
    tagged = make_org('Tagged, "Quoted" Co')
    connect(partner, tagged)
    db.session.add_all([CustomerTag(partner_id=partner.id, customer_id=tagged.id, label=label)
                        for label in ("+VIP", "renewal; Q3", "Ärger")])
    db.session.flush()
    login(user)
    admin_id = db.session.scalar(select(Administrator.id).where(Administrator.user_id == user.id))
    return partner, admin_id


def _reference(partner, admin_id: int) -> bytes:
    """The export as a plain rendering: lazy labels made text per cell, one csv line per row."""
    rows = dashboard_rows(partner.id, admin_id, DashboardParams(), set())
    lines = [[str(title) for title in CSV_HEADER]]
    not_shared = str(sharing.NOT_SHARED)
    for row in rows:
        licensing = (
            "; ".join(f"{s.name} ({str(STATE_LABELS.lazy[s.state])})" for s in row.services),
            row.purchased,
            row.assigned,
            "" if row.percent_whole is None else row.percent_whole,
            row.expiring_on.isoformat() if row.expiring_on else "",
        )
        if not row.shares[sharing.LICENSING]:
            licensing = (not_shared,) * len(licensing)
        health = row.score
        summary = "; ".join(f"{str(FACTORS[d.factor])} -{d.points} ({d.reason})" for d in health.deductions)
        lines.append((
            row.name, row.orgid, row.tenancy.value, row.connected_since.date().isoformat(), row.contact or "",
            *licensing,
            row.unread if row.shares[sharing.NOTIFICATIONS] else not_shared,
            row.open_tickets if row.shares[sharing.TICKETS] else not_shared,
            health.score, summary, "; ".join(row.tags),
        ))
    out = io.StringIO()
    for line in lines:
        csv.writer(out, lineterminator="\r\n").writerow([safe_cell(value) for value in line])
    return out.getvalue().encode()


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_export_is_the_plain_rendering_byte_for_byte(client, world, language):
    partner, admin_id = world
    body = client.get("/customers/export.csv", headers={"Accept-Language": language}).get_data()
    with force_locale(language):
        expected = _reference(partner, admin_id)
    assert body == expected
    text = body.decode()
    # The cases are there: each state, withheld scopes, tags, a deduction, neutralised formulas.
    with force_locale(language):
        for state in STATE_LABELS.lazy.values():
            assert f"({state})" in text
        assert str(sharing.NOT_SHARED) in text and str(FACTORS["trend"]) in text
    assert "'=HYPERLINK" in text and "'-contact@every.example" in text and "+VIP; renewal; Q3" in text
