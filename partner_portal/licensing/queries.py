"""Reads for the licensing pages: a per-service summary with the Gateway bandwidth summary,
one entitlement's trends (license charts, or bandwidth for a Gateway entitlement), and the
Gateway overage of the past 12 months.

Query counts are fixed: the summary issues four statements whatever the number of
entitlements, a license trend four whatever the length of the history, a bandwidth trend one
whatever the number of months and sites, the overage chart two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import functools
import itertools
from functools import cached_property

from flask import current_app
from sqlalchemy import Integer, String, bindparam, select

from ..connections.sharing import LICENSING, shared_condition
from ..extensions import db
from ..models import (
    BandwidthDay,
    Connection,
    Entitlement,
    EntitlementState,
    LicenseAssignment,
    Organization,
    Service,
    UsageDay,
)
from ..web.i18n import gettext
from . import charts, series
from .bandwidth import (
    PLAN_LABELS,
    PLANS,
    Allotments,
    GatewayEntitlement,
    MonthFigures,
    Period,
    Standing,
    breakdown,
    period_months,
    standing,
)
from .math import ServiceSummary, last_months, summarize_services


@dataclass
class EntitlementLine:
    """One entitlement as partners see it."""

    id: int
    service: str
    unit: str
    state: EntitlementState
    license_count: int
    assigned: int
    term: str
    start_date: date | None
    end_date: date | None
    is_bandwidth: bool
    is_trial: bool = False
    term_code: str = ""

    def gateway(self) -> GatewayEntitlement:
        """The entitlement as the bandwidth rules see it."""
        return GatewayEntitlement(
            self.id, self.term_code, self.is_trial, self.license_count, self.start_date, self.end_date
        )


def entitlement_lines(org_id: int, today: date | None = None) -> list[EntitlementLine]:
    """The organization's entitlements with service names, in catalogue order (one query)."""
    return [line for line, _service in _lines_with_services(org_id, today or date.today())]


def _lines_with_services(org_id: int, today: date) -> list[tuple[EntitlementLine, Service]]:
    """entitlement_lines, each with its Service (one query)."""
    stmt = (
        select(Entitlement, Service)
        .join(Service, Service.code == Entitlement.service_code)
        .where(Entitlement.organization_id == org_id)
        .order_by(Service.sort_order, Entitlement.end_date, Entitlement.id)
    )
    return [
        (
            EntitlementLine(
                id=e.id,
                service=s.name,
                unit=s.unit,
                state=e.state(today),
                license_count=e.license_count,
                assigned=e.licenses_assigned,
                term=e.term.label,
                start_date=e.start_date,
                end_date=e.end_date,
                is_bandwidth=s.is_bandwidth,
                is_trial=e.is_trial,
                term_code=e.term.value,
            ),
            s,
        )
        for e, s in db.session.execute(stmt).all()
    ]


@dataclass(frozen=True)
class ServiceRow:
    """A service summary with the catalogue's name and unit."""

    name: str
    unit: str
    summary: ServiceSummary


def allotments() -> Allotments:
    """The bandwidth allotments of the configuration (BANDWIDTH_GB_PER_USER_MONTH, BANDWIDTH_TRIAL_GB)."""
    return Allotments(current_app.config["BANDWIDTH_MB_PER_USER_MONTH"], current_app.config["BANDWIDTH_TRIAL_MB"])


def _windows(entitlement_id: int, periods: list[Period], today: date) -> list[series.Window]:
    """The days of each period to read: up to today, none of a period that has not begun."""
    return [series.Window(entitlement_id, p.index, p.first, min(p.last, today)) for p in periods if p.first <= today]


@dataclass(frozen=True)
class GatewayLine:
    """A Gateway entitlement on the Usage tab, with its current billing period (None when it is
    not in force today)."""

    line: EntitlementLine
    period: Period | None
    standing: Standing | None

    @property
    def plan_label(self) -> str:
        """Monthly, Annual, Termed or Trial."""
        return str(PLAN_LABELS[self.line.gateway().plan])


