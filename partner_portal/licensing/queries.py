"""Reads for the licensing pages: a per-service summary and one entitlement's trends.

Query counts are fixed: the summary issues three statements whatever the number of
entitlements, a trend four whatever the length of the history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..customers.queries import EntitlementLine, entitlement_lines
from ..extensions import db
from ..models import Entitlement, EntitlementState, LicenseAssignment, Service, UsageDay
from . import charts, series
from .math import ServiceSummary, summarize_services


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


@dataclass(frozen=True)
class Trend:
    """All charts of View Usage Trend for one entitlement."""

    charts: list[charts.Chart]

    def chart(self, key: str) -> charts.Chart | None:
        """The chart with this key, if any."""
        return next((c for c in self.charts if c.key == key), None)


def _label(entitlement: Entitlement, service: Service) -> str:
    """A short label for one entitlement in the consumption chart."""
    ends = entitlement.end_date.isoformat() if entitlement.end_date else "open-ended"
    return f"{entitlement.term.label}, {entitlement.license_count} {service.unit}, ends {ends}"


def usage_trend(entitlement: Entitlement, service: Service, today: date) -> Trend:
    """Build the trend charts of one entitlement from SQL-aggregated series."""
    monthly_commit = entitlement.commit_model.value == "monthly-commit"
    months = series.monthly_series(entitlement.id, today)
    days = series.daily_series(entitlement.id, today)
    latest = next((p for p in reversed(days) if p.has_data), None)
    assigned_now = latest.assigned if latest else entitlement.licenses_assigned
    siblings = series.org_monthly_series(entitlement.organization_id, today, service_code=service.code)
    labels = {
        e.id: _label(e, service)
        for e in db.session.scalars(select(Entitlement).where(Entitlement.id.in_(list(siblings))))
    }
    purchased = entitlement.license_count
    return Trend([
        charts.ratio_chart(assigned_now, purchased, service.unit),
        charts.monthly_active_chart(months),
        charts.daily_active_chart(days),
        charts.assignments_chart(months, purchased, monthly_commit),
        charts.active_use_chart(months),
        charts.consumption_chart({labels[i]: points for i, points in siblings.items()}),
        charts.overage_chart(months, purchased, monthly_commit),
    ])


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
