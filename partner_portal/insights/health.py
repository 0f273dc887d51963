"""The customer health score: 100 minus the points each factor takes off, never below 0.

Every weight lives here, with its reason in docs/health-score.md. Pure functions of plain
figures (no database, no clock), so each rule is checked by hand-computed cases and property
tests: the score stays within 0..100 and never rises when one factor gets worse.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..licensing.bandwidth import gb_short
from ..web.i18n import current as current_locale, gettext, lazy_gettext, ngettext
from ..web.labels import Labels

FULL_SCORE = 100

# License headroom. Assigning more than was bought is the most urgent licensing problem (an
# invoice or a lock-out follows): a base penalty plus one point per started percent over.
OVER_ASSIGNED_BASE = 5
OVER_ASSIGNED_MAX = 25
# Seats bought and left unassigned are money the customer may not renew: a point per 10 % unused,
# once at least UNUSED_FROM_PERCENT of the seats lie idle.
UNUSED_FROM_PERCENT = 30
UNUSED_MAX = 10

# Paid entitlements ending soon: the nearer, the more points (days until the end, inclusive bounds).
EXPIRY_STEPS = ((14, 20), (30, 12), (90, 5))
# Trials ending soon: a decision (buy or lose the service) is due.
TRIAL_STEPS = ((7, 10), (30, 5))

# Gateway bandwidth above this month's allotment: a base penalty plus a point per 5 % over.
GATEWAY_BASE = 5
GATEWAY_MAX = 15

# Unread critical notifications and open support tickets: a fixed cost each, capped so one
# noisy source cannot hide the others.
CRITICAL_EACH = 8
CRITICAL_MAX = 16
TICKET_EACH = 3
TICKET_MAX = 12

# Falling active use: the last 30 days' daily active users against the 30 days before; from
# TREND_FROM_PERCENT lower, a point per 4 % of the fall.
TREND_FROM_PERCENT = 20
TREND_MAX = 15

# Bands for the filter and the color of the figure.
GOOD_FROM = 80
WATCH_FROM = 60
BANDS = {
    "good": lazy_gettext("Healthy (80–100)"),
    "watch": lazy_gettext("Watch (60–79)"),
    "at-risk": lazy_gettext("At risk (below 60)"),
}

FACTORS = {
    "over-assigned": lazy_gettext("Over-assigned licenses"),
    "unused": lazy_gettext("Unused licenses"),
    "expiry": lazy_gettext("Entitlement expiring"),
    "trial": lazy_gettext("Trial ending"),
    "gateway": lazy_gettext("Gateway overage"),
    "critical": lazy_gettext("Unread critical notifications"),
    "tickets": lazy_gettext("Open support tickets"),
    "trend": lazy_gettext("Falling active use"),
}
# The same, translated once per language: every row's explanation and export line names them.
FACTOR_LABELS = Labels(FACTORS)


@dataclass(frozen=True)
class HealthInputs:
    """The figures one customer's score depends on (None: not applicable or not shared)."""

    purchased: int = 0
    assigned: int = 0
    days_to_expiry: int | None = None
    days_to_trial_end: int | None = None
    gateway_used_mb: int = 0
    gateway_allotment_mb: int = 0
    critical_unread: int = 0
    open_tickets: int = 0
    active_recent: int = 0
    active_before: int = 0


@dataclass(frozen=True)
class Deduction:
    """Points one factor took off, and why, in a sentence."""

    factor: str
    points: int
    reason: str

    @property
    def label(self) -> str:
        """The factor's name as the explanation lists it."""
        return FACTOR_LABELS[self.factor]


@dataclass(frozen=True)
class Health:
    """A score with the deductions that explain it, largest first."""

    score: int
    deductions: tuple[Deduction, ...]

    @property
    def band(self) -> str:
        """good / watch / at-risk (the filter's values and the figure's color)."""
        return band(self.score)

    @property
    def summary(self) -> str:
        """The deductions in one line, for the CSV export."""
        if not self.deductions:
            return ""
        labels = FACTOR_LABELS.texts()
        return "; ".join(f"{labels[d.factor]} -{d.points} ({d.reason})" for d in self.deductions)


def band(score: int) -> str:
    """The band a score falls in."""
    if score >= GOOD_FROM:
        return "good"
    if score >= WATCH_FROM:
        return "watch"
    return "at-risk"


