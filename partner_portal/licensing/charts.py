"""Usage-trend charts as lean Plotly figures, each with the same figures as a table.

Every builder makes its Table first and draws the traces from the table's columns, so the
chart, its accessible data table and its CSV export cannot disagree. Figures are plain dicts
with no layout.template (the default template alone adds about 6 KB per chart) and use only
`scatter` and `bar` traces, the ones plotly.js's basic bundle has.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date as babel_format_date
from babel.numbers import get_decimal_symbol, get_group_symbol

from ..web import downloads
from ..web.i18n import current as current_locale
from ..web.i18n import gettext
from .bandwidth import MB_PER_GB, PLAN_LABELS, MonthFigures, Standing, gb_number, gb_text, local_decimal
from .math import licenses_remaining, overage, percent_label, split_by_commitment
from .series import DayPoint, MonthPoint

COLORS = {
    "assigned": "#2563eb",
    "purchased": "#4b5563",
    "newly": "#93c5fd",
    "active": "#059669",
    "daily": "#0d9488",
    "peak": "#7c3aed",
    "remaining": "#d1d5db",
    "overage": "#dc2626",
    "cloud": "#2563eb",
    "on-premises": "#0d9488",
    "cumulative": "#7c3aed",
}
# One color per Gateway plan, the same on every customer's overage chart.
PLAN_COLORS = {"monthly": "#2563eb", "annual": "#059669", "termed": "#d97706", "trial": "#7c3aed"}
# A qualitative palette for one trace per entitlement.
SERIES_COLORS = ("#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d", "#4b5563")

# Passed to Plotly.newPlot with the figure: resize with the container, and no toolbar (its ten
# buttons were tab stops inside the aria-hidden chart, and covered the figures on phones).
CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


@dataclass(frozen=True)
class Table:
    """A chart's figures as rows: the data-table alternative and the CSV export.

    `kinds` says how each column is written out: "month" (YYYY-MM), "day" (YYYY-MM-DD),
    "count" (a whole number), "percent" (one decimal), "gb" (megabytes written as gigabytes
    with three decimals) or "text". The page writes decimals with the reader's decimal sign
    (formatted_rows); the CSV export keeps them machine-readable (csv_rows).
    """

    headers: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple, ...]

    def column(self, index: int) -> list:
        """The raw values of one column."""
        return [row[index] for row in self.rows]

    def is_numeric(self, index: int) -> bool:
        """True for a column of figures (aligned right on the page)."""
        return self.kinds[index] in ("count", "percent", "gb")

    def formatted_rows(self) -> list[list[str]]:
        """Every row with each value written as the page shows it (in English, exactly as the
        CSV writes it; in German with a decimal comma)."""
        return [[_format(kind, value) for kind, value in zip(self.kinds, row, strict=False)] for row in self.rows]

    def csv_rows(self) -> list[list[str]]:
        """Every row as the CSV export writes it: machine-readable in every language."""
        return [
            [_format(kind, value, machine=True) for kind, value in zip(self.kinds, row, strict=False)]
            for row in self.rows
        ]


def _format(kind: str, value, machine: bool = False) -> str:
    """Write one table value; None (no figure) becomes an empty cell."""
    if value is None:
        return ""
    if kind == "month":
        return value.strftime("%Y-%m")
    if kind == "day":
        return value.isoformat()
    if kind == "percent":
        text = f"{value:.1f}"
        return text if machine else local_decimal(text)
    if kind == "gb":
        return gb_number(value) if machine else gb_text(value)
    return str(value)


@dataclass(frozen=True)
class Chart:
    """A figure for Plotly.newPlot plus its table, with an empty state."""

    key: str
    title: str
    figure: dict
    table: Table
    empty: bool
    empty_message: str

    def figure_json(self) -> str:
        """The figure as compact JSON, for a data- attribute."""
        return json.dumps(self.figure, separators=(",", ":"))


# --- shared pieces ---------------------------------------------------------------------------


def _month_label(month: date) -> str:
    """A month as the reader's language abbreviates it, with the year ("Jun 2025", "Mär 2025")."""
    return babel_format_date(month, "LLL yyyy", locale=current_locale())


def _x(table: Table) -> list[str]:
    """The first column as x values: days as ISO dates (a date axis), months as "Jun 2025"
    labels (a category axis, one label under each month's bar with no date-axis rounding)."""
    if table.kinds[0] == "month":
        return [_month_label(value) for value in table.column(0)]
    return [value.isoformat() for value in table.column(0)]


