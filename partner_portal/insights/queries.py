"""Reads behind the forecasts and the what-if (one statement each), and the health score before
and after a what-if addition."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..licensing.bandwidth import MB_PER_GB, month_end
from ..licensing.queries import BandwidthTrend, TrendData
from ..models import BandwidthDay
from ..web.i18n import gettext
from . import health as hs
from .forecast import WINDOW_DAYS, BandwidthWindow, Forecast, bandwidth_forecast, seat_forecast


def seat_forecast_for(data: TrendData, today: date, added: int = 0) -> Forecast:
    """Assigned licenses of one entitlement ahead, from the trend's own 90 days (no extra query).
    Monthly-commit counts restart each month, so only this month's days are fitted for them."""
    days = [(p.day, p.assigned) for p in data.recent if p.has_data]
    term_end = data.entitlement.end_date
    if data.monthly_commit:
        days = [(day, value) for day, value in days if day >= today.replace(day=1)]
        term_end = None
    return seat_forecast(days, today, data.assigned_now, data.purchased, term_end, added)


def _daily_megabytes(entitlement_id: int, first: date, last: date) -> list[tuple[date, int]]:
    """Each recorded day's megabytes (all sources) of one Gateway entitlement from first to last."""
    rows = db.session.execute(
        select(BandwidthDay.day, func.sum(BandwidthDay.megabytes))
        .where(BandwidthDay.entitlement_id == entitlement_id, BandwidthDay.day >= first, BandwidthDay.day <= last)
        .group_by(BandwidthDay.day)
        .order_by(BandwidthDay.day)
    )
    return [(day, int(total)) for day, total in rows]


def _bandwidth_windows(data: BandwidthTrend, today: date) -> list[BandwidthWindow]:
    """This month's and the term's (or billing period's) spans with their allotments."""
    current = next((p for p in data.periods if p.first <= today <= p.last), None)
    if current is None:
        return []
    if not data.pooled:
        windows = [BandwidthWindow(gettext("End of this month"), current.first, current.last, current.allotment_mb)]
        end = data.entitlement.end_date
        if end is not None and end > current.last:
            last_month = data.gateway.periods(data.allotted, end)[-1]
            windows.append(
                BandwidthWindow(
                    gettext("End of term (its last month)"),
                    last_month.first,
                    last_month.last,
                    last_month.allotment_mb,
                )
            )
        return windows
    windows = [
        BandwidthWindow(
            gettext("End of this month"), current.first, min(current.last, month_end(today)), current.allotment_mb
        )
    ]
    if current.last != date.max and current.last > month_end(today):
        windows.append(
            BandwidthWindow(gettext("End of billing period"), current.first, current.last, current.allotment_mb)
        )
    return windows


def bandwidth_forecast_for(data: BandwidthTrend, today: date, added_gb: int = 0) -> Forecast:
    """Gateway bandwidth of one entitlement ahead, against its allotments + `added_gb` (one statement)."""
    windows = _bandwidth_windows(data, today)
    first = min([today - timedelta(days=WINDOW_DAYS - 1), *(w.first for w in windows)])
    days = _daily_megabytes(data.entitlement.id, first, today)
    return bandwidth_forecast(days, today, windows, added_gb * MB_PER_GB)


def what_if_health(
    partner_id: int, admin_id: int, org_id: int, added_licenses: int = 0, added_gb: int = 0
) -> tuple[hs.Health, hs.Health] | None:
    """The customer's health score now and with the addition (nothing written); None when the
    customer is not connected to the partner."""
    from ..customers.queries import customer_health_inputs

    inputs = customer_health_inputs(partner_id, admin_id, org_id)
    if inputs is None:
        return None
    after = replace(
        inputs,
        purchased=inputs.purchased + added_licenses,
        gateway_allotment_mb=inputs.gateway_allotment_mb + added_gb * MB_PER_GB,
    )
    return hs.health(inputs), hs.health(after)
