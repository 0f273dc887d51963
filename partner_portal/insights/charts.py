"""The forecast chart: recorded days, the fitted line carried to the last projected day, and its
band of one residual standard error either side (a filled area between two invisible lines)."""

from __future__ import annotations

from datetime import timedelta

from ..licensing.bandwidth import MB_PER_GB
from ..licensing.charts import COLORS, Chart, Table, _figure, _layout, _line
from ..web.i18n import gettext
from .forecast import Forecast

BAND_COLOR = "rgba(37, 99, 235, 0.15)"


def forecast_chart(forecast: Forecast, unit: str) -> Chart:
    """The chart of one forecast; its table lists the projections (what the page's table shows)."""
    gigabytes = forecast.kind == "bandwidth"
    scale = (lambda value: round(value / MB_PER_GB, 3)) if gigabytes else (lambda value: value)
    table = Table(
        headers=(
            gettext("When"),
            gettext("Day"),
            gettext("Expected"),
            gettext("Low"),
            gettext("High"),
            gettext("Capacity"),
            gettext("Expected overage"),
        ),
        kinds=("text", "day", *(("gb",) * 5 if gigabytes else ("count",) * 5)),
        rows=tuple((p.label, p.day, p.expected, p.low, p.high, p.capacity, p.overage) for p in forecast.projections),
    )
    fit, traces = forecast.fit, []
    x = [day.isoformat() for day, _ in forecast.history]
    traces.append(
        _line(
            gettext("Recorded (GB a day)") if gigabytes else gettext("Recorded"),
            x,
            [scale(value) for _, value in forecast.history],
            COLORS["assigned"],
            mode="markers",
        )
    )
    if fit is not None and forecast.history:
        first = forecast.history[0][0]
        last = max([forecast.history[-1][0], *(p.day for p in forecast.projections)])
        days = [first + timedelta(days=offset) for offset in range(0, (last - first).days + 1, 3)] + [last]
        line_x = [day.isoformat() for day in days]
        values = [max(0.0, fit.at(day)) for day in days]
        traces += [
            _line(
                gettext("Band low"),
                line_x,
                [scale(max(0.0, v - fit.error)) for v in values],
                BAND_COLOR,
                mode="lines",
                showlegend=False,
                hoverinfo="skip",
                line={"width": 0},
            ),
            _line(
                gettext("Band (± one residual standard error)"),
                line_x,
                [scale(v + fit.error) for v in values],
                BAND_COLOR,
                mode="lines",
                fill="tonexty",
                fillcolor=BAND_COLOR,
                line={"width": 0},
            ),
            _line(
                gettext("Trend"),
                line_x,
                [scale(v) for v in values],
                COLORS["purchased"],
                mode="lines",
                line={"color": COLORS["purchased"], "width": 2, "dash": "dash"},
            ),
        ]
        if not gigabytes:
            traces.append(
                _line(
                    gettext("Purchased + what if") if forecast.added else gettext("Purchased"),
                    [line_x[0], line_x[-1]],
                    [forecast.capacity, forecast.capacity],
                    COLORS["overage"],
                    mode="lines",
                )
            )
    y_title = gettext("GB a day") if gigabytes else unit.capitalize()
    title = gettext("Forecast")
    return Chart(
        "forecast",
        title,
        _figure(traces, _layout(title, y_title, "day")),
        table,
        empty=fit is None,
        empty_message=gettext("Not enough recorded days in the last 90 for a forecast."),
    )
