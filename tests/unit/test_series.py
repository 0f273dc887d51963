"""Monthly and daily usage series aggregated in SQL (runs on SQLite and on PostgreSQL)."""
from __future__ import annotations

from datetime import date, timedelta

from partner_portal.extensions import db
from partner_portal.licensing import series
from partner_portal.licensing.math import summarize_services
from partner_portal.licensing.series import DayPoint, MonthPoint
from partner_portal.models import CommitModel, Term

from ..factories import make_org
from ..licensing_factories import make_bandwidth, make_bandwidth_days, make_entitlement, make_usage, make_usage_days

TODAY = date(2025, 6, 15)


def test_monthly_series_aggregates_per_month_and_fills_gaps():
    org = make_org()
    entitlement = make_entitlement(org, "daas-concurrent")
    make_usage(entitlement, date(2024, 6, 30), assigned=999, newly_assigned=999)  # before the window
    make_usage(entitlement, date(2024, 7, 1), assigned=10, newly_assigned=10, monthly_active=8, peak_concurrent=3)
    make_usage(entitlement, date(2024, 7, 31), assigned=14, newly_assigned=4, monthly_active=7, peak_concurrent=5)
    make_usage(entitlement, date(2025, 1, 15), assigned=30, newly_assigned=2, monthly_active=25)
    make_usage(entitlement, date(2025, 6, 15), assigned=41, newly_assigned=1, monthly_active=33, peak_concurrent=9)
    make_usage(entitlement, date(2025, 6, 16), assigned=500, newly_assigned=500)  # after today

    points = series.monthly_series(entitlement.id, TODAY)

    assert [p.month for p in points] == [date(2024 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(12)]
    assert points[0] == MonthPoint(date(2024, 7, 1), assigned=14, newly_assigned=14, monthly_active=8,
                                   peak_concurrent=5, has_data=True)
    assert points[6] == MonthPoint(date(2025, 1, 1), 30, 2, 25, None, True)
    assert points[11] == MonthPoint(date(2025, 6, 1), 41, 1, 33, 9, True)
    # Months without rows come back as zero rows.
    assert points[1] == MonthPoint(date(2024, 8, 1)) and not points[1].has_data
    assert sum(p.has_data for p in points) == 3


def test_monthly_series_without_any_usage_is_twelve_zero_months():
    entitlement = make_entitlement(make_org())
    points = series.monthly_series(entitlement.id, TODAY)
    assert len(points) == 12 and not any(p.has_data or p.assigned for p in points)


def test_daily_series_covers_thirty_days_with_gaps():
    entitlement = make_entitlement(make_org())
    make_usage(entitlement, TODAY - timedelta(days=30), daily_active=99)  # one day too old
    make_usage(entitlement, TODAY - timedelta(days=29), assigned=5, daily_active=2, monthly_active=4)
    make_usage(entitlement, TODAY, assigned=6, newly_assigned=1, daily_active=3, monthly_active=5, peak_concurrent=2)
    points = series.daily_series(entitlement.id, TODAY)
    assert [p.day for p in points] == [TODAY - timedelta(days=29 - n) for n in range(30)]
    assert points[0] == DayPoint(TODAY - timedelta(days=29), 5, 0, 2, 4, None, True)
    assert points[-1] == DayPoint(TODAY, 6, 1, 3, 5, 2, True)
    assert points[1] == DayPoint(TODAY - timedelta(days=28))


def test_org_series_cover_every_entitlement_including_unused_ones():
    org = make_org()
    used = make_entitlement(org, "daas-user")
    unused = make_entitlement(org, "endpoint-management")
    other_org = make_entitlement(make_org())
    make_usage(used, date(2025, 6, 2), assigned=7, newly_assigned=7, daily_active=1, monthly_active=6)
    make_usage(used, date(2025, 6, 3), assigned=9, newly_assigned=2, daily_active=2, monthly_active=6)
    make_usage(other_org, date(2025, 6, 3), assigned=1000)

    monthly = series.org_monthly_series(org.id, TODAY)
    assert set(monthly) == {used.id, unused.id}
    assert monthly[used.id][11] == MonthPoint(date(2025, 6, 1), 9, 9, 6, None, True)
    assert not any(p.has_data for p in monthly[unused.id]) and len(monthly[unused.id]) == 12

    daily = series.org_daily_series(org.id, TODAY)
    assert set(daily) == {used.id, unused.id}
    assert [p.assigned for p in daily[used.id] if p.has_data] == [7, 9]
    assert len(daily[unused.id]) == 30 and not any(p.has_data for p in daily[unused.id])

    assert set(series.org_monthly_series(org.id, TODAY, service_code="endpoint-management")) == {unused.id}
    assert set(series.org_daily_series(org.id, TODAY, service_code="daas-user")) == {used.id}


def test_service_series_adds_each_entitlements_monthly_peak():
    org = make_org()
    first = make_entitlement(org, "daas-user")
    second = make_entitlement(org, "daas-user")
    make_entitlement(org, "endpoint-management")
    make_usage(first, date(2025, 4, 1), assigned=10, newly_assigned=10, monthly_active=5, peak_concurrent=2)
    make_usage(first, date(2025, 4, 2), assigned=12, newly_assigned=2, monthly_active=6, peak_concurrent=4)
    make_usage(second, date(2025, 4, 20), assigned=30, newly_assigned=3, monthly_active=20)
    points = series.service_monthly_series(org.id, "daas-user", TODAY)
    # 12 + 30, not 10 + 12 + 30: per-entitlement peaks are summed.
    assert points[9] == MonthPoint(date(2025, 4, 1), 42, 15, 26, 4, True)
    assert points[10] == MonthPoint(date(2025, 5, 1))


def test_monthly_commit_series_shows_the_reset():
    org = make_org()
    commit = make_entitlement(org, "daas-user", license_count=40, commit_model=CommitModel.MONTHLY_COMMIT)
    for day, assigned in [(date(2025, 4, 29), 43), (date(2025, 4, 30), 45), (date(2025, 5, 1), 12),
                          (date(2025, 5, 2), 30)]:
        make_usage(commit, day, assigned=assigned)
    points = series.monthly_series(commit.id, TODAY)
    assert [p.assigned for p in points[9:12]] == [45, 30, 0]


def test_query_counts_do_not_depend_on_entitlements_or_days(count_queries):
    def build(entitlements: int, days: int):
        org = make_org()
        for _ in range(entitlements):
            make_usage_days(make_entitlement(org), TODAY - timedelta(days=days - 1), TODAY)
        db.session.flush()
        return org

    small, large = build(1, 3), build(6, 380)
    counts = []
    for org in (small, large):
        with count_queries() as statements:
            series.org_monthly_series(org.id, TODAY)
            series.org_daily_series(org.id, TODAY)
            series.service_monthly_series(org.id, "daas-user", TODAY)
            series.entitlement_figures(org.id, TODAY)
        counts.append(len(statements))
    assert counts == [4, 4]
    with count_queries() as statements:
        entitlement_id = next(iter(series.org_monthly_series(large.id, TODAY)))
        series.monthly_series(entitlement_id, TODAY)
        series.daily_series(entitlement_id, TODAY)
    assert len(statements) == 3


def test_entitlement_figures_feed_the_summary():
    org = make_org()
    user = make_entitlement(org, "daas-user", license_count=100, start=date(2025, 1, 1), end=TODAY + timedelta(days=40))
    commit = make_entitlement(org, "daas-concurrent", license_count=50, commit_model=CommitModel.MONTHLY_COMMIT)
    pending = make_entitlement(org, "endpoint-management", start=None, end=None, is_trial=True)
    make_usage(user, TODAY - timedelta(days=2), assigned=80, daily_active=30, monthly_active=70)
    make_usage(user, TODAY - timedelta(days=1), assigned=95, daily_active=35, monthly_active=75)
    make_usage(user, TODAY + timedelta(days=1), assigned=300)  # beyond today: ignored
    make_usage(commit, date(2025, 5, 31), assigned=61, daily_active=20, monthly_active=55)

    figures = {f.entitlement_id: f for f in series.entitlement_figures(org.id, TODAY)}
    assert set(figures) == {user.id, commit.id, pending.id}
    assert (figures[user.id].assigned, figures[user.id].latest_day) == (95, TODAY - timedelta(days=1))
    assert figures[commit.id].is_monthly_commit and figures[pending.id].latest_day is None

    summaries = {s.service_code: s for s in summarize_services(list(figures.values()), TODAY)}
    assert set(summaries) == {"daas-user", "daas-concurrent"}
    daas = summaries["daas-user"]
    assert (daas.assigned, daas.purchased, daas.color, daas.percent_label, daas.expiring_soon) == (
        95, 100, "amber", "95 %", True)
    # May's count no longer applies in June: monthly-commit licensing starts again each month.
    assert summaries["daas-concurrent"].assigned == 0


# --- Gateway bandwidth -------------------------------------------------------------------------


def test_bandwidth_months_split_cloud_and_sites_per_period_and_month():
    org = make_org()
    gateway = make_entitlement(org, "gateway", term=Term.ANNUAL)
    other = make_entitlement(org, "gateway", term=Term.MONTHLY)
    make_bandwidth(gateway, date(2025, 3, 14), 7)                      # last day of period 0
    make_bandwidth(gateway, date(2025, 3, 15), 100)                    # first day of period 1
    make_bandwidth(gateway, date(2025, 3, 20), 40, site="ams-01")
    make_bandwidth(gateway, date(2025, 3, 20), 2, site="fra-02")
    make_bandwidth(gateway, date(2025, 3, 21), 50)
    make_bandwidth(gateway, date(2025, 4, 2), 9, site="ams-01")
    make_bandwidth(gateway, date(2025, 6, 16), 1000)                   # after the window
    make_bandwidth(other, date(2025, 3, 20), 5)

    found = series.bandwidth_months([
        series.Window(gateway.id, 0, date(2024, 3, 15), date(2025, 3, 14)),
        series.Window(gateway.id, 1, date(2025, 3, 15), TODAY),
        series.Window(other.id, 4, date(2025, 5, 1), date(2025, 5, 31)),  # no usage in it
    ])
    assert found == {
        (gateway.id, 0): {date(2025, 3, 1): (7, 0)},
        (gateway.id, 1): {date(2025, 3, 1): (150, 42), date(2025, 4, 1): (0, 9)},
    }
    assert series.bandwidth_months([]) == {}


def test_bandwidth_months_statement_is_compiled_once_per_shape():
    # A statement without a cache key is compiled by SQLAlchemy on every execution (a VALUES list
    # was: about a tenth of the View Licensing panel's time).
    for count in (1, 2, 7):
        assert series._bandwidth_months_statement(count)._generate_cache_key() is not None


def test_bandwidth_sites_keep_each_sites_share():
    gateway = make_entitlement(make_org(), "gateway")
    make_bandwidth(gateway, date(2025, 5, 31), 3, site="ams-01")
    make_bandwidth(gateway, date(2025, 6, 1), 4, site="ams-01")
    make_bandwidth(gateway, date(2025, 6, 2), 6, site="ams-01")
    make_bandwidth(gateway, date(2025, 6, 2), 8, site="Berlin")
    make_bandwidth(gateway, date(2025, 6, 2), 500)                     # cloud: not a site
    make_bandwidth(gateway, date(2025, 7, 1), 500, site="ams-01")      # outside the range
    assert series.bandwidth_sites(gateway.id, date(2025, 5, 1), TODAY) == {
        "Berlin": {date(2025, 6, 1): 8},
        "ams-01": {date(2025, 5, 1): 3, date(2025, 6, 1): 10},
    }


def test_bandwidth_query_counts_do_not_depend_on_months_sites_or_entitlements(count_queries):
    def build(entitlements: int, days: int, sites: int):
        org = make_org()
        windows = []
        for index in range(entitlements):
            gateway = make_entitlement(org, "gateway")
            first = TODAY - timedelta(days=days - 1)
            make_bandwidth_days(gateway, first, TODAY, 10)
            for site in range(sites):
                make_bandwidth_days(gateway, first, TODAY, 3, site=f"site-{site}")
            windows.append(series.Window(gateway.id, index, first, TODAY))
        return windows

    counts = []
    for windows in (build(1, 3, 0), build(5, 800, 4)):
        with count_queries() as statements:
            found = series.bandwidth_months(windows)
            series.bandwidth_sites(windows[-1].entitlement_id, windows[-1].first, TODAY)
        counts.append(len(statements))
    assert counts == [2, 2]
    # 800 days reach back 27 calendar months; each month adds cloud and all four sites.
    assert len(found[(windows[-1].entitlement_id, 4)]) == 27
    assert found[(windows[-1].entitlement_id, 4)][date(2025, 6, 1)] == (150, 180)