def _layout(title: str, y_title: str, x_kind: str, show_title: bool = False, **extra) -> dict:
    """A small layout: margins, an x-axis for months or days, y from zero, legend on top.

    The page's caption already names each chart, so the figure repeats its title only when
    asked (the ratio chart's title carries the percentage).
    """
    if x_kind == "month":
        xaxis = {"type": "category"}
    elif x_kind == "day":
        xaxis = _day_axis()
    else:
        xaxis = {}
    layout = {
        "title": {"text": title if show_title else "", "x": 0, "xanchor": "left", "font": {"size": 14}},
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "margin": {"l": 56, "r": 44, "t": 36, "b": 56},  # room for the last slanted month label
        "xaxis": xaxis,
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "tickformat": ",d"},
        # Above the plot: below it, the legend collides with slanted month labels.
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    separators = _separators()
    if separators != ".,":
        # Plotly's hover and tick numbers in the reader's style ("1.234,5" in German).
        layout["separators"] = separators
    layout.update(extra)
    return layout


def _day_axis() -> dict:
    """A date axis. Plotly writes month and weekday names in English only, so other languages
    get numeric dates ("30.11.", "30.11.2026")."""
    if current_locale().language == "en":
        return {"type": "date", "tickformat": "%b %d", "hoverformat": "%a %b %d, %Y"}
    return {"type": "date", "tickformat": "%d.%m.", "hoverformat": "%d.%m.%Y"}


def _separators() -> str:
    """The decimal and grouping signs of the reader's language, as Plotly's `separators` takes them."""
    locale = current_locale()
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def _month_ticks(layout: dict, x: list) -> None:
    """Month labels that stay level and readable at any width: the month, with the year under
    the first month and every January ("Jul<br>2024", "Aug", … "Jan<br>2025")."""
    labels = [value.rsplit(" ", 1) for value in x]
    if not labels or any(len(parts) != 2 for parts in labels):
        return
    text = [
        f"{month}<br>{year}" if index == 0 or year != labels[index - 1][1] else month
        for index, (month, year) in enumerate(labels)
    ]
    layout["xaxis"] = {**layout["xaxis"], "tickmode": "array", "tickvals": list(x), "ticktext": text, "tickangle": 0}


def _figure(traces: list[dict], layout: dict) -> dict:
    """Assemble the figure handed to Plotly.newPlot."""
    if layout.get("xaxis", {}).get("type") == "category" and traces:
        _month_ticks(layout, traces[0]["x"])
    return {"data": traces, "layout": layout, "config": CONFIG}


def _line(name: str, x: list, y: list, color: str, **extra) -> dict:
    """A scatter trace drawn as a line with small markers."""
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": x,
        "y": y,
        "line": {"color": color, "width": 2},
        "marker": {"size": 5},
    }
    trace.update(extra)
    return trace


def _bar(name: str, x: list, y: list, color: str, **extra) -> dict:
    """A bar trace."""
    trace = {"type": "bar", "name": name, "x": x, "y": y, "marker": {"color": color}}
    trace.update(extra)
    return trace


def _no_data(points: Sequence[MonthPoint] | Sequence[DayPoint]) -> bool:
    """True when none of the points came from a stored day of usage."""
    return not any(point.has_data for point in points)


def _share(part: int, whole: int) -> float | None:
    """part as a percentage of whole, rounded to one decimal (None when whole is 0)."""
    return None if whole <= 0 else round(part * 100 / whole, 1)


# --- the charts --------------------------------------------------------------------------------


