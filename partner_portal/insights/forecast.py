"""Forecasts of seat and bandwidth entitlements, and the what-if that recomputes them.

The method, in one sentence: a straight line fitted by least squares to the last 90 days, read
off at the end of the month and at the end of the term, with a band of one residual standard
error (the typical distance of a recorded day from the line). Pure functions: callers pass the
recorded days and the dates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..web.i18n import gettext

WINDOW_DAYS = 90
# A line through fewer recorded days than this says nothing useful.
MIN_POINTS = 7
# What-if bounds: "+N licenses" and "+X GB" accept 0..these.
MAX_ADD_LICENSES = 100_000
MAX_ADD_GB = 1_000_000


@dataclass(frozen=True)
class Fit:
    """y = intercept + slope * x (x in days from `origin`), and the residual standard error."""

    origin: date
    slope: float
    intercept: float
    error: float
    points: int

    def at(self, day: date) -> float:
        """The line's value on `day`."""
        return self.intercept + self.slope * (day - self.origin).days


def linear_fit(days: Sequence[tuple[date, float]]) -> Fit | None:
    """Least-squares line through (day, value) points; None with fewer than MIN_POINTS.

    The residual standard error divides by n − 2 (two fitted parameters)."""
    if len(days) < MIN_POINTS:
        return None
    origin = min(day for day, _ in days)
    xs = [(day - origin).days for day, _ in days]
    ys = [float(value) for _, value in days]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    residuals = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return Fit(origin, slope, intercept, math.sqrt(residuals / (n - 2)), n)


@dataclass(frozen=True)
class Projection:
    """The expected value on a day, with its band (never below zero), against a capacity."""

    label: str
    day: date
    expected: int
    low: int
    high: int
    capacity: int

    @property
    def overage(self) -> int:
        """Expected amount above the capacity."""
        return max(0, self.expected - self.capacity)

    @property
    def overage_high(self) -> int:
        """Amount above the capacity at the top of the band."""
        return max(0, self.high - self.capacity)


def _projection(label: str, day: date, expected: float, spread: float, capacity: int) -> Projection:
    return Projection(
        label,
        day,
        max(0, round(expected)),
        max(0, round(expected - spread)),
        max(0, round(expected + spread)),
        capacity,
    )


def month_end(day: date) -> date:
    """The last day of the day's month."""
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


@dataclass(frozen=True)
class Forecast:
    """An entitlement's forecast: the fit, the recorded days it came from, and its projections."""

    kind: str  # "seats" or "bandwidth"
    fit: Fit | None
    history: tuple[tuple[date, int], ...]
    projections: tuple[Projection, ...]
    current: int
    capacity: int
    added: int = 0

    @property
    def remaining(self) -> int:
        """Capacity (with the what-if addition) not yet used."""
        return max(0, self.capacity - self.current)

    @property
    def overage_now(self) -> int:
        """Amount above the capacity today."""
        return max(0, self.current - self.capacity)

    @property
    def in_overage(self) -> bool:
        """True when any projection is expected above its capacity."""
        return any(p.overage for p in self.projections)


def seat_forecast(
    days: Sequence[tuple[date, int]], today: date, current: int, purchased: int, term_end: date | None, added: int = 0
) -> Forecast:
    """Assigned licenses at the end of the month and of the term, against purchased + `added`."""
    capacity = purchased + added
    fit = linear_fit(days)
    projections = []
    if fit is not None:
        targets = [(gettext("End of this month"), month_end(today))]
        if term_end is not None and term_end >= today and term_end != targets[0][1]:
            targets.append((gettext("End of term"), term_end))
        projections = [_projection(label, day, fit.at(day), fit.error, capacity) for label, day in targets]
    return Forecast("seats", fit, tuple(days), tuple(projections), current, capacity, added)


def _sum_ahead(fit: Fit, first: date, last: date) -> tuple[float, float]:
    """Expected total of the daily line from first to last (negative days count as 0), and its
    spread: one residual standard error per day, independent days adding as the square root."""
    if last < first:
        return 0.0, 0.0
    count = (last - first).days + 1
    total = sum(max(0.0, fit.at(first + timedelta(days=offset))) for offset in range(count))
    return total, fit.error * math.sqrt(count)


@dataclass(frozen=True)
class BandwidthWindow:
    """A span whose usage is compared with one allotment: this month, or a billing period's pool."""

    label: str
    first: date
    last: date
    allotment_mb: int


def bandwidth_forecast(
    days: Sequence[tuple[date, int]], today: date, windows: Sequence[BandwidthWindow], added_mb: int = 0
) -> Forecast:
    """Megabytes expected by the end of each window (used so far + the daily line ahead), against
    the window's allotment + `added_mb`. `days` holds every recorded day of the windows and of the
    last 90 days (missing days count as 0)."""
    by_day = dict(days)
    recent = [
        (today - timedelta(days=offset), by_day.get(today - timedelta(days=offset), 0))
        for offset in range(WINDOW_DAYS - 1, -1, -1)
    ]
    first_recorded = min(by_day) if by_day else today
    recent = [(day, value) for day, value in recent if day >= first_recorded]
    fit = linear_fit(recent)
    projections = []
    current = capacity = 0
    for index, window in enumerate(windows):
        used = sum(value for day, value in by_day.items() if window.first <= day <= min(window.last, today))
        allotment = window.allotment_mb + added_mb
        if index == 0:
            current, capacity = used, allotment
        if fit is None:
            continue
        ahead, spread = _sum_ahead(fit, max(window.first, today + timedelta(days=1)), window.last)
        projections.append(_projection(window.label, window.last, used + ahead, spread, allotment))
    return Forecast("bandwidth", fit, tuple(recent), tuple(projections), current, capacity, added_mb)
