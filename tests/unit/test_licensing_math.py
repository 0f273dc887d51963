"""Licensing math: percentages, colors, remaining and overage, expiry, month reset, summaries."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partner_portal.licensing import math as lm
from partner_portal.licensing.math import EntitlementFigures

counts = st.integers(min_value=0, max_value=10**7)
positive = st.integers(min_value=1, max_value=10**7)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


# --- hand-computed cases -----------------------------------------------------------------------


@pytest.mark.parametrize("assigned, purchased, percent", [
    (0, 100, 0.0), (45, 100, 45.0), (90, 100, 90.0), (1, 3, 100 / 3), (120, 100, 120.0), (5, 0, None), (0, 0, None),
])
def test_percent_assigned(assigned, purchased, percent):
    assert lm.percent_assigned(assigned, purchased) == percent


@pytest.mark.parametrize("assigned, purchased, color", [
    (0, 100, "green"), (89, 100, "green"), (90, 100, "amber"), (99, 100, "amber"), (100, 100, "amber"),
    (101, 100, "red"), (1001, 1000, "red"),
    # 899/1000 is 89.9 %: still green; 900/1000 is exactly 90 %: amber.
    (899, 1000, "green"), (900, 1000, "amber"),
    # 9/10 = 90 % exactly; 17/19 = 89.47 %.
    (9, 10, "amber"), (17, 19, "green"),
    (0, 0, "green"), (3, 0, "red"),
])
def test_health_color(assigned, purchased, color):
    assert lm.health_color(assigned, purchased) == color


@pytest.mark.parametrize("assigned, purchased, label", [
    (0, 100, "0 %"), (93, 100, "93 %"), (896, 1000, "89 %"), (999, 1000, "99 %"), (100, 100, "100 %"),
    (1002, 1000, "101 %"), (120, 100, "120 %"), (5, 0, "—"),
])
def test_percent_label_never_contradicts_the_color(assigned, purchased, label):
    assert lm.percent_label(assigned, purchased) == label


@pytest.mark.parametrize("assigned, purchased, remaining, over", [
    (0, 100, 100, 0), (60, 100, 40, 0), (100, 100, 0, 0), (130, 100, 0, 30), (7, 0, 0, 7),
])
def test_remaining_and_overage(assigned, purchased, remaining, over):
    assert lm.licenses_remaining(assigned, purchased) == remaining
    assert lm.overage(assigned, purchased) == over


@pytest.mark.parametrize("users, devices, units", [
    (120, 80, 80), (50, 75, 50), (40, None, 40), (None, 12, 12), (None, None, 0), (0, 9, 0),
])
def test_license_units_count_the_lesser_of_users_and_devices(users, devices, units):
    assert lm.license_units(users, devices) == units


TODAY = date(2025, 6, 15)


@pytest.mark.parametrize("end, warn", [
    (None, False),
    (TODAY - timedelta(days=1), False),  # already expired
    (TODAY, True),                        # ends today: still running
    (TODAY + timedelta(days=1), True),
    (TODAY + timedelta(days=90), True),
    (TODAY + timedelta(days=91), False),
])
def test_expiry_warning(end, warn):
    assert lm.expires_soon(end, TODAY) is warn


def test_last_months_and_days():
    assert lm.last_months(date(2025, 2, 10), 3) == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    assert len(lm.last_months(TODAY)) == 12 and lm.last_months(TODAY)[0] == date(2024, 7, 1)
    assert lm.last_days(date(2025, 3, 2), 3) == [date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 2)]
    assert lm.add_months(date(2025, 1, 1), -13) == date(2023, 12, 1)


def test_monthly_commit_counts_restart_on_the_first():
    newly = [(date(2025, 1, 30), 5), (date(2025, 1, 31), 2), (date(2025, 2, 1), 4), (date(2025, 2, 2), 1),
             (date(2025, 3, 1), 0)]
    assert lm.monthly_reset_assigned(newly) == [
        (date(2025, 1, 30), 5), (date(2025, 1, 31), 7), (date(2025, 2, 1), 4), (date(2025, 2, 2), 5),
        (date(2025, 3, 1), 0),
    ]


def test_current_assigned_of_monthly_commit_is_zero_once_the_month_is_over():
    assert lm.current_assigned(80, date(2025, 5, 31), TODAY, monthly_commit=True) == 0
    assert lm.current_assigned(80, date(2025, 6, 1), TODAY, monthly_commit=True) == 80
    assert lm.current_assigned(80, date(2025, 5, 31), TODAY, monthly_commit=False) == 80
    # No daily usage at all: the entitlement's recorded count stands.
    assert lm.current_assigned(80, None, TODAY, monthly_commit=False) == 80
    assert lm.current_assigned(80, None, TODAY, monthly_commit=True) == 80


def test_commitment_split_shows_overage_apart():
    splits = lm.split_by_commitment([(date(2025, 1, 1), 80), (date(2025, 2, 1), 100), (date(2025, 3, 1), 130)], 100)
    assert [(s.within_commitment, s.overage) for s in splits] == [(80, 0), (100, 0), (100, 30)]


def _figures(entitlement_id, service="daas-user", count=100, assigned=0, start=date(2025, 1, 1),
             end=date(2026, 1, 1), **kwargs):
    return EntitlementFigures(entitlement_id, service, count, start, end, assigned=assigned,
                              latest_day=TODAY if assigned else None, **kwargs)


@pytest.mark.parametrize("start, end, counts", [
    (TODAY - timedelta(days=30), TODAY, True),                         # ends today: still in force
    (TODAY, TODAY + timedelta(days=30), True),                         # starts today
    (TODAY - timedelta(days=30), TODAY - timedelta(days=1), False),    # ended yesterday
    (TODAY + timedelta(days=1), TODAY + timedelta(days=30), False),    # starts tomorrow
])
def test_an_entitlement_counts_from_its_first_to_its_last_day(start, end, counts):
    figures = _figures(1, count=40, assigned=10, start=start, end=end)
    assert figures.counts_on(TODAY) is counts
    summary = lm.summarize_service("daas-user", [figures], TODAY)
    assert summary.purchased == (40 if counts else 0)


def test_entitlement_state_on_its_last_day():
    from partner_portal.models import Entitlement, EntitlementState

    ending = Entitlement(is_trial=False, start_date=TODAY - timedelta(days=30), end_date=TODAY)
    assert ending.state(TODAY) is EntitlementState.ACTIVE
    assert ending.state(TODAY + timedelta(days=1)) is EntitlementState.EXPIRED


def test_summary_pools_the_entitlements_of_a_service():
    figures = [
        _figures(1, count=100, assigned=120, monthly_active=90, daily_active=40, end=TODAY + timedelta(days=200)),
        _figures(2, count=50, assigned=20, monthly_active=15, daily_active=5, end=TODAY + timedelta(days=30)),
        _figures(3, count=500, assigned=400, end=TODAY - timedelta(days=1)),      # expired: not counted
        _figures(4, count=25, start=None, end=None, is_trial=True),               # pending: not counted
        _figures(5, service="endpoint-management", count=10, assigned=3),
    ]
    summary = lm.summarize_service("daas-user", figures, TODAY)
    assert (summary.purchased, summary.assigned, summary.remaining, summary.overage) == (150, 140, 10, 0)
    assert summary.percent_label == "93 %" and summary.color == "amber"
    assert (summary.monthly_active, summary.daily_active) == (105, 45)
    assert summary.expires_on == TODAY + timedelta(days=30) and summary.expiring_soon
    assert summary.entitlement_ids == (1, 2)


def test_summary_of_monthly_commit_uses_this_months_count_only():
    stale = EntitlementFigures(1, "daas-user", 100, date(2025, 1, 1), None, commit_model="monthly-commit",
                               assigned=130, latest_day=date(2025, 5, 31))
    fresh = EntitlementFigures(2, "daas-user", 100, date(2025, 1, 1), None, commit_model="monthly-commit",
                               assigned=130, latest_day=date(2025, 6, 14))
    assert lm.summarize_service("daas-user", [stale], TODAY).assigned == 0
    summary = lm.summarize_service("daas-user", [fresh], TODAY)
    assert (summary.assigned, summary.overage, summary.color, summary.monthly_commit) == (130, 30, "red", True)
    assert not summary.expiring_soon


def test_summaries_follow_the_catalogue_order():
    figures = [_figures(1, service="secure-private-access"), _figures(2, service="daas-user"),
               _figures(3, service="zeta"), _figures(4, service="endpoint-management", end=date(2020, 1, 1))]
    codes = [s.service_code for s in lm.summarize_services(figures, TODAY, ["daas-user", "secure-private-access"])]
    assert codes == ["daas-user", "secure-private-access", "zeta"]


# --- properties --------------------------------------------------------------------------------


@given(a=counts, b=counts, purchased=positive)
def test_percent_is_monotonic_in_assigned(a, b, purchased):
    low, high = sorted((a, b))
    assert lm.percent_assigned(low, purchased) <= lm.percent_assigned(high, purchased)


@given(assigned=counts, p=positive, q=positive)
def test_percent_never_rises_when_more_is_purchased(assigned, p, q):
    small, large = sorted((p, q))
    assert lm.percent_assigned(assigned, large) <= lm.percent_assigned(assigned, small)


@given(assigned=counts, purchased=positive)
def test_color_follows_the_thresholds(assigned, purchased):
    color = lm.health_color(assigned, purchased)
    # Exact rational comparison: the thresholds are whole percentages.
    if assigned * 100 < lm.AMBER_AT_PERCENT * purchased:
        assert color == "green"
    elif assigned <= purchased:
        assert color == "amber"
    else:
        assert color == "red"


_rank = {"green": 0, "amber": 1, "red": 2}


@given(a=counts, b=counts, purchased=counts)
def test_color_never_improves_as_more_is_assigned(a, b, purchased):
    low, high = sorted((a, b))
    assert _rank[lm.health_color(low, purchased)] <= _rank[lm.health_color(high, purchased)]


@given(assigned=counts, purchased=counts)
def test_remaining_and_overage_identities(assigned, purchased):
    remaining, over = lm.licenses_remaining(assigned, purchased), lm.overage(assigned, purchased)
    assert remaining >= 0 and over >= 0
    assert min(remaining, over) == 0
    assert remaining - over == purchased - assigned
    assert min(assigned, purchased) + over == assigned


@given(assigned=counts, purchased=positive)
def test_label_color_agrees_with_color(assigned, purchased):
    shown = int(lm.percent_label(assigned, purchased).split()[0])
    color = lm.health_color(assigned, purchased)
    assert (shown > lm.RED_ABOVE_PERCENT) == (color == "red")
    assert (shown < lm.AMBER_AT_PERCENT) == (color == "green")


@given(users=st.none() | counts, devices=st.none() | counts)
def test_license_units_never_exceed_either_known_count(users, devices):
    units = lm.license_units(users, devices)
    for known in (users, devices):
        if known is not None:
            assert units <= known


@given(end=days, today=days)
def test_expiry_warning_window(end, today):
    assert lm.expires_soon(end, today) == (today <= end <= today + timedelta(days=lm.EXPIRY_WARNING_DAYS))


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 50)), max_size=120), days)
def test_month_reset(steps, first):
    # Build strictly increasing days from gaps, with the day's newly assigned count.
    newly, day = [], first
    for gap, count in steps:
        day += timedelta(days=gap + 1)
        newly.append((day, count))
    result = lm.monthly_reset_assigned(newly)
    for index, ((day, count), (same_day, assigned)) in enumerate(zip(newly, result)):
        assert same_day == day
        if index == 0 or lm.month_start(newly[index - 1][0]) != lm.month_start(day):
            assert assigned == count  # a new month starts from its own first assignments
        else:
            assert assigned == result[index - 1][1] + count
    # Each month's final count is the sum of that month's newly assigned.
    totals: dict[date, int] = {}
    for day, count in newly:
        totals[lm.month_start(day)] = totals.get(lm.month_start(day), 0) + count
    last_of_month = {lm.month_start(day): assigned for day, assigned in result}
    assert last_of_month == totals


@given(st.lists(counts, max_size=24), counts)
def test_commitment_split_adds_up(monthly, commitment):
    months = [lm.add_months(date(2024, 1, 1), index) for index in range(len(monthly))]
    for split in lm.split_by_commitment(zip(months, monthly), commitment):
        assert split.within_commitment + split.overage == split.assigned
        assert split.within_commitment <= commitment
