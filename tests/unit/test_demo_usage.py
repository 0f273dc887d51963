"""Demo usage: 13+ months of realistic history and Gateway bandwidth, loaded through the import."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from partner_portal.demo.services import DemoBuilder
from partner_portal.extensions import db
from partner_portal.licensing import demo_usage, queries
from partner_portal.licensing.math import month_start
from partner_portal.licensing.series import monthly_series
from partner_portal.models import BandwidthDay, CommitModel, Entitlement, Service, UsageDay

from ..factories import make_org
from ..licensing_factories import make_entitlement, stored_usage

TODAY = date(2025, 11, 20)


def _world():
    """A fixed entitlement heading into overage, a monthly-commit one, a trial, and two without usage."""
    org = make_org()
    over = make_entitlement(org, "daas-user", license_count=100, licenses_assigned=120,
                            start=TODAY - timedelta(days=200), end=TODAY + timedelta(days=165))
    commit = make_entitlement(org, "daas-concurrent", license_count=50, licenses_assigned=54,
                              commit_model=CommitModel.MONTHLY_COMMIT)
    trial = make_entitlement(org, "endpoint-management", license_count=25, licenses_assigned=10, is_trial=True,
                             start=TODAY - timedelta(days=10), end=TODAY + timedelta(days=20))
    pending = make_entitlement(org, "secure-private-access", start=None, end=None, is_trial=True)
    bandwidth = make_entitlement(org, "gateway", license_count=1000, licenses_assigned=300)
    return over, commit, trial, pending, bandwidth


def test_demo_usage_has_history_overage_reset_and_weekday_dips():
    over, commit, trial, pending, bandwidth = _world()
    report = demo_usage.load_demo_usage([over, commit, trial, pending, bandwidth.id], TODAY)
    assert report.ok and report.entitlements_touched == 4

    days = stored_usage(over)
    assert days[0].day == TODAY - timedelta(days=demo_usage.HISTORY_DAYS) and days[-1].day == TODAY
    assert all(later.assigned >= earlier.assigned for earlier, later in zip(days, days[1:]))
    assert days[-1].assigned == 120 and db.session.get(Entitlement, over.id).licenses_assigned == 120
    assert sum(p.assigned > 100 for p in monthly_series(over.id, TODAY)) >= 1  # overage
    weekday = [d.daily_active for d in days[-60:] if d.day.weekday() < 5]
    weekend = [d.daily_active for d in days[-60:] if d.day.weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.4 * sum(weekday) / len(weekday)
    assert all(d.daily_active <= d.monthly_active and d.daily_active <= d.assigned for d in days)

    commit_days = stored_usage(commit)
    for earlier, later in zip(commit_days, commit_days[1:]):
        if later.day.day == 1:
            assert later.assigned == later.newly_assigned  # the count starts again
        else:
            assert later.assigned == earlier.assigned + later.newly_assigned
    assert any(d.peak_concurrent for d in commit_days)
    assert any(p.assigned > 50 for p in monthly_series(commit.id, TODAY))  # some months above the commitment

    assert [d.day for d in stored_usage(trial)][0] == TODAY - timedelta(days=10)
    assert stored_usage(pending) == [] and stored_usage(bandwidth) == []


def test_demo_usage_is_deterministic():
    over, commit, *_ = _world()
    specs = demo_usage._specs([over.id, commit.id], TODAY)
    first = list(demo_usage.demo_usage_rows(specs))
    assert first == list(demo_usage.demo_usage_rows(specs))
    assert first != list(demo_usage.demo_usage_rows(specs, seed=1))
    assert len(first) == 2 * (demo_usage.HISTORY_DAYS + 1)
    assert db.session.scalar(select(UsageDay.day).limit(1)) is None  # generating writes nothing


def test_demo_bandwidth_comes_from_the_cloud_and_sites_and_follows_the_users_at_work():
    *_, bandwidth = _world()  # 1,000 users, 300 of them at work, since 2024-01-01
    report = demo_usage.load_demo_usage([bandwidth], TODAY)
    assert report.ok and report.entitlements_touched == 1
    rows = list(db.session.scalars(select(BandwidthDay).where(BandwidthDay.entitlement_id == bandwidth.id)))
    assert min(row.day for row in rows) == date(2024, 1, 1) and max(row.day for row in rows) == TODAY
    sites = {row.site for row in rows}
    assert "" in sites and len(sites) >= 2  # the cloud service and at least one on-premises site
    october = sum(row.megabytes for row in rows if month_start(row.day) == date(2025, 10, 1))
    assert 0.8 * 300_000 < october < 1.2 * 300_000  # about 1 GB per user at work
    weekday = [row.megabytes for row in rows if not row.site and row.day.weekday() < 5]
    weekend = [row.megabytes for row in rows if not row.site and row.day.weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.4 * sum(weekday) / len(weekday)
    assert db.session.get(Entitlement, bandwidth.id).licenses_assigned == 300  # bandwidth leaves it alone


def test_the_demo_world_has_gateway_customers_of_every_term_some_in_overage(app):
    today = date.today()
    DemoBuilder(random.Random(20261127), today).build()
    db.session.flush()
    gateway = list(db.session.scalars(select(Entitlement).join(Service, Service.code == Entitlement.service_code)
                                      .where(Service.is_bandwidth, Entitlement.start_date.is_not(None))))
    plans = {("trial" if e.is_trial else e.term.value) for e in gateway}
    assert plans == {"monthly", "annual", "termed", "trial"}
    over = set()
    for org_id in {e.organization_id for e in gateway}:
        chart = queries.gateway_overage(org_id, today)
        for row in chart.table.rows:
            for plan, megabytes in zip(chart.table.headers[1:-1], row[1:-1]):
                if megabytes:
                    over.add(plan)
    assert over >= {"Monthly (GB)", "Annual (GB)", "Termed (GB)", "Trial (GB)"}
    sources = set(db.session.scalars(select(BandwidthDay.source).distinct()))
    assert {source.value for source in sources} == {"cloud", "on-premises"}