def ratio_chart(assigned: int, purchased: int, unit: str = "licenses") -> Chart:
    """Assigned against purchased licenses today: one stacked bar of assigned, remaining and overage."""
    table = Table(
        headers=(
            gettext("Purchased"),
            gettext("Assigned"),
            gettext("Remaining"),
            gettext("Overage"),
            gettext("Assigned of purchased"),
        ),
        kinds=("count", "count", "count", "count", "text"),
        rows=(
            (
                purchased,
                assigned,
                licenses_remaining(assigned, purchased),
                overage(assigned, purchased),
                percent_label(assigned, purchased),
            ),
        ),
    )
    purchased, assigned, remaining, over, share = table.rows[0]
    label = [unit.capitalize()]
    traces = [
        _bar(
            gettext("Assigned within purchased") if over else gettext("Assigned"),
            [min(assigned, purchased)],
            label,
            COLORS["assigned"],
            orientation="h",
        ),
        _bar(gettext("Remaining"), [remaining], label, COLORS["remaining"], orientation="h"),
        _bar(gettext("Overage"), [over], label, COLORS["overage"], orientation="h"),
    ]
    layout = _layout(
        gettext("Assigned of purchased: %(share)s", share=share),
        "",
        "none",
        show_title=True,
        barmode="stack",
        height=200,
        hovermode="closest",
    )
    layout["xaxis"] = {"rangemode": "tozero", "tickformat": ",d"}
    layout["yaxis"] = {"showticklabels": False}
    # Horizontal stacks list their legend bottom-up by default; keep the stacking order.
    layout["legend"] = {**layout["legend"], "traceorder": "normal", "y": -0.9, "yanchor": "top"}
    layout["margin"] = {**layout["margin"], "b": 70}
    return Chart(
        "ratio",
        gettext("Assigned and purchased licenses"),
        _figure(traces, layout),
        table,
        empty=purchased == 0 and assigned == 0,
        empty_message=gettext("No licenses purchased or assigned."),
    )


def monthly_active_chart(months: Sequence[MonthPoint]) -> Chart:
    """Monthly active users (active in the last 30 days, highest in each month) over 12 months."""
    table = Table(
        (gettext("Month"), gettext("Monthly active users")),
        ("month", "count"),
        tuple((point.month, point.monthly_active) for point in months),
    )
    traces = [_bar(gettext("Monthly active users"), _x(table), table.column(1), COLORS["active"])]
    return Chart(
        "monthly-active-users",
        gettext("Monthly active users"),
        _figure(traces, _layout(gettext("Monthly active users"), gettext("Users"), "month")),
        table,
        empty=_no_data(months),
        empty_message=gettext("No usage recorded in the last 12 months."),
    )


def daily_active_chart(days: Sequence[DayPoint]) -> Chart:
    """Daily active users (active in the last 24 hours) over the last 30 days."""
    table = Table(
        (gettext("Day"), gettext("Daily active users")),
        ("day", "count"),
        tuple((point.day, point.daily_active) for point in days),
    )
    traces = [_line(gettext("Daily active users"), _x(table), table.column(1), COLORS["daily"])]
    return Chart(
        "daily-active-users",
        gettext("Daily active users"),
        _figure(traces, _layout(gettext("Daily active users"), gettext("Users"), "day")),
        table,
        empty=_no_data(days),
        empty_message=gettext("No usage recorded in the last 30 days."),
    )


def assignments_chart(months: Sequence[MonthPoint], purchased: int, monthly_commit: bool = False) -> Chart:
    """License assignments per month: total licenses, cumulative assigned, newly assigned.

    For monthly-commit licensing the total is the commitment and the cumulative count is the
    month's own (it starts again every month).
    """
    total = gettext("Monthly commitment") if monthly_commit else gettext("Total licenses")
    table = Table(
        (gettext("Month"), total, gettext("Cumulative assigned"), gettext("Newly assigned")),
        ("month", "count", "count", "count"),
        tuple((point.month, purchased, point.assigned, point.newly_assigned) for point in months),
    )
    x = _x(table)
    traces = [
        _bar(gettext("Newly assigned"), x, table.column(3), COLORS["newly"]),
        _line(gettext("Cumulative assigned"), x, table.column(2), COLORS["assigned"]),
        _line(
            total,
            x,
            table.column(1),
            COLORS["purchased"],
            mode="lines",
            line={"color": COLORS["purchased"], "width": 2, "dash": "dash", "shape": "hv"},
        ),
    ]
    return Chart(
        "license-assignments",
        gettext("License assignments"),
        _figure(traces, _layout(gettext("License assignments"), gettext("Licenses"), "month")),
        table,
        empty=_no_data(months) and purchased == 0,
        empty_message=gettext("No licenses purchased or assigned in the last 12 months."),
    )


