"""Gateway bandwidth rules: pools and allotments, billing periods, overage; hand-computed cases
(docs/bandwidth.md works the same examples) and property tests."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from partner_portal.licensing import bandwidth as bw
from partner_portal.licensing.bandwidth import Allotments, GatewayEntitlement, Period

GB = bw.MB_PER_GB
DEFAULT = Allotments()

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
users = st.integers(min_value=0, max_value=100_000)
usage = st.integers(min_value=0, max_value=10**9)


def gateway(term: str = "annual", users: int = 100, start: date | None = date(2025, 1, 1),
            end: date | None = date(2025, 12, 31), is_trial: bool = False) -> GatewayEntitlement:
    """A Gateway entitlement for the rules."""
    return GatewayEntitlement(1, term, is_trial, users, start, end)


def spans(periods: list[Period]) -> list[tuple[date, date, int]]:
    """(first, last, allotment) of each period."""
    return [(p.first, p.last, p.allotment_mb) for p in periods]


# --- the allotment of a billing period -----------------------------------------------------------


@pytest.mark.parametrize("start, end, months", [
    (date(2024, 1, 1), date(2026, 12, 31), (36, 0, 31)),        # three calendar years
    (date(2025, 3, 15), date(2028, 3, 14), (36, 0, 31)),        # three years from mid-month
    (date(2025, 1, 1), date(2026, 6, 30), (18, 0, 31)),         # a year and a half
    (date(2024, 2, 29), date(2025, 2, 28), (12, 0, 28)),        # from leap day: its anniversary is Mar 1
    (date(2023, 3, 1), date(2024, 2, 29), (12, 0, 31)),         # a year ending on leap day
    (date(2025, 1, 31), date(2025, 2, 28), (1, 0, 30)),         # Jan 31 + 1 month = Mar 1
    (date(2024, 1, 15), date(2024, 2, 20), (1, 6, 29)),         # 6 days of Feb 15..Mar 14, 2024 (29 days)
    (date(2023, 1, 15), date(2023, 2, 20), (1, 6, 28)),         # the same in a common year (28 days)
    (date(2025, 6, 10), date(2025, 6, 10), (0, 1, 30)),         # one day
    (date(2025, 6, 10), date(2025, 6, 9), (0, 0, 30)),          # ends the day before it starts
    (date(2025, 6, 10), date(2025, 6, 1), (0, 0, 1)),           # ends long before it starts
])
def test_term_months(start, end, months):
    assert bw.term_months(start, end) == months


@pytest.mark.parametrize("users, start, end, pool_gb", [
    (100, date(2024, 1, 1), date(2026, 12, 31), 3600),          # 100 users for 3 years = 3,600 GB
    (100, date(2025, 1, 1), date(2025, 12, 31), 1200),          # ... 1,200 GB a year
    (10, date(2024, 2, 29), date(2025, 2, 28), 120),            # a leap year is still 12 months
    (10, date(2025, 1, 1), date(2025, 6, 30), 60),              # half a year
    (40, date(2025, 1, 1), date(2026, 6, 30), 720),             # 18 months
])
def test_pools_in_whole_gigabytes(users, start, end, pool_gb):
    assert bw.pool_mb(users, start, end, DEFAULT.per_user_month_mb) == pool_gb * GB


def test_partial_months_are_pro_rated_by_day_and_rounded_down():
    # 10 users: a month is 10,000 MB; 6 days of a 29-day stretch add 60,000 / 29 = 2,068.9 MB.
    assert bw.pool_mb(10, date(2024, 1, 15), date(2024, 2, 20), GB) == 12_068
    # The same dates a year earlier: the stretch has 28 days, 60,000 / 28 = 2,142.8 MB.
    assert bw.pool_mb(10, date(2023, 1, 15), date(2023, 2, 20), GB) == 12_142


def test_monthly_allotment_of_a_month_started_or_ended_mid_month():
    # 100 users from March 15: 17 of March's 31 days.
    assert bw.month_allotment_mb(100, date(2025, 3, 15), date(2025, 3, 31), GB) == 100_000 * 17 // 31 == 54_838
    assert bw.month_allotment_mb(100, date(2025, 4, 1), date(2025, 4, 30), GB) == 100_000
    # February 15..29 of a leap year: 15 of 29 days.
    assert bw.month_allotment_mb(10, date(2024, 2, 15), date(2024, 2, 29), GB) == 10_000 * 15 // 29 == 5_172


def test_allotments_are_settings():
    assert bw.pool_mb(100, date(2025, 1, 1), date(2025, 12, 31), 2 * GB) == 2400 * GB
    trial = gateway(users=25, start=date(2025, 5, 1), end=date(2025, 6, 29), is_trial=True)
    assert trial.periods(Allotments(trial_pool_mb=80 * GB), date(2025, 6, 1))[0].allotment_mb == 80 * GB


# --- billing periods ------------------------------------------------------------------------------


def test_monthly_periods_are_calendar_months_clipped_to_the_term():
    periods = gateway("monthly", 100, date(2025, 3, 15), date(2025, 5, 10)).periods(DEFAULT, date(2025, 12, 1))
    assert spans(periods) == [
        (date(2025, 3, 15), date(2025, 3, 31), 54_838),
        (date(2025, 4, 1), date(2025, 4, 30), 100_000),
        (date(2025, 5, 1), date(2025, 5, 10), 100_000 * 10 // 31),
    ]
    # Only up to the month of `through`.
    assert len(gateway("monthly", 100, date(2025, 3, 15), None).periods(DEFAULT, date(2025, 4, 2))) == 2


def test_annual_periods_run_year_by_year_from_the_start_and_the_last_is_pro_rated():
    entitlement = gateway("annual", 100, date(2024, 3, 15), date(2026, 9, 14))
    periods = entitlement.periods(DEFAULT, date(2030, 1, 1))
    assert spans(periods) == [
        (date(2024, 3, 15), date(2025, 3, 14), 1_200_000),
        (date(2025, 3, 15), date(2026, 3, 14), 1_200_000),
        (date(2026, 3, 15), date(2026, 9, 14), 600_000),
    ]
    # A period boundary: March 14 closes the first year, March 15 opens the second.
    assert entitlement.period_on(DEFAULT, date(2025, 3, 14)).index == 0
    assert entitlement.period_on(DEFAULT, date(2025, 3, 15)).index == 1
    assert entitlement.period_on(DEFAULT, date(2024, 3, 14)) is None
    # After the end, the last period stands.
    assert entitlement.period_on(DEFAULT, date(2027, 1, 1)).index == 2


def test_a_termed_entitlement_is_one_pool_for_the_whole_term():
    termed = gateway("termed", 100, date(2024, 1, 1), date(2026, 12, 31))
    assert spans(termed.periods(DEFAULT, date(2025, 6, 1))) == [(date(2024, 1, 1), date(2026, 12, 31), 3_600_000)]


def test_a_trial_pools_the_fixed_trial_allotment_over_its_days():
    trial = gateway("monthly", 25, date(2025, 5, 1), date(2025, 6, 29), is_trial=True)
    assert trial.plan == bw.TRIAL and trial.pooled
    assert spans(trial.periods(DEFAULT, date(2025, 5, 20))) == [(date(2025, 5, 1), date(2025, 6, 29), 50_000)]


def test_no_periods_before_the_start_or_for_a_pending_trial_request():
    assert gateway(start=date(2025, 7, 1)).periods(DEFAULT, date(2025, 6, 30)) == []
    assert gateway(start=None, end=None, is_trial=True).periods(DEFAULT, date(2025, 6, 30)) == []


# --- overage -----------------------------------------------------------------------------------


def months_of(period: Period, through: date, *used_gb: tuple[int, int]) -> list[bw.MonthFigures]:
    """period_months with (cloud, on-premises) GB for each month in turn."""
    used = {month: (cloud * GB, site * GB) for month, (cloud, site) in zip(period.months(through), used_gb)}
    return bw.period_months(period, used, through)


def test_monthly_overage_is_the_usage_above_each_months_allotment_and_nothing_carries_over():
    periods = gateway("monthly", 100, date(2025, 1, 1), None).periods(DEFAULT, date(2025, 2, 28))
    january = months_of(periods[0], date(2025, 2, 28), (90, 40))
    february = months_of(periods[1], date(2025, 2, 28), (50, 30))
    assert [(m.used_mb, m.overage_mb) for m in january + february] == [(130 * GB, 30 * GB), (80 * GB, 0)]


def test_pooled_overage_appears_once_the_running_total_passes_the_pool():
    # 100 users for a year: a 1,200 GB pool.
    period = gateway("annual", 100).periods(DEFAULT, date(2025, 4, 30))[0]
    months = months_of(period, date(2025, 4, 30), (400, 100), (300, 200), (250, 50), (100, 0))
    assert [m.cumulative_mb // GB for m in months] == [500, 1000, 1300, 1400]
    assert [m.overage_mb // GB for m in months] == [0, 0, 100, 100]
    assert all(m.allotment_mb == 1_200_000 for m in months)


def test_a_new_billing_year_starts_a_new_pool():
    entitlement = gateway("annual", 10, date(2024, 7, 1), date(2026, 6, 30))
    first, second = entitlement.periods(DEFAULT, date(2025, 7, 31))
    # The first year ran 30 GB over its 120 GB pool in June 2025; July 2025 starts again.
    june = months_of(first, date(2025, 7, 31), *[(10, 0)] * 11, (20, 0))[-1]
    july = months_of(second, date(2025, 7, 31), (20, 0))[0]
    assert (june.cumulative_mb, june.overage_mb) == (130 * GB, 10 * GB)
    assert (july.cumulative_mb, july.overage_mb) == (20 * GB, 0)


def test_a_termed_period_that_starts_mid_month_counts_partial_first_month():
    termed = gateway("termed", 10, date(2025, 3, 15), date(2026, 3, 14))
    (period,) = termed.periods(DEFAULT, date(2025, 5, 31))
    months = months_of(period, date(2025, 5, 31), (60, 0), (50, 0), (20, 5))
    assert [m.month for m in months] == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    assert (months[-1].cumulative_mb, months[-1].overage_mb) == (135 * GB, 15 * GB)


def test_trial_overage():
    trial = gateway("monthly", 25, date(2025, 5, 10), date(2025, 7, 8), is_trial=True)
    (period,) = trial.periods(DEFAULT, date(2025, 7, 8))
    months = months_of(period, date(2025, 7, 8), (20, 10), (15, 10), (3, 0))
    assert [m.overage_mb // GB for m in months] == [0, 5, 3]


def test_several_subscriptions_add_up_in_the_summary():
    today = date(2025, 6, 15)
    monthly = gateway("monthly", 50, date(2025, 1, 1), None)
    annual_a = GatewayEntitlement(2, "annual", False, 100, date(2025, 1, 1), date(2025, 12, 31))
    annual_b = GatewayEntitlement(3, "annual", False, 50, date(2025, 4, 1), date(2026, 3, 31))
    standings = []
    for entitlement, used in ((monthly, [(40, 30)]), (annual_a, [(200, 0)] * 6), (annual_b, [(250, 0)] * 3)):
        period = entitlement.period_on(DEFAULT, today)
        months = months_of(period, today, *used)
        standings.append(bw.standing(entitlement, period, months, today))
    lines, total = bw.breakdown(standings)
    assert [(s.label, s.entitlements, s.used_mb // GB, s.allotment_mb // GB, s.overage_mb // GB,
             s.month_overage_mb // GB) for s in lines] == [
        ("Monthly", 1, 70, 50, 20, 20),
        # 1,200 + 600 GB of pools; the second ran over its 600 GB in June (750 used).
        ("Annual", 2, 1950, 1800, 150, 150),
    ]
    assert (total.label, total.used_mb // GB, total.allotment_mb // GB, total.month_overage_mb // GB) == (
        "Total", 2020, 1850, 170)
    assert (total.cloud_mb // GB, total.on_premises_mb // GB) == (1990, 30)
    assert total.color == "red" and total.percent_label == "110 %"


def test_gigabytes_are_written_exactly():
    assert [bw.gb_text(mb) for mb in (0, 5, 1000, 1_234_005)] == ["0.000", "0.005", "1.000", "1234.005"]
    assert [bw.gb_short(mb) for mb in (0, 500, 1000, 1_200_000, 1_234_005)] == ["0", "0.5", "1", "1200", "1234.005"]


# --- properties ----------------------------------------------------------------------------------


@given(st.lists(st.tuples(usage, usage), min_size=1, max_size=40), st.integers(min_value=0, max_value=10**10))
def test_overage_properties(used, allotment):
    start = date(2020, 1, 1)
    period = Period(0, start, date(2030, 12, 31), allotment)
    months = period.months(date(2030, 12, 31))[:len(used)]
    figures = bw.period_months(period, dict(zip(months, used)), months[-1])
    cumulative = [m.cumulative_mb for m in figures]
    assert cumulative == sorted(cumulative)                                  # never decreases
    assert sum(m.used_mb for m in figures) == cumulative[-1]                 # months sum to the total
    assert all(m.overage_mb >= 0 for m in figures)                           # never negative
    assert all(m.overage_mb <= m.used_mb for m in figures)                   # never above the month's usage
    assert sum(m.overage_mb for m in figures) == max(0, cumulative[-1] - allotment)


@given(days, days, users)
@example(start=date(2000, 1, 3), end=date(2000, 1, 1), count=1)  # a monthly term ending 2 days early: was -33 MB
def test_periods_partition_the_term(start, end, count):
    for term in ("monthly", "annual", "termed"):
        entitlement = gateway(term, count, start, end)
        periods = entitlement.periods(DEFAULT, date(2101, 1, 1))
        if end < start:
            assert all(p.allotment_mb == 0 for p in periods)
            continue
        assert periods[0].first == start and periods[-1].last == end
        for before, after in zip(periods, periods[1:]):
            assert after.first == before.last + timedelta(days=1)
        assert [p.index for p in periods] == list(range(len(periods)))


@given(days, st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=40), users)
def test_pools_grow_with_the_term_and_whole_years_are_12_gb_per_user(start, years_days, extra, count):
    per = DEFAULT.per_user_month_mb
    end = start + timedelta(days=years_days)
    assert bw.pool_mb(count, start, end, per) <= bw.pool_mb(count, start, end + timedelta(days=extra), per)
    year_end = bw.anniversary(start, 12) - timedelta(days=1)
    assert bw.pool_mb(count, start, year_end, per) == count * 12 * per


@given(days, st.integers(min_value=0, max_value=600))
def test_anniversaries_move_forward(start, months):
    assert bw.anniversary(start, months) < bw.anniversary(start, months + 1)
    assert bw.anniversary(start, 0) == start