def _ceil_percent(part: int, whole: int) -> int:
    """part as a whole percentage of whole, rounded up (whole > 0)."""
    return -(-part * 100 // whole)


def _over_points(over: int, capacity: int, base: int, maximum: int, percent_per_point: int) -> int:
    """Points for `over` (> 0) above `capacity`: base + a point per `percent_per_point` started
    percents over, at most `maximum`; the maximum when there is no capacity at all."""
    if capacity <= 0:
        return maximum
    return min(maximum, base + _ceil_percent(over, capacity) // percent_per_point)


def _stepped(days: int | None, steps: tuple[tuple[int, int], ...]) -> int:
    """Points for an end `days` away: the first step whose bound it is within; 0 past them all."""
    if days is None or days < 0:
        return 0
    for bound, points in steps:
        if days <= bound:
            return points
    return 0


def _over_assigned(i: HealthInputs) -> Deduction | None:
    over = i.assigned - i.purchased
    if over <= 0:
        return None
    points = _over_points(over, i.purchased, OVER_ASSIGNED_BASE, OVER_ASSIGNED_MAX, percent_per_point=1)
    if i.purchased <= 0:
        return Deduction(
            "over-assigned",
            points,
            ngettext(
                "%(num)d license assigned with none purchased", "%(num)d licenses assigned with none purchased", over
            ),
        )
    return Deduction(
        "over-assigned",
        points,
        ngettext(
            "%(num)d more license assigned than the %(purchased)d purchased",
            "%(num)d more licenses assigned than the %(purchased)d purchased",
            over,
            purchased=i.purchased,
        ),
    )


def _unused(i: HealthInputs) -> Deduction | None:
    if i.purchased <= 0 or i.assigned >= i.purchased:
        return None
    unused_percent = (i.purchased - i.assigned) * 100 // i.purchased
    if unused_percent < UNUSED_FROM_PERCENT:
        return None
    points = min(UNUSED_MAX, unused_percent // 10)
    return Deduction(
        "unused",
        points,
        gettext("%(percent)d %% of %(purchased)d licenses unassigned", percent=unused_percent, purchased=i.purchased),
    )


def _expiry(i: HealthInputs) -> Deduction | None:
    points = _stepped(i.days_to_expiry, EXPIRY_STEPS)
    if not points:
        return None
    days = i.days_to_expiry
    return Deduction(
        "expiry",
        points,
        ngettext("a paid entitlement ends in %(num)d day", "a paid entitlement ends in %(num)d days", days),
    )


def _trial(i: HealthInputs) -> Deduction | None:
    points = _stepped(i.days_to_trial_end, TRIAL_STEPS)
    if not points:
        return None
    days = i.days_to_trial_end
    return Deduction("trial", points, ngettext("a trial ends in %(num)d day", "a trial ends in %(num)d days", days))


def _gateway(i: HealthInputs) -> Deduction | None:
    over = i.gateway_used_mb - i.gateway_allotment_mb
    if over <= 0:
        return None
    points = _over_points(over, i.gateway_allotment_mb, GATEWAY_BASE, GATEWAY_MAX, percent_per_point=5)
    if i.gateway_allotment_mb <= 0:
        return Deduction(
            "gateway", points, gettext("%(over)s GB of Gateway bandwidth used with no allotment", over=gb_short(over))
        )
    return Deduction(
        "gateway",
        points,
        gettext(
            "Gateway bandwidth %(over)s GB over this month's %(allotment)s GB",
            over=gb_short(over),
            allotment=gb_short(i.gateway_allotment_mb),
        ),
    )


def _critical(i: HealthInputs) -> Deduction | None:
    if i.critical_unread <= 0:
        return None
    points = min(CRITICAL_MAX, CRITICAL_EACH * i.critical_unread)
    return Deduction(
        "critical",
        points,
        ngettext("%(num)d unread critical notification", "%(num)d unread critical notifications", i.critical_unread),
    )


def _tickets(i: HealthInputs) -> Deduction | None:
    if i.open_tickets <= 0:
        return None
    points = min(TICKET_MAX, TICKET_EACH * i.open_tickets)
    return Deduction(
        "tickets", points, ngettext("%(num)d open support ticket", "%(num)d open support tickets", i.open_tickets)
    )


def _trend(i: HealthInputs) -> Deduction | None:
    if i.active_before <= 0 or i.active_recent >= i.active_before:
        return None
    fall = (i.active_before - i.active_recent) * 100 // i.active_before
    if fall < TREND_FROM_PERCENT:
        return None
    points = min(TREND_MAX, fall // 4)
    return Deduction(
        "trend", points, gettext("daily active users %(fall)d %% lower than in the 30 days before", fall=fall)
    )


RULES = (_over_assigned, _unused, _expiry, _trial, _gateway, _critical, _tickets, _trend)


def health(inputs: HealthInputs) -> Health:
    """Return the score (0–100) and the deductions behind it, largest first."""
    return _health(inputs, str(current_locale()))


# A pure function of the figures and the language (whose sentences the reasons are): kept, so a
# hundred rows of the export or the score filter mostly compute nothing. Bounded; per worker.
@lru_cache(maxsize=10_000)
def _health(inputs: HealthInputs, _locale: str) -> Health:
    found = [d for d in (rule(inputs) for rule in RULES) if d is not None]
    found.sort(key=lambda d: -d.points)
    return Health(max(0, FULL_SCORE - sum(d.points for d in found)), tuple(found))
