"""Gateway bandwidth rules as pure functions: allotments, billing periods, pools pro-rated over
partial years, and each month's overage. docs/bandwidth.md states the rules with worked examples.

Bandwidth is counted in whole megabytes (1 GB = 1,000 MB), so every rule is integer arithmetic.
Nothing here touches the database or the clock: callers pass the dates, and the allotments
(settings) come in as an Allotments value.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel.numbers import get_decimal_symbol

from ..web.i18n import current as current_locale
from ..web.i18n import gettext, lazy_gettext
from .math import add_months, health_color, month_start, percent_label

MB_PER_GB = 1000

MONTHLY = "monthly"
ANNUAL = "annual"
TERMED = "termed"
TRIAL = "trial"
# The Gateway summary's breakdown, in this order, and its last line.
PLANS = (MONTHLY, ANNUAL, TERMED, TRIAL)
# Lazy: the reader's language; str() one before it goes into a chart figure (JSON).
PLAN_LABELS = {
    MONTHLY: lazy_gettext("Monthly"),
    ANNUAL: lazy_gettext("Annual"),
    TERMED: lazy_gettext("Termed"),
    TRIAL: lazy_gettext("Trial"),
}
TOTAL = "total"


@dataclass(frozen=True)
class Allotments:
    """The bandwidth each entitlement brings (settings BANDWIDTH_GB_PER_USER_MONTH and
    BANDWIDTH_TRIAL_GB, in megabytes here)."""

    per_user_month_mb: int = 1 * MB_PER_GB
    trial_pool_mb: int = 50 * MB_PER_GB


def gb_number(megabytes: int) -> str:
    """Megabytes written as gigabytes with three decimals, exactly and machine-readable
    ("1234.005"): the CSV exports' cells, in every language."""
    whole, rest = divmod(megabytes, MB_PER_GB)
    return f"{whole}.{rest:03d}"


def local_decimal(text: str) -> str:
    """A machine-written decimal ("1234.005") with the reader's decimal sign ("1234,005" in
    German); English text is unchanged. Digits are not grouped, as the tables always wrote them."""
    symbol = get_decimal_symbol(current_locale())
    return text if symbol == "." else text.replace(".", symbol)


def gb_text(megabytes: int) -> str:
    """Megabytes written as gigabytes with three decimals for the page ("1234.005", "1234,005")."""
    return local_decimal(gb_number(megabytes))


def gb_short(megabytes: int) -> str:
    """Megabytes as gigabytes for prose, without trailing zeros ("1", "0.5", "1200"; "0,5")."""
    return local_decimal(gb_number(megabytes).rstrip("0").rstrip("."))


# --- calendar -------------------------------------------------------------------------------


def month_end(month: date) -> date:
    """The last day of the day's month."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def anniversary(start: date, months: int) -> date:
    """The day `months` months after `start`. When that month is too short for start's day
    (a start on the 31st, or on February 29), the first day of the month after it, so each
    month-long stretch keeps its full length: Jan 31 + 1 month = Mar 1."""
    month = add_months(start, months)
    if start.day <= calendar.monthrange(month.year, month.month)[1]:
        return month.replace(day=start.day)
    return add_months(month, 1)


def term_months(start: date, end: date) -> tuple[int, int, int]:
    """Measure start..end (both included) in months: (whole months, days left over, length in
    days of the month-long stretch those left-over days begin). End before start is (0, 0, 1)."""
    after_end = end + timedelta(days=1)
    whole = max(0, (end.year - start.year) * 12 + end.month - start.month - 1)
    while anniversary(start, whole + 1) <= after_end:
        whole += 1
    while whole and anniversary(start, whole) > after_end:
        whole -= 1
    following = anniversary(start, whole)
    if following > after_end:
        return 0, 0, 1
    return whole, (after_end - following).days, (anniversary(start, whole + 1) - following).days


def pool_mb(users: int, start: date, end: date, per_user_month_mb: int) -> int:
    """The pool of an annual or termed billing period: users x the monthly allotment x the
    period's length in months. Whole months count in full; days left over count as their share
    of the month-long stretch they fall in, rounded down to a whole megabyte. So a year is
    12 GB per user, and a partial year is pro-rated month by month, then day by day."""
    per_month = users * per_user_month_mb
    whole, days, length = term_months(start, end)
    return per_month * whole + per_month * days // length


def month_allotment_mb(users: int, first: date, last: date, per_user_month_mb: int) -> int:
    """A monthly entitlement's allotment for one calendar month, of which it is in force from
    `first` to `last`: the full allotment, pro-rated by days for a month it starts or ends in."""
    per_month = users * per_user_month_mb
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    # A term that ends before it starts (bad data) is in force on no day: nothing, never less.
    days = max(0, (last - first).days + 1)
    return per_month * days // days_in_month


# --- billing periods -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One billing period: its number (0 = the first), its days, and its allotment or pool."""

    index: int
    first: date
    last: date
    allotment_mb: int

    @property
    def end(self) -> date | None:
        """The last day, for display: None for an open-ended trial."""
        return None if self.last == date.max else self.last

    def months(self, through: date) -> list[date]:
        """The calendar months of the period up to `through`'s month, first days, oldest first."""
        months, month, stop = [], month_start(self.first), month_start(min(self.last, through))
        while month <= stop:
            months.append(month)
            month = add_months(month, 1)
        return months