def active_use_chart(months: Sequence[MonthPoint]) -> Chart:
    """Active use per month: monthly active users against assigned licenses, and peak
    concurrent users where the service counts them."""
    with_peak = any(point.peak_concurrent is not None for point in months)
    headers = (
        gettext("Month"),
        gettext("Assigned"),
        gettext("Monthly active users"),
        gettext("Active of assigned (%)"),
    )
    kinds = ("month", "count", "count", "percent")
    if with_peak:
        headers += (gettext("Peak concurrent users"),)
        kinds += ("count",)
    rows = []
    for point in months:
        row = (point.month, point.assigned, point.monthly_active, _share(point.monthly_active, point.assigned))
        rows.append(row + ((point.peak_concurrent,) if with_peak else ()))
    table = Table(headers, kinds, tuple(rows))
    x = _x(table)
    # The share, not the counts again: Monthly active users and License assignments draw those.
    traces = [
        _bar(
            gettext("Active of assigned"),
            x,
            table.column(3),
            COLORS["active"],
            customdata=table.column(2),
            hovertemplate=gettext("%{y:.1f} % (%{customdata:,d} users)"),
        ),
    ]
    layout = _layout(gettext("Active use"), gettext("Share of assigned licenses (%)"), "month")
    layout["yaxis"] = {**layout["yaxis"], "tickformat": ",d", "ticksuffix": " %"}
    if with_peak:
        traces.append(_line(gettext("Peak concurrent users"), x, table.column(4), COLORS["peak"], yaxis="y2"))
        layout["yaxis2"] = {
            "title": {"text": gettext("Peak concurrent users")},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "tickformat": ",d",
            "showgrid": False,
        }
        layout["margin"] = {**layout["margin"], "r": 64}
    return Chart(
        "active-use",
        gettext("Active use"),
        _figure(traces, layout),
        table,
        empty=_no_data(months),
        empty_message=gettext("No usage recorded in the last 12 months."),
    )


def overage_chart(months: Sequence[MonthPoint], purchased: int, monthly_commit: bool = False) -> Chart:
    """Overage per month, stacked on the part within the purchased count (or the commitment),
    so the overage reads apart from it."""
    limit = gettext("Monthly commitment") if monthly_commit else gettext("Purchased")
    within = gettext("Within monthly commitment") if monthly_commit else gettext("Within purchased")
    splits = split_by_commitment(((point.month, point.assigned) for point in months), purchased)
    table = Table(
        (gettext("Month"), limit, gettext("Assigned"), within, gettext("Overage")),
        ("month", "count", "count", "count", "count"),
        tuple(
            (split.month, split.commitment, split.assigned, split.within_commitment, split.overage) for split in splits
        ),
    )
    x = _x(table)
    traces = [
        _bar(within, x, table.column(3), COLORS["assigned"]),
        _bar(gettext("Overage"), x, table.column(4), COLORS["overage"]),
        _line(
            limit,
            x,
            table.column(1),
            COLORS["purchased"],
            mode="lines",
            line={"color": COLORS["purchased"], "width": 2, "dash": "dash", "shape": "hv"},
        ),
    ]
    return Chart(
        "overage",
        gettext("Overage"),
        _figure(
            traces,
            _layout(
                gettext("Overage"),
                gettext("Licenses"),
                "month",
                barmode="stack",
                legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
            ),
        ),
        table,
        empty=_no_data(months),
        empty_message=gettext("No usage recorded in the last 12 months."),
    )


def consumption_chart(series: Mapping[str, Sequence[MonthPoint]]) -> Chart:
    """Assigned licenses per month for each entitlement (keyed by a label such as
    "Annual, 500 users, ends 2026-03-31"), as grouped bars."""
    labels = list(series)
    months = [point.month for point in next(iter(series.values()), [])]
    rows = tuple((month, *(series[label][index].assigned for label in labels)) for index, month in enumerate(months))
    table = Table((gettext("Month"), *labels), ("month",) + ("count",) * len(labels), rows)
    x = _x(table)
    traces = [
        _bar(label, x, table.column(index + 1), SERIES_COLORS[index % len(SERIES_COLORS)])
        for index, label in enumerate(labels)
    ]
    # With a single entitlement the bars would repeat License assignments' cumulative line.
    single = len(labels) == 1
    return Chart(
        "consumption",
        gettext("Consumption per entitlement"),
        _figure(
            traces,
            _layout(
                gettext("Consumption per entitlement"),
                gettext("Assigned licenses"),
                "month",
                barmode="group",
                showlegend=True,
            ),
        ),
        table,
        empty=single or all(_no_data(points) for points in series.values()),
        empty_message=(
            gettext("One entitlement: its consumption is the Cumulative assigned line of License assignments.")
            if single and not all(_no_data(p) for p in series.values())
            else gettext("No usage recorded in the last 12 months.")
        ),
    )


