"""Reads for the licensing pages: a per-service summary and one entitlement's trends.

Query counts are fixed: the summary issues three statements whatever the number of
entitlements, a trend four whatever the length of the history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import select

from ..extensions import db
from ..models import Entitlement, EntitlementState, LicenseAssignment, Service, UsageDay
from . import charts, series
from .math import ServiceSummary, summarize_services


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


def entitlement_lines(org_id: int, today: date | None = None) -> list[EntitlementLine]:
    """The organization's entitlements with service names, in catalogue order (one query)."""
    today = today or date.today()
    stmt = (
        select(Entitlement, Service)
        .join(Service, Service.code == Entitlement.service_code)
        .where(Entitlement.organization_id == org_id)
        .order_by(Service.sort_order, Entitlement.end_date, Entitlement.id)
    )
    return [
        EntitlementLine(id=e.id, service=s.name, unit=s.unit, state=e.state(today), license_count=e.license_count,
                        assigned=e.licenses_assigned, term=e.term.label, start_date=e.start_date,
                        end_date=e.end_date, is_bandwidth=s.is_bandwidth)
        for e, s in db.session.execute(stmt).all()
    ]


@dataclass(frozen=True)
class ServiceRow:
    """A service summary with the catalogue's name and unit."""

    name: str
    unit: str
    summary: ServiceSummary


@dataclass(frozen=True)
class UsageSummary:
    """The Usage tab: one row per licensed service, and the entitlements behind them."""

    services: list[ServiceRow]
    entitlements: list[EntitlementLine]
    bandwidth: list[EntitlementLine]


def usage_summary(org_id: int, today: date) -> UsageSummary:
    """Summaries per service (in catalogue order) and entitlement lines for the trend links."""
    catalogue = {s.code: s for s in db.session.scalars(select(Service).order_by(Service.sort_order))}
    figures = [f for f in series.entitlement_figures(org_id, today) if not catalogue[f.service_code].is_bandwidth]
    summaries = summarize_services(figures, today, service_order=list(catalogue))
    shown = [line for line in entitlement_lines(org_id, today) if line.state is not EntitlementState.PENDING_TRIAL]
    return UsageSummary(
        services=[ServiceRow(catalogue[s.service_code].name, catalogue[s.service_code].unit, s) for s in summaries],
        entitlements=[line for line in shown if not line.is_bandwidth],
        bandwidth=[line for line in shown if line.is_bandwidth],
    )


def entitlement_or_none(org_id: int, entitlement_id: int) -> tuple[Entitlement, Service] | None:
    """The organization's entitlement with its service, or None (another org's id included)."""
    row = db.session.execute(
        select(Entitlement, Service).join(Service, Service.code == Entitlement.service_code)
        .where(Entitlement.id == entitlement_id, Entitlement.organization_id == org_id)
    ).first()
    return (row[0], row[1]) if row else None


def _label(entitlement: Entitlement, service: Service) -> str:
    """A short label for one entitlement in the consumption chart."""
    ends = entitlement.end_date.isoformat() if entitlement.end_date else "open-ended"
    return f"{entitlement.term.label}, {entitlement.license_count} {service.unit}, ends {ends}"


CHART_KEYS = ("ratio", "monthly-active-users", "daily-active-users", "license-assignments", "active-use",
              "consumption", "overage")


class TrendData:
    """The series behind one entitlement's trend, each loaded (one SQL statement) on first use,
    so an export of one chart reads only what that chart needs."""

    def __init__(self, entitlement: Entitlement, service: Service, today: date):
        self.entitlement, self.service, self.today = entitlement, service, today
        self.purchased = entitlement.license_count
        self.monthly_commit = entitlement.commit_model.value == "monthly-commit"

    @cached_property
    def months(self):
        """Twelve months of aggregated usage."""
        return series.monthly_series(self.entitlement.id, self.today)

    @cached_property
    def days(self):
        """Thirty days of usage."""
        return series.daily_series(self.entitlement.id, self.today)

    @cached_property
    def assigned_now(self) -> int:
        """Assigned licenses on the latest day with data (the recorded count without any)."""
        latest = next((p for p in reversed(self.days) if p.has_data), None)
        return latest.assigned if latest else self.entitlement.licenses_assigned

    def consumption(self) -> dict:
        """Monthly series of every entitlement of the same service, keyed by a readable label."""
        siblings = series.org_monthly_series(self.entitlement.organization_id, self.today,
                                             service_code=self.service.code)
        labels = {e.id: _label(e, self.service)
                  for e in db.session.scalars(select(Entitlement).where(Entitlement.id.in_(list(siblings))))}
        return {labels[i]: points for i, points in siblings.items()}

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


def usage_trend(entitlement: Entitlement, service: Service, today: date) -> list[charts.Chart]:
    """Every trend chart of one entitlement, in page order (four SQL statements in all)."""
    data = TrendData(entitlement, service, today)
    return [data.chart(key) for key in CHART_KEYS]


def daily_history(entitlement_id: int):
    """Every recorded day of one entitlement, oldest first, streamed from the database."""
    return db.session.execute(
        select(UsageDay.day, UsageDay.assigned, UsageDay.newly_assigned, UsageDay.daily_active,
               UsageDay.monthly_active, UsageDay.peak_concurrent)
        .where(UsageDay.entitlement_id == entitlement_id).order_by(UsageDay.day)
        .execution_options(yield_per=2000)
    )


def assignments(entitlement_id: int, limit: int = 500) -> tuple[list[LicenseAssignment], int]:
    """Who holds the entitlement's licenses (customer administrators only): a page and the total."""
    from sqlalchemy import func

    total = db.session.scalar(select(func.count()).select_from(LicenseAssignment)
                              .where(LicenseAssignment.entitlement_id == entitlement_id)) or 0
    rows = list(db.session.scalars(select(LicenseAssignment).where(LicenseAssignment.entitlement_id == entitlement_id)
                                   .order_by(LicenseAssignment.holder).limit(limit)))
    return rows, total
