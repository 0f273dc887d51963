"""Forecast math: the least-squares line, its residual standard error, projections and the
bandwidth totals ahead; hand-computed cases and properties."""
from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partner_portal.insights.forecast import (
    MIN_POINTS, BandwidthWindow, bandwidth_forecast, linear_fit, month_end, seat_forecast,
)

DAY0 = date(2026, 3, 1)


def days_of(values, first=DAY0):
    return [(first + timedelta(days=i), v) for i, v in enumerate(values)]


def test_a_straight_line_is_found_exactly():
    fit = linear_fit(days_of([10 + 2 * i for i in range(10)]))
    assert (fit.slope, fit.intercept, fit.error, fit.points) == (pytest.approx(2), pytest.approx(10), pytest.approx(0), 10)
    assert fit.at(DAY0 + timedelta(days=20)) == pytest.approx(50)


def test_the_residual_standard_error_by_hand():
    # x = 0..7, y = 0,2,0,2,...: Σ(x - 3.5)(y - 1) = 4 and Σ(x - 3.5)² = 42, so the slope is 2/21.
    fit = linear_fit(days_of([0, 2, 0, 2, 0, 2, 0, 2]))
    assert fit.slope == pytest.approx(2 / 21) and fit.intercept == pytest.approx(1 - 3.5 * 2 / 21)
    residuals = sum((y - fit.at(DAY0 + timedelta(days=i))) ** 2 for i, y in enumerate([0, 2, 0, 2, 0, 2, 0, 2]))
    assert fit.error == pytest.approx(math.sqrt(residuals / 6))


def test_too_few_days_give_no_fit():
    assert linear_fit(days_of([1] * (MIN_POINTS - 1))) is None
    assert linear_fit([(DAY0, 1)] * MIN_POINTS) is None  # one day repeated: no slope to fit


def test_month_end():
    assert [month_end(date(2026, m, 15)) for m in (1, 2, 4, 12)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 4, 30), date(2026, 12, 31)]
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)


def test_seat_forecast_by_hand():
    # One more license assigned each day from 50 on March 1 to 59 on March 10.
    today = date(2026, 3, 10)
    result = seat_forecast(days_of(range(50, 60)), today, current=59, purchased=70, term_end=date(2026, 4, 30))
    month, term = result.projections
    assert (month.label, month.day, month.expected, month.low, month.high) == (
        "End of this month", date(2026, 3, 31), 80, 80, 80)
    assert (month.capacity, month.overage) == (70, 10)
    assert (term.day, term.expected, term.overage) == (date(2026, 4, 30), 110, 40)
    assert (result.remaining, result.overage_now, result.in_overage) == (11, 0, True)
    # What if +40 licenses: nothing over at either date.
    more = seat_forecast(days_of(range(50, 60)), today, current=59, purchased=70, term_end=date(2026, 4, 30), added=40)
    assert [p.overage for p in more.projections] == [0, 0] and more.remaining == 51 and not more.in_overage


def test_seat_forecast_without_enough_history_has_no_projection():
    result = seat_forecast(days_of([5, 6]), date(2026, 3, 2), current=6, purchased=10, term_end=None)
    assert result.projections == () and result.remaining == 4


def test_bandwidth_forecast_by_hand():
    # 100 MB every day since Feb 1; on March 10, 1,000 MB used this month, 21 days of 100 MB to come.
    today = date(2026, 3, 10)
    days = [(date(2026, 2, 1) + timedelta(days=i), 100) for i in range((today - date(2026, 2, 1)).days + 1)]
    windows = [BandwidthWindow("End of this month", date(2026, 3, 1), date(2026, 3, 31), 2500)]
    result = bandwidth_forecast(days, today, windows)
    (month,) = result.projections
    assert (month.expected, month.low, month.high, month.capacity, month.overage) == (3100, 3100, 3100, 2500, 600)
    assert (result.current, result.capacity, result.remaining) == (1000, 2500, 1500)
    # What if +1 GB: the allotment becomes 3,500 MB, no overage.
    more = bandwidth_forecast(days, today, windows, added_mb=1000)
    assert more.projections[0].overage == 0 and more.capacity == 3500


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=MIN_POINTS, max_size=90),
       st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_more_purchased_never_means_more_expected_overage(values, purchased, added):
    today = DAY0 + timedelta(days=len(values) - 1)
    before = seat_forecast(days_of(values), today, values[-1], purchased, today + timedelta(days=200))
    after = seat_forecast(days_of(values), today, values[-1], purchased, today + timedelta(days=200), added)
    for p, q in zip(before.projections, after.projections):
        assert q.overage <= p.overage and q.expected == p.expected
        assert 0 <= p.low <= p.expected <= p.high