# --- Gateway bandwidth ---------------------------------------------------------------------------


def _no_bandwidth_message() -> str:
    """The empty state of a bandwidth chart."""
    return gettext("No bandwidth recorded in these months.")


def _gigabytes(table: Table, index: int) -> list[float]:
    """A column of megabytes as gigabytes, for the y axis."""
    return [value / MB_PER_GB for value in table.column(index)]


def _bandwidth_layout(title: str, **extra) -> dict:
    """The month layout with a y axis in GB that keeps decimals (small figures, and hover), a
    fixed height (a bandwidth chart may come first in its grid, where the card is shorter), and
    the legend in trace order (stacked bars would list it bottom-up)."""
    layout = _layout(title, "GB", "month", height=320, **extra)
    layout["yaxis"] = {**layout["yaxis"], "tickformat": ",~f", "hoverformat": ",.3f"}
    # A three-year term has 36 month labels; plotly may turn them upright, so let it make room.
    layout["xaxis"] = {**layout["xaxis"], "automargin": True}
    layout["legend"] = {**layout["legend"], "traceorder": "normal"}
    return layout


def _limit_line(name: str, x: list, y: list) -> dict:
    """A dashed step line for an allotment or a pool."""
    return _line(
        name,
        x,
        y,
        COLORS["purchased"],
        mode="lines",
        line={"color": COLORS["purchased"], "width": 2, "dash": "dash", "shape": "hv"},
    )


def _no_bandwidth(months: Sequence[MonthFigures]) -> bool:
    """True when no month shown has any bandwidth."""
    return not any(month.used_mb for month in months)


def _source_bars(table: Table, cloud: int, on_premises: int) -> list[dict]:
    """Stacked bars of the cloud service and the on-premises sites (all of them together)."""
    x = _x(table)
    return [
        _bar(gettext("Cloud service"), x, _gigabytes(table, cloud), COLORS["cloud"]),
        _bar(gettext("On-premises"), x, _gigabytes(table, on_premises), COLORS["on-premises"]),
    ]


def monthly_bandwidth_chart(months: Sequence[MonthFigures]) -> Chart:
    """A monthly entitlement: each month's bandwidth by source against that month's allotment."""
    table = Table(
        (
            gettext("Month"),
            gettext("Cloud service (GB)"),
            gettext("On-premises (GB)"),
            gettext("Used (GB)"),
            gettext("Allotment (GB)"),
            gettext("Overage (GB)"),
        ),
        ("month", "gb", "gb", "gb", "gb", "gb"),
        tuple((m.month, m.cloud_mb, m.on_premises_mb, m.used_mb, m.allotment_mb, m.overage_mb) for m in months),
    )
    traces = [*_source_bars(table, 1, 2), _limit_line(gettext("Allotment"), _x(table), _gigabytes(table, 4))]
    return Chart(
        "monthly-usage",
        gettext("Monthly usage"),
        _figure(traces, _bandwidth_layout(gettext("Monthly usage"), barmode="stack")),
        table,
        empty=_no_bandwidth(months),
        empty_message=_no_bandwidth_message(),
    )


def individual_usage_chart(months: Sequence[MonthFigures]) -> Chart:
    """Annual, termed and trial entitlements: each month's own bandwidth in the billing period."""
    table = Table(
        (
            gettext("Month"),
            gettext("Cloud service (GB)"),
            gettext("On-premises (GB)"),
            gettext("Individual usage (GB)"),
        ),
        ("month", "gb", "gb", "gb"),
        tuple((m.month, m.cloud_mb, m.on_premises_mb, m.used_mb) for m in months),
    )
    return Chart(
        "individual-usage",
        gettext("Individual usage"),
        _figure(_source_bars(table, 1, 2), _bandwidth_layout(gettext("Individual usage"), barmode="stack")),
        table,
        empty=_no_bandwidth(months),
        empty_message=_no_bandwidth_message(),
    )


