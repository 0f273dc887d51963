"""Licensing figures as pure functions: percentages, colors, remaining and overage, expiry
warnings, the monthly reset of service-provider licensing, and per-service summaries.

Nothing here touches the database or the clock: callers pass `today`, so every rule can be
tested with hand-computed cases and property tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# The usage bar turns amber when assigned licenses reach this share of the purchased count…
AMBER_AT_PERCENT = 90
# …and red once they go above this share (strictly above: exactly 100 % is still amber).
RED_ABOVE_PERCENT = 100
# A subscription that ends within this many days (today included) gets a warning.
EXPIRY_WARNING_DAYS = 90

GREEN = "green"
AMBER = "amber"
RED = "red"

MONTHLY_COMMIT = "monthly-commit"


def percent_assigned(assigned: int, purchased: int) -> float | None:
    """Return assigned licenses as a percentage of purchased ones; None when none were purchased."""
    if purchased <= 0:
        return None
    return assigned * 100 / purchased


def health_color(assigned: int, purchased: int) -> str:
    """Return "green", "amber" or "red" for assigned against purchased licenses.

    Compared in integers, not on the rounded percentage, so 100.4 % can never pass for 100 %.
    Nothing purchased reads green while nothing is assigned, red as soon as anything is.
    """
    if purchased <= 0:
        return RED if assigned > 0 else GREEN
    if assigned * 100 > RED_ABOVE_PERCENT * purchased:
        return RED
    if assigned * 100 >= AMBER_AT_PERCENT * purchased:
        return AMBER
    return GREEN


def percent_whole(assigned: int, purchased: int) -> int | None:
    """The whole-number percentage shown beside the color (see percent_label), or None."""
    if purchased <= 0:
        return None
    whole, rest = divmod(assigned * 100, purchased)
    if assigned > purchased and rest:
        whole += 1
    return whole


def percent_label(assigned: int, purchased: int) -> str:
    """Return the percentage as whole-number text ("93 %"), or "—" when nothing was purchased.

    Rounds down up to 100 % and up above it, so the label never contradicts the color: 89.6 %
    reads "89 %" (green) and 100.2 % reads "101 %" (red).
    """
    whole = percent_whole(assigned, purchased)
    return "—" if whole is None else f"{whole} %"


def licenses_remaining(assigned: int, purchased: int) -> int:
    """Return how many purchased licenses are still free (never negative)."""
    return max(0, purchased - assigned)


def overage(assigned: int, purchased: int) -> int:
    """Return how many assigned licenses exceed the purchased count or monthly commitment."""
    return max(0, assigned - purchased)


def license_units(unique_users: int | None, unique_devices: int | None) -> int:
    """Return the licenses consumed: the lesser of unique users and unique devices when both are
    known, otherwise whichever is known (0 when neither)."""
    known = [count for count in (unique_users, unique_devices) if count is not None]
    return min(known) if known else 0


def days_until(end_date: date, today: date) -> int:
    """Return the number of days from today to end_date (negative once it has passed)."""
    return (end_date - today).days


def expires_soon(end_date: date | None, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> bool:
    """True when the subscription ends today or within `within_days` days, and has not ended yet."""
    if end_date is None:
        return False
    return 0 <= days_until(end_date, today) <= within_days


# --- calendar helpers ---------------------------------------------------------------------


def month_start(day: date) -> date:
    """Return the first day of the day's month."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """Return the first day of the month `count` months after (or before) `month`'s month."""
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def last_months(today: date, count: int = 12) -> list[date]:
    """Return the first days of the `count` calendar months ending with today's month, oldest first."""
    current = month_start(today)
    return [add_months(current, offset) for offset in range(1 - count, 1)]