@dataclass(frozen=True)
class GatewaySummary:
    """The Gateway service summary: bandwidth of the current billing periods against their
    allotments, per plan and in total, and each entitlement."""

    plans: list[Standing]
    total: Standing
    lines: list[GatewayLine]
    allotted: Allotments

    @cached_property
    def table(self) -> charts.Table:
        """The plan lines and the total as the page and the export show them."""
        return charts.gateway_summary_table([*self.plans, self.total])

    def rows(self) -> list[tuple[Standing, list[str]]]:
        """Each line with its cells, for the page (the meter needs the figures behind them)."""
        return list(zip([*self.plans, self.total], self.table.formatted_rows(), strict=False))


def gateway_summary(lines: list[EntitlementLine], today: date, allotted: Allotments) -> GatewaySummary | None:
    """Sum the current billing period of every Gateway entitlement in force today (one statement);
    None without Gateway entitlements."""
    if not lines:
        return None
    gateways = {line.id: line.gateway() for line in lines}
    current = {i: g.period_on(allotted, today) for i, g in gateways.items() if g.counts_on(today)}
    usage = series.bandwidth_months(
        [window for entitlement_id, period in current.items() for window in _windows(entitlement_id, [period], today)]
    )
    shown = []
    for line in lines:
        period = current.get(line.id)
        found = None
        if period is not None:
            months = period_months(period, usage.get((line.id, period.index), {}), today)
            found = standing(gateways[line.id], period, months, today)
        shown.append(GatewayLine(line, period, found))
    plans, total = breakdown([line.standing for line in shown if line.standing is not None])
    return GatewaySummary(plans, total, shown, allotted)


@dataclass(frozen=True)
class UsageSummary:
    """The Usage tab: one row per licensed service, the entitlements behind them, and the
    Gateway service summary (None without Gateway entitlements)."""

    services: list[ServiceRow]
    entitlements: list[EntitlementLine]
    gateway: GatewaySummary | None


def usage_summary(org_id: int, today: date) -> UsageSummary:
    """Summaries per service (in catalogue order), entitlement lines for the trend links, and
    the Gateway summary."""
    lines = _lines_with_services(org_id, today)
    # The services of the organization's entitlements, in catalogue order (lines come in that order):
    # every figure below belongs to one of them.
    catalogue = {service.code: service for _line, service in lines}
    figures = [f for f in series.entitlement_figures(org_id, today) if not catalogue[f.service_code].is_bandwidth]
    summaries = summarize_services(figures, today, service_order=list(catalogue))
    shown = [line for line, _service in lines if line.state is not EntitlementState.PENDING_TRIAL]
    return UsageSummary(
        services=[ServiceRow(catalogue[s.service_code].name, catalogue[s.service_code].unit, s) for s in summaries],
        entitlements=[line for line in shown if not line.is_bandwidth],
        gateway=gateway_summary([line for line in shown if line.is_bandwidth], today, allotments()),
    )


def entitlement_or_none(org_id: int, entitlement_id: int) -> tuple[Entitlement, Service] | None:
    """The organization's entitlement with its service, or None (another org's id included)."""
    row = db.session.execute(
        select(Entitlement, Service)
        .join(Service, Service.code == Entitlement.service_code)
        .where(Entitlement.id == entitlement_id, Entitlement.organization_id == org_id)
    ).first()
    return (row[0], row[1]) if row else None


def connected_entitlement(partner_id: int, orgid: str, entitlement_id: int) -> tuple | None:
    """(customer, entitlement, service) when `orgid` is a customer connected to the partner now that
    shares its licensing with it, and the entitlement is that customer's; None otherwise."""
    row = db.session.execute(
        _connected_entitlement_statement(), {"partner_id": partner_id, "orgid": orgid, "entitlement_id": entitlement_id}
    ).first()
    return tuple(row) if row else None


@functools.cache
def _connected_entitlement_statement():
    """Built once: every trend page and export of a customer's entitlement starts with it."""
    return (
        select(Organization, Entitlement, Service)
        .join(Connection, Connection.customer_id == Organization.id)
        .join(Entitlement, Entitlement.organization_id == Organization.id)
        .join(Service, Service.code == Entitlement.service_code)
        .where(
            Organization.orgid == bindparam("orgid", type_=String),
            Connection.partner_id == bindparam("partner_id"),
            Connection.ended_at.is_(None),
            Entitlement.id == bindparam("entitlement_id"),
            shared_condition(LICENSING),
        )
    )