def cumulative_usage_chart(months: Sequence[MonthFigures]) -> Chart:
    """The running total since the billing period began against the pool, with each month's
    overage (the part of its usage above the pool)."""
    table = Table(
        (gettext("Month"), gettext("Cumulative usage (GB)"), gettext("Pool (GB)"), gettext("Overage (GB)")),
        ("month", "gb", "gb", "gb"),
        tuple((m.month, m.cumulative_mb, m.allotment_mb, m.overage_mb) for m in months),
    )
    x = _x(table)
    traces = [
        _bar(gettext("Overage"), x, _gigabytes(table, 3), COLORS["overage"]),
        _line(gettext("Cumulative usage"), x, _gigabytes(table, 1), COLORS["cumulative"]),
        _limit_line(gettext("Pool"), x, _gigabytes(table, 2)),
    ]
    return Chart(
        "cumulative-usage",
        gettext("Cumulative usage"),
        _figure(traces, _bandwidth_layout(gettext("Cumulative usage"))),
        table,
        empty=_no_bandwidth(months),
        empty_message=_no_bandwidth_message(),
    )


def sites_chart(months: Sequence[date], sites: Mapping[str, Mapping[date, int]]) -> Chart:
    """The on-premises figure split by site: one stacked bar per site and month."""
    names = list(sites)
    rows = tuple(
        (month, *(sites[name].get(month, 0) for name in names), sum(sites[name].get(month, 0) for name in names))
        for month in months
    )
    table = Table(
        (gettext("Month"), *(gettext("%(site)s (GB)", site=name) for name in names), gettext("On-premises (GB)")),
        ("month",) + ("gb",) * (len(names) + 1),
        rows,
    )
    traces = [
        _bar(name, _x(table), _gigabytes(table, index + 1), SERIES_COLORS[index % len(SERIES_COLORS)])
        for index, name in enumerate(names)
    ]
    return Chart(
        "sites",
        gettext("On-premises sites"),
        _figure(traces, _bandwidth_layout(gettext("On-premises sites"), barmode="stack", showlegend=True)),
        table,
        empty=not any(row[-1] for row in rows),
        empty_message=gettext("No on-premises site reported bandwidth in these months."),
    )


def _plan_color(label: str) -> str:
    """The color of a Gateway plan, by its label in the reader's language."""
    for plan, plan_label in PLAN_LABELS.items():
        if str(plan_label) == label:
            return PLAN_COLORS[plan]
    return COLORS["overage"]


def gateway_overage_chart(rows: Sequence[tuple[date, Sequence[int]]], plans: Sequence[str]) -> Chart:
    """View Overage Chart: each month's Gateway overage (megabytes), stacked by plan."""
    table = Table(
        (gettext("Month"), *(gettext("%(plan)s (GB)", plan=plan) for plan in plans), gettext("Total overage (GB)")),
        ("month",) + ("gb",) * (len(plans) + 1),
        tuple((month, *figures, sum(figures)) for month, figures in rows),
    )
    traces = [
        _bar(plan, _x(table), _gigabytes(table, index + 1), _plan_color(plan)) for index, plan in enumerate(plans)
    ]
    return Chart(
        "overage",
        gettext("Overage"),
        _figure(traces, _bandwidth_layout(gettext("Overage"), barmode="stack", showlegend=True)),
        table,
        empty=not any(row[-1] for row in table.rows),
        empty_message=gettext("No overage in the past 12 months."),
    )


def gateway_summary_table(standings: Sequence[Standing]) -> Table:
    """The Gateway summary's lines: bandwidth of the current billing periods against their
    allotments, and this month's overage."""
    return Table(
        (
            gettext("Plan"),
            gettext("Entitlements"),
            gettext("Cloud service (GB)"),
            gettext("On-premises (GB)"),
            gettext("Used (GB)"),
            gettext("Allotment (GB)"),
            gettext("Used of allotment"),
            gettext("Overage this month (GB)"),
        ),
        ("text", "count", "gb", "gb", "gb", "gb", "text", "gb"),
        tuple(
            (
                s.label,
                s.entitlements,
                s.cloud_mb,
                s.on_premises_mb,
                s.used_mb,
                s.allotment_mb,
                s.percent_label,
                s.month_overage_mb,
            )
            for s in standings
        ),
    )


# --- export ------------------------------------------------------------------------------------


def csv_lines(table: Table) -> Iterator[str]:
    """Yield the table as CSV text, one line at a time (for a streamed download)."""
    return downloads.csv_lines([list(table.headers), *table.csv_rows()])


def _slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens ("Fabrikam Health" -> "fabrikam-health")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "export"


def export_filename(*parts: str, day: date) -> str:
    """A descriptive download name: "fabrikam-health_daas-user_license-assignments_2025-11-27.csv"."""
    return "_".join([*(_slug(part) for part in parts), day.isoformat()]) + ".csv"