def last_days(today: date, count: int = 30) -> list[date]:
    """Return the `count` days ending with today, oldest first."""
    return [today - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


# --- service-provider (monthly-commit) licensing ------------------------------------------


def monthly_reset_assigned(newly_assigned: Iterable[tuple[date, int]]) -> list[tuple[date, int]]:
    """Turn (day, newly assigned) pairs, in day order, into (day, assigned) for monthly-commit
    licensing: the count accumulates within a calendar month and starts again on the 1st."""
    result: list[tuple[date, int]] = []
    running = 0
    month = None
    for day, new in newly_assigned:
        if month_start(day) != month:
            month, running = month_start(day), 0
        running += new
        result.append((day, running))
    return result


def current_assigned(assigned: int, latest_day: date | None, today: date, monthly_commit: bool) -> int:
    """Return the assigned count that applies today.

    Monthly-commit counts restart every month, so a figure from an earlier month no longer
    counts; a fixed entitlement keeps its latest figure however old. Without any daily usage
    (latest_day None) the figure is the entitlement's recorded count, as on the dashboard.
    """
    if latest_day is None:
        return assigned
    if monthly_commit and month_start(latest_day) != month_start(today):
        return 0
    return assigned


@dataclass(frozen=True)
class CommitSplit:
    """One month of monthly-commit usage: the part inside the commitment and the overage above it."""

    month: date
    commitment: int
    assigned: int

    @property
    def within_commitment(self) -> int:
        """Assigned licenses covered by the commitment."""
        return min(self.assigned, self.commitment)

    @property
    def overage(self) -> int:
        """Assigned licenses above the commitment, billed apart from it."""
        return overage(self.assigned, self.commitment)


def split_by_commitment(monthly_assigned: Iterable[tuple[date, int]], commitment: int) -> list[CommitSplit]:
    """Split each month's peak assigned count into within-commitment and overage."""
    return [CommitSplit(month, commitment, assigned) for month, assigned in monthly_assigned]


# --- per-service summary --------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementFigures:
    """What the summary needs to know about one entitlement and its latest day of usage."""

    entitlement_id: int
    service_code: str
    license_count: int
    start_date: date | None
    end_date: date | None
    commit_model: str = "fixed"
    is_trial: bool = False
    assigned: int = 0
    monthly_active: int = 0
    daily_active: int = 0
    latest_day: date | None = None

    @property
    def is_monthly_commit(self) -> bool:
        """True for service-provider licensing, whose counts restart every month."""
        return self.commit_model == MONTHLY_COMMIT

    def counts_on(self, today: date) -> bool:
        """True when the entitlement is in force today (started, not ended; pending requests never)."""
        if self.start_date is None or self.start_date > today:
            return False
        return self.end_date is None or self.end_date >= today

    def assigned_on(self, today: date) -> int:
        """The assigned count that applies today (see current_assigned)."""
        return current_assigned(self.assigned, self.latest_day, today, self.is_monthly_commit)


@dataclass(frozen=True)
class ServiceSummary:
    """One service's licensing across all of a customer's entitlements in force."""

    service_code: str
    purchased: int
    assigned: int
    monthly_active: int
    daily_active: int
    expires_on: date | None
    expiring_soon: bool
    entitlement_ids: tuple[int, ...]
    monthly_commit: bool

    @property
    def percent(self) -> float | None:
        """Assigned as a percentage of purchased (None when nothing was purchased)."""
        return percent_assigned(self.assigned, self.purchased)

    @property
    def percent_label(self) -> str:
        """The percentage as shown beside the bar."""
        return percent_label(self.assigned, self.purchased)

    @property
    def color(self) -> str:
        """Health color of the percentage."""
        return health_color(self.assigned, self.purchased)

    @property
    def remaining(self) -> int:
        """Purchased licenses still free."""
        return licenses_remaining(self.assigned, self.purchased)

    @property
    def overage(self) -> int:
        """Assigned licenses above the purchased count (or the month's commitment)."""
        return overage(self.assigned, self.purchased)


def summarize_service(service_code: str, figures: Iterable[EntitlementFigures], today: date) -> ServiceSummary:
    """Sum one service's entitlements that are in force today into a ServiceSummary.

    Licenses of one service form a single pool (a user holds one license of the service,
    whichever entitlement paid for it), so remaining and overage are computed on the totals,
    not per entitlement. The expiry date shown is the soonest among the counted entitlements.
    """
    counted = [f for f in figures if f.service_code == service_code and f.counts_on(today)]
    ends = [f.end_date for f in counted if f.end_date is not None]
    expires_on = min(ends) if ends else None
    return ServiceSummary(
        service_code=service_code,
        purchased=sum(f.license_count for f in counted),
        assigned=sum(f.assigned_on(today) for f in counted),
        monthly_active=sum(f.monthly_active for f in counted),
        daily_active=sum(f.daily_active for f in counted),
        expires_on=expires_on,
        expiring_soon=expires_soon(expires_on, today),
        entitlement_ids=tuple(f.entitlement_id for f in counted),
        monthly_commit=any(f.is_monthly_commit for f in counted),
    )


def summarize_services(
    figures: Sequence[EntitlementFigures], today: date, service_order: Sequence[str] = ()
) -> list[ServiceSummary]:
    """Return one summary per service that has an entitlement in force today.

    Services come in `service_order` first (the catalogue's order), then alphabetically.
    """
    codes = {f.service_code for f in figures if f.counts_on(today)}
    rank = {code: index for index, code in enumerate(service_order)}
    ordered = sorted(codes, key=lambda code: (rank.get(code, len(rank)), code))
    return [summarize_service(code, figures, today) for code in ordered]