def _label(entitlement: Entitlement, service: Service) -> str:
    """A short label for one entitlement in the consumption chart."""
    if entitlement.end_date is None:
        return gettext(
            "%(term)s, %(count)s %(unit)s, open-ended",
            term=entitlement.term.label,
            count=entitlement.license_count,
            unit=service.unit,
        )
    return gettext(
        "%(term)s, %(count)s %(unit)s, ends %(date)s",
        term=entitlement.term.label,
        count=entitlement.license_count,
        unit=service.unit,
        date=entitlement.end_date.isoformat(),
    )


# The forecast fits the last 90 days (insights/forecast.py); the daily charts show the last 30 of them.
FORECAST_DAYS = 90

CHART_KEYS = (
    "ratio",
    "monthly-active-users",
    "daily-active-users",
    "license-assignments",
    "active-use",
    "consumption",
    "overage",
)


class TrendData:
    """The series behind one entitlement's trend, each loaded (one SQL statement) on first use,
    so an export of one chart reads only what that chart needs."""

    def __init__(self, entitlement: Entitlement, service: Service, today: date):
        self.entitlement, self.service, self.today = entitlement, service, today
        self.purchased = entitlement.license_count
        self.monthly_commit = entitlement.commit_model.value == "monthly-commit"

    @cached_property
    def siblings(self) -> list:
        """Twelve months of every entitlement of the same service (this one's included), with the
        entitlements: one statement for the consumption chart and this entitlement's own charts."""
        return series.service_entitlement_series(self.entitlement.organization_id, self.service.code, self.today)

    @cached_property
    def months(self):
        """Twelve months of aggregated usage (taken from the siblings when the page loaded them)."""
        if "siblings" in self.__dict__:
            return next(points for entitlement, points in self.siblings if entitlement.id == self.entitlement.id)
        return series.monthly_series(self.entitlement.id, self.today)

    @cached_property
    def recent(self):
        """Ninety days of usage: the forecast's window, whose last thirty days are `days`."""
        return series.daily_series(self.entitlement.id, self.today, FORECAST_DAYS)

    @cached_property
    def days(self):
        """Thirty days of usage."""
        return self.recent[-series.DAYS :]

    @cached_property
    def assigned_now(self) -> int:
        """Assigned licenses on the latest day with data (the recorded count without any)."""
        latest = next((p for p in reversed(self.days) if p.has_data), None)
        return latest.assigned if latest else self.entitlement.licenses_assigned

    def consumption(self) -> dict:
        """Monthly series of every entitlement of the same service, keyed by a readable label."""
        return {_label(entitlement, self.service): points for entitlement, points in self.siblings}

    def chart(self, key: str) -> charts.Chart | None:
        """Build the chart named `key` (None for an unknown key)."""
        builders = {
            "ratio": lambda: charts.ratio_chart(self.assigned_now, self.purchased, self.service.unit),
            "monthly-active-users": lambda: charts.monthly_active_chart(self.months),
            "daily-active-users": lambda: charts.daily_active_chart(self.days),
            "license-assignments": lambda: charts.assignments_chart(self.months, self.purchased, self.monthly_commit),
            "active-use": lambda: charts.active_use_chart(self.months),
            "consumption": lambda: charts.consumption_chart(self.consumption()),
            "overage": lambda: charts.overage_chart(self.months, self.purchased, self.monthly_commit),
        }
        build = builders.get(key)
        return build() if build else None


def usage_trend(data: TrendData) -> list[charts.Chart]:
    """Every trend chart of the entitlement behind `data`, in page order (two SQL statements in all,
    none when `data` has read its series already)."""
    data.siblings  # noqa: B018 - loaded first: the entitlement's own months come with them
    return [data.chart(key) for key in CHART_KEYS]