@dataclass(frozen=True)
class GatewayEntitlement:
    """What the bandwidth rules need to know about one Gateway entitlement."""

    id: int
    term: str
    is_trial: bool
    users: int
    start_date: date | None
    end_date: date | None

    @property
    def plan(self) -> str:
        """ "trial" for any trial, otherwise the term ("monthly", "annual" or "termed")."""
        return TRIAL if self.is_trial else self.term

    @property
    def pooled(self) -> bool:
        """True when the allotment is one pool for a billing period longer than a month."""
        return self.plan != MONTHLY

    def counts_on(self, today: date) -> bool:
        """True when the entitlement is in force today (started, not ended; pending never)."""
        if self.start_date is None or self.start_date > today:
            return False
        return self.end_date is None or self.end_date >= today

    def periods(self, allotments: Allotments, through: date) -> list[Period]:
        """Every billing period from the start up to the one that contains `through` (or up to
        the last one, when the entitlement ended earlier). None for a pending trial request.

        Monthly: each calendar month. Annual: each year from the start date. Termed: the whole
        term. Trial: the whole trial, with the fixed trial pool. An open-ended annual or termed
        entitlement is pooled year by year; an open-ended trial is one open period.
        """
        start, end = self.start_date, self.end_date
        if start is None or start > through:
            return []
        if self.plan == TRIAL:
            return [Period(0, start, end or date.max, allotments.trial_pool_mb)]
        if self.plan == MONTHLY:
            return self._monthly_periods(start, end, through, allotments.per_user_month_mb)
        if self.plan == TERMED and end is not None:
            return [Period(0, start, end, pool_mb(self.users, start, end, allotments.per_user_month_mb))]
        periods = []
        while True:
            index = len(periods)
            first = anniversary(start, 12 * index)
            last = anniversary(start, 12 * (index + 1)) - timedelta(days=1)
            if end is not None and last >= end:
                last = end
            periods.append(Period(index, first, last, pool_mb(self.users, first, last, allotments.per_user_month_mb)))
            if last >= through or last == end:
                return periods

    def _monthly_periods(self, start: date, end: date | None, through: date, per_user_month_mb: int) -> list[Period]:
        """Calendar months from the start's to through's (or the end's), clipped to the term."""
        periods, month = [], month_start(start)
        stop = month_start(through if end is None else min(end, through))
        while month <= stop:
            first, last = max(month, start), month_end(month) if end is None else min(month_end(month), end)
            periods.append(
                Period(len(periods), first, last, month_allotment_mb(self.users, first, last, per_user_month_mb))
            )
            month = add_months(month, 1)
        return periods

    def period_on(self, allotments: Allotments, day: date) -> Period | None:
        """The billing period containing `day`; the last one when the entitlement ended before
        it; None before the start."""
        periods = self.periods(allotments, day)
        return periods[-1] if periods else None


# --- usage and overage ---------------------------------------------------------------------