def daily_history(entitlement_id: int):
    """Every recorded day of one entitlement, oldest first, streamed from the database (the day as
    'YYYY-MM-DD' text, then assigned, newly assigned, daily active, monthly active, peak concurrent)."""
    return _streamed(_daily_history_statement(), entitlement_id)


def _streamed(statement, entitlement_id: int):
    """The rows of one of the history statements, read through the session's connection (in its
    transaction) rather than the session: plain rows need none of the ORM's result handling,
    which took longer than writing a year of days as CSV. They come in the statement's batches
    (yield_per), each a list, rather than a call per row."""
    result = db.session.connection().execute(statement, {"entitlement_id": entitlement_id})
    return itertools.chain.from_iterable(result.partitions())


@functools.cache
def _daily_history_statement():
    """daily_history's statement (bound parameter entitlement_id), built once per worker."""
    return (
        select(
            series.day_text(UsageDay.day),  # written as it is: see series.day_text
            UsageDay.assigned,
            UsageDay.newly_assigned,
            UsageDay.daily_active,
            UsageDay.monthly_active,
            UsageDay.peak_concurrent,
        )
        .where(UsageDay.entitlement_id == bindparam("entitlement_id", type_=Integer))
        .order_by(UsageDay.day)
        .execution_options(yield_per=2000)
    )


def assignments(entitlement_id: int, limit: int = 500) -> tuple[list[LicenseAssignment], int]:
    """Who holds the entitlement's licenses (customer administrators only): a page and the total."""
    from sqlalchemy import func

    total = (
        db.session.scalar(
            select(func.count())
            .select_from(LicenseAssignment)
            .where(LicenseAssignment.entitlement_id == entitlement_id)
        )
        or 0
    )
    rows = list(
        db.session.scalars(
            select(LicenseAssignment)
            .where(LicenseAssignment.entitlement_id == entitlement_id)
            .order_by(LicenseAssignment.holder)
            .limit(limit)
        )
    )
    return rows, total


# --- Gateway bandwidth ------------------------------------------------------------------------

BANDWIDTH_MONTHS = 12
SITES_KEY = "sites"


class BandwidthTrend:
    """The usage behind one Gateway entitlement's trend: the last 12 months for a monthly
    entitlement, one billing period (`period`, by default the current or last one) for the
    others. Each series is read (one SQL statement) on first use."""

    def __init__(
        self, entitlement: Entitlement, service: Service, today: date, allotted: Allotments, period: int | None = None
    ):
        self.entitlement, self.service, self.today, self.allotted = entitlement, service, today, allotted
        self.gateway = GatewayEntitlement(
            entitlement.id,
            entitlement.term.value,
            entitlement.is_trial,
            entitlement.license_count,
            entitlement.start_date,
            entitlement.end_date,
        )
        self.periods = self.gateway.periods(allotted, today)
        if not self.gateway.pooled:
            self.period = None
            self.shown = self.periods[-BANDWIDTH_MONTHS:]
        else:
            # A period number out of range (or none) shows the current period.
            chosen = period if period is not None and 0 <= period < len(self.periods) else len(self.periods) - 1
            self.period = self.periods[chosen] if self.periods else None
            self.shown = [self.period] if self.period else []

    @property
    def pooled(self) -> bool:
        """True for annual, termed and trial entitlements (one pool per billing period)."""
        return self.gateway.pooled

    @property
    def plan_label(self) -> str:
        """Monthly, Annual, Termed or Trial."""
        return str(PLAN_LABELS[self.gateway.plan])

    @property
    def chart_keys(self) -> tuple[str, ...]:
        """The charts of the trend page."""
        return ("individual-usage", "cumulative-usage") if self.pooled else ("monthly-usage",)

    @property
    def period_number(self) -> int | None:
        """The number of the billing period shown, for links (None for a monthly entitlement)."""
        return None if self.period is None else self.period.index

    @property
    def month_allotment_mb(self) -> int:
        """A monthly entitlement's allotment for a whole month."""
        return self.entitlement.license_count * self.allotted.per_user_month_mb

    def neighbour(self, step: int) -> int | None:
        """The number of the billing period `step` away from the one shown, if there is one."""
        if self.period is None:
            return None
        index = self.period.index + step
        return index if 0 <= index < len(self.periods) else None

    @property
    def month_list(self) -> list[date]:
        """The calendar months shown, oldest first."""
        return [month for period in self.shown for month in period.months(self.today)]

    @cached_property
    def months(self) -> list[MonthFigures]:
        """Each month shown with its usage by source, running total and overage."""
        usage = series.bandwidth_months(_windows(self.entitlement.id, self.shown, self.today))
        return [
            figures
            for period in self.shown
            for figures in period_months(period, usage.get((self.entitlement.id, period.index), {}), self.today)
        ]

    @cached_property
    def sites(self) -> dict[str, dict[date, int]]:
        """Each on-premises site's megabytes per month shown."""
        if not self.shown or self.shown[0].first > self.today:
            return {}
        return series.bandwidth_sites(self.entitlement.id, self.shown[0].first, min(self.shown[-1].last, self.today))

    def chart(self, key: str) -> charts.Chart | None:
        """Build the chart named `key` (None for a key this entitlement has no chart for)."""
        builders = {SITES_KEY: lambda: charts.sites_chart(self.month_list, self.sites)}
        if self.pooled:
            builders["individual-usage"] = lambda: charts.individual_usage_chart(self.months)
            builders["cumulative-usage"] = lambda: charts.cumulative_usage_chart(self.months)
        else:
            builders["monthly-usage"] = lambda: charts.monthly_bandwidth_chart(self.months)
        build = builders.get(key)
        return build() if build else None

    def page_charts(self) -> list[charts.Chart]:
        """The trend page's charts, in page order (one SQL statement in all)."""
        return [self.chart(key) for key in self.chart_keys]