def month_overage(before_mb: int, used_mb: int, allotment_mb: int) -> int:
    """The part of one month's usage above the allotment, given the period's usage before the
    month (always 0 for monthly entitlements): overage appears once the running total passes
    the pool, and only what the month added beyond it is the month's."""
    return max(0, before_mb + used_mb - allotment_mb) - max(0, before_mb - allotment_mb)


@dataclass(frozen=True)
class MonthFigures:
    """One calendar month of a billing period: usage by source, the running total, overage."""

    month: date
    cloud_mb: int
    on_premises_mb: int
    cumulative_mb: int
    allotment_mb: int
    overage_mb: int

    @property
    def used_mb(self) -> int:
        """The month's own (individual) usage."""
        return self.cloud_mb + self.on_premises_mb


def period_months(period: Period, used: Mapping[date, tuple[int, int]], through: date) -> list[MonthFigures]:
    """Each calendar month of the period up to `through`, from (cloud, on-premises) megabytes
    per month, with the running total since the period began and the month's overage."""
    figures, running = [], 0
    for month in period.months(through):
        cloud, on_premises = used.get(month, (0, 0))
        before, running = running, running + cloud + on_premises
        figures.append(
            MonthFigures(
                month,
                cloud,
                on_premises,
                running,
                period.allotment_mb,
                month_overage(before, cloud + on_premises, period.allotment_mb),
            )
        )
    return figures


@dataclass(frozen=True)
class Standing:
    """Bandwidth used in the current billing period against its allotment, and overage (one
    entitlement's, a plan's, or with plan "total" the customer's)."""

    plan: str
    entitlements: int
    cloud_mb: int
    on_premises_mb: int
    allotment_mb: int
    overage_mb: int
    month_overage_mb: int

    @property
    def used_mb(self) -> int:
        """Cloud and on-premises usage together."""
        return self.cloud_mb + self.on_premises_mb

    @property
    def label(self) -> str:
        """The plan's name ("Total" for the sum of all plans)."""
        return str(PLAN_LABELS[self.plan]) if self.plan in PLAN_LABELS else gettext("Total")

    @property
    def is_total(self) -> bool:
        """True for the sum of all plans."""
        return self.plan == TOTAL

    @property
    def percent_label(self) -> str:
        """Used as a whole-number percentage of the allotment (see math.percent_label)."""
        return percent_label(self.used_mb, self.allotment_mb)

    @property
    def color(self) -> str:
        """Green, amber from 90 %, red once the allotment is exceeded (as for licenses)."""
        return health_color(self.used_mb, self.allotment_mb)

    @property
    def percent(self) -> float | None:
        """Used as a percentage of the allotment, for the meter (None without an allotment)."""
        return None if self.allotment_mb <= 0 else self.used_mb * 100 / self.allotment_mb


def standing(entitlement: GatewayEntitlement, period: Period, months: Sequence[MonthFigures], today: date) -> Standing:
    """One entitlement's current billing period to date: used, allotment, overage so far and
    overage of the current calendar month."""
    current = month_start(today)
    return Standing(
        plan=entitlement.plan,
        entitlements=1,
        cloud_mb=sum(m.cloud_mb for m in months),
        on_premises_mb=sum(m.on_premises_mb for m in months),
        allotment_mb=period.allotment_mb,
        overage_mb=sum(m.overage_mb for m in months),
        month_overage_mb=sum(m.overage_mb for m in months if m.month == current),
    )


def add_up(plan: str, standings: Iterable[Standing]) -> Standing:
    """Sum standings into one (a plan's line, or the total with plan TOTAL)."""
    items = list(standings)
    return Standing(
        plan,
        sum(s.entitlements for s in items),
        sum(s.cloud_mb for s in items),
        sum(s.on_premises_mb for s in items),
        sum(s.allotment_mb for s in items),
        sum(s.overage_mb for s in items),
        sum(s.month_overage_mb for s in items),
    )


def breakdown(standings: Sequence[Standing]) -> tuple[list[Standing], Standing]:
    """One line per plan that has entitlements (in PLANS order), and the total of all."""
    lines = [add_up(plan, [s for s in standings if s.plan == plan]) for plan in PLANS]
    return [line for line in lines if line.entitlements], add_up(TOTAL, standings)