def bandwidth_trend(
    entitlement: Entitlement, service: Service, today: date, period: int | None = None
) -> BandwidthTrend:
    """A Gateway entitlement's usage with the allotments of the settings (nothing read yet)."""
    return BandwidthTrend(entitlement, service, today, allotments(), period)


def gateway_overage(org_id: int, today: date, months: int = BANDWIDTH_MONTHS) -> charts.Chart | None:
    """View Overage Chart: the Gateway overage of each of the past `months` calendar months per
    plan (two statements); None without Gateway entitlements.

    A pooled period that began before the window is read from its first day, since its overage
    depends on everything used since then.
    """
    allotted = allotments()
    gateways = [
        line.gateway()
        for line in entitlement_lines(org_id, today)
        if line.is_bandwidth and line.state is not EntitlementState.PENDING_TRIAL
    ]
    if not gateways:
        return None
    shown = last_months(today, months)
    periods = {g.id: [p for p in g.periods(allotted, today) if p.last >= shown[0]] for g in gateways}
    usage = series.bandwidth_months([window for g in gateways for window in _windows(g.id, periods[g.id], today)])
    plans = [plan for plan in PLANS if any(g.plan == plan for g in gateways)]
    overage = {month: dict.fromkeys(plans, 0) for month in shown}
    for g in gateways:
        for period in periods[g.id]:
            for figures in period_months(period, usage.get((g.id, period.index), {}), today):
                if figures.month in overage:
                    overage[figures.month][g.plan] += figures.overage_mb
    return charts.gateway_overage_chart(
        [(month, [overage[month][plan] for plan in plans]) for month in shown],
        [str(PLAN_LABELS[plan]) for plan in plans],
    )


def bandwidth_history(entitlement_id: int):
    """Every recorded day and source of one Gateway entitlement, oldest first, streamed (the day as
    'YYYY-MM-DD' text, then source, site, megabytes)."""
    return _streamed(_bandwidth_history_statement(), entitlement_id)


@functools.cache
def _bandwidth_history_statement():
    """bandwidth_history's statement (bound parameter entitlement_id), built once per worker."""
    return (
        select(series.day_text(BandwidthDay.day), BandwidthDay.source, BandwidthDay.site, BandwidthDay.megabytes)
        .where(BandwidthDay.entitlement_id == bindparam("entitlement_id", type_=Integer))
        .order_by(BandwidthDay.day, BandwidthDay.source, BandwidthDay.site)
        .execution_options(yield_per=2000)
    )
