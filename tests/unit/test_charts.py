"""Chart builders: valid lean Plotly figures whose numbers equal their tables."""
from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date, timedelta

import plotly.graph_objects as go
import pytest

from partner_portal.licensing import charts
from partner_portal.licensing.bandwidth import MonthFigures, Standing
from partner_portal.licensing.math import last_days, last_months
from partner_portal.licensing.series import DayPoint, MonthPoint

TODAY = date(2025, 6, 15)
MONTHS = last_months(TODAY)


def month_points(assigned=(40, 60, 80, 95, 100, 104, 110, 120, 118, 126, 130, 131), peak=False) -> list[MonthPoint]:
    """Twelve months of made-up usage (the second month has no data)."""
    points = []
    for index, (month, count) in enumerate(zip(MONTHS, assigned)):
        if index == 1:
            points.append(MonthPoint(month))
            continue
        points.append(MonthPoint(month, count, count // 10, count * 3 // 4, count // 2 if peak else None, True))
    return points


def day_points() -> list[DayPoint]:
    """Thirty days with a weekend dip."""
    return [DayPoint(day, 100, 1, 20 if day.weekday() >= 5 else 70, 90, None, True) for day in last_days(TODAY)]


def bandwidth_months() -> list[MonthFigures]:
    """Four months of a billing period with a 1,000 GB pool, passed in the third."""
    used = [(300_000, 100_500), (250_000, 200_000), (200_000, 50_000), (90_000, 0)]
    figures, running = [], 0
    for month, (cloud, site) in zip(MONTHS, used):
        before, running = running, running + cloud + site
        figures.append(MonthFigures(month, cloud, site, running, 1_000_000,
                                    max(0, running - 1_000_000) - max(0, before - 1_000_000)))
    return figures


def all_charts() -> list[charts.Chart]:
    """One of each chart, built from the same made-up usage."""
    months = month_points(peak=True)
    gateway = bandwidth_months()
    return [
        charts.monthly_bandwidth_chart(gateway),
        charts.individual_usage_chart(gateway),
        charts.cumulative_usage_chart(gateway),
        charts.sites_chart(MONTHS[:4], {"ams-dc1": {MONTHS[0]: 100_500}, "fra-dc2": {MONTHS[1]: 200_000}}),
        charts.gateway_overage_chart([(month, [index * 1000, 0]) for index, month in enumerate(MONTHS)],
                                     ["Monthly", "Termed"]),
        charts.ratio_chart(131, 120, "users"),
        charts.monthly_active_chart(months),
        charts.daily_active_chart(day_points()),
        charts.assignments_chart(months, 120),
        charts.active_use_chart(months),
        charts.overage_chart(months, 120, monthly_commit=True),
        charts.consumption_chart({"Annual, 100 users": months, "Monthly, 20 users": month_points(assigned=[5] * 12)}),
    ]


@pytest.mark.parametrize("chart", all_charts(), ids=lambda chart: chart.key)
def test_figures_are_valid_lean_and_use_basic_traces_only(chart):
    figure = chart.figure
    # Plotly's own validator accepts every property (raises ValueError on an unknown one).
    go.Figure(data=figure["data"], layout=figure["layout"])
    assert "template" not in figure["layout"]
    assert {trace["type"] for trace in figure["data"]} <= {"scatter", "bar"}
    assert set(figure) == {"data", "layout", "config"}
    # Everything but the data arrays stays small.
    skeleton = copy.deepcopy(figure)
    for trace in skeleton["data"]:
        for key in ("x", "y", "customdata"):
            trace.pop(key, None)
    assert len(json.dumps(skeleton, separators=(",", ":"))) < 2048
    assert json.loads(chart.figure_json()) == figure


def test_go_figure_would_have_added_the_heavy_template():
    """Why the builders use dicts: the same figure through graph_objects carries ~6 KB more."""
    chart = charts.monthly_active_chart(month_points())
    heavy = go.Figure(data=chart.figure["data"], layout=chart.figure["layout"]).to_plotly_json()
    assert "template" in heavy["layout"]
    assert len(json.dumps(heavy["layout"]["template"])) > 5000
    assert len(chart.figure_json()) < 2048


def test_assignments_chart_traces_equal_the_table():
    chart = charts.assignments_chart(month_points(), 120)
    assert chart.table.headers == ("Month", "Total licenses", "Cumulative assigned", "Newly assigned")
    rows = chart.table.formatted_rows()
    assert rows[0] == ["2024-07", "120", "40", "4"]
    assert rows[1] == ["2024-08", "120", "0", "0"]
    assert rows[-1] == ["2025-06", "120", "131", "13"]
    traces = {trace["name"]: trace for trace in chart.figure["data"]}
    assert traces["Newly assigned"]["type"] == "bar"
    assert traces["Cumulative assigned"]["y"] == [int(row[2]) for row in rows]
    assert traces["Total licenses"]["y"] == [120] * 12
    assert traces["Newly assigned"]["x"][0] == "Jul 2024"
    assert not chart.empty


def test_overage_chart_shows_overage_apart_from_the_commitment():
    chart = charts.overage_chart(month_points(), 120, monthly_commit=True)
    assert chart.table.headers == ("Month", "Monthly commitment", "Assigned", "Within monthly commitment", "Overage")
    assert chart.table.rows[-1] == (date(2025, 6, 1), 120, 131, 120, 11)
    assert chart.table.rows[0] == (date(2024, 7, 1), 120, 40, 40, 0)
    traces = {trace["name"]: trace for trace in chart.figure["data"]}
    assert chart.figure["layout"]["barmode"] == "stack"
    assert traces["Overage"]["y"] == [row[4] for row in chart.table.rows]
    assert traces["Within monthly commitment"]["y"] == [row[3] for row in chart.table.rows]
    assert charts.overage_chart(month_points(), 120).table.headers[1] == "Purchased"


def test_active_use_chart_adds_peak_concurrent_only_when_known():
    with_peak = charts.active_use_chart(month_points(peak=True))
    without = charts.active_use_chart(month_points())
    assert with_peak.table.headers[-1] == "Peak concurrent users" and len(with_peak.figure["data"]) == 2
    assert without.table.headers[-1] == "Active of assigned (%)" and len(without.figure["data"]) == 1
    # It draws the share (not the counts, which other charts draw), peak users on their own axis.
    assert without.figure["data"][0]["y"] == without.table.column(3)
    assert with_peak.figure["data"][1]["yaxis"] == "y2" and "yaxis2" in with_peak.figure["layout"]
    # 131 assigned, 98 active: 74.8 %; a month with nothing assigned has no percentage.
    assert without.table.formatted_rows()[-1] == ["2025-06", "131", "98", "74.8"]
    assert without.table.formatted_rows()[1] == ["2024-08", "0", "0", ""]


def test_active_users_charts():
    monthly = charts.monthly_active_chart(month_points())
    assert monthly.figure["data"][0]["y"] == [p.monthly_active for p in month_points()]
    daily = charts.daily_active_chart(day_points())
    assert len(daily.table.rows) == 30 and daily.table.formatted_rows()[-1] == ["2025-06-15", "20"]  # a Sunday
    assert daily.figure["data"][0]["x"][-1] == "2025-06-15"


def test_ratio_chart():
    chart = charts.ratio_chart(131, 120, "users")
    assert chart.table.formatted_rows() == [["120", "131", "0", "11", "110 %"]]
    assert [trace["x"] for trace in chart.figure["data"]] == [[120], [0], [11]]
    assert chart.figure["layout"]["title"]["text"] == "Assigned of purchased: 110 %"
    under = charts.ratio_chart(45, 100)
    assert [trace["x"] for trace in under.figure["data"]] == [[45], [55], [0]]
    assert charts.ratio_chart(0, 0).empty and not under.empty


def test_consumption_chart_has_one_trace_per_entitlement():
    chart = charts.consumption_chart({"A": month_points(), "B": month_points(assigned=[5] * 12)})
    assert chart.table.headers == ("Month", "A", "B")
    assert [trace["name"] for trace in chart.figure["data"]] == ["A", "B"]
    assert chart.table.rows[-1] == (date(2025, 6, 1), 131, 5)
    assert charts.consumption_chart({}).empty


def test_empty_states():
    empty_months = [MonthPoint(month) for month in MONTHS]
    empty_days = [DayPoint(day) for day in last_days(TODAY)]
    assert charts.monthly_active_chart(empty_months).empty
    assert charts.daily_active_chart(empty_days).empty
    assert charts.active_use_chart(empty_months).empty
    assert charts.overage_chart(empty_months, 10).empty
    assert charts.assignments_chart(empty_months, 0).empty
    # Purchased licenses are worth drawing even before any usage arrives.
    assert not charts.assignments_chart(empty_months, 50).empty
    assert charts.monthly_active_chart(empty_months).empty_message == "No usage recorded in the last 12 months."


def test_csv_export_equals_the_table():
    chart = charts.assignments_chart(month_points(), 120)
    lines = list(charts.csv_lines(chart.table))
    assert len(lines) == 13 and all(line.endswith("\r\n") for line in lines)
    parsed = list(csv.reader(io.StringIO("".join(lines))))
    assert parsed[0] == list(chart.table.headers)
    assert parsed[1:] == chart.table.formatted_rows()


def test_csv_quotes_labels_with_commas():
    chart = charts.consumption_chart({"Annual, 100 users": month_points()})
    assert next(charts.csv_lines(chart.table)) == 'Month,"Annual, 100 users"\r\n'


def test_export_filename():
    assert charts.export_filename("Fabrikam Health", "daas-user", "License assignments", day=TODAY) == \
        "fabrikam-health_daas-user_license-assignments_2025-06-15.csv"
    assert charts.export_filename("Zürich Über AG / «Test»", "overage", day=TODAY) == \
        "zurich-uber-ag-test_overage_2025-06-15.csv"
    assert charts.export_filename("!!!", day=TODAY) == "export_2025-06-15.csv"


def test_days_axis_is_thirty_days_long():
    chart = charts.daily_active_chart(day_points())
    x = chart.figure["data"][0]["x"]
    assert date.fromisoformat(x[-1]) - date.fromisoformat(x[0]) == timedelta(days=29)


# --- Gateway bandwidth ---------------------------------------------------------------------------


def test_bandwidth_charts_draw_gigabytes_from_their_megabyte_tables():
    individual = charts.individual_usage_chart(bandwidth_months())
    assert individual.table.formatted_rows()[0] == ["2024-07", "300.000", "100.500", "400.500"]
    traces = {trace["name"]: trace for trace in individual.figure["data"]}
    assert traces["Cloud service"]["y"] == [300.0, 250.0, 200.0, 90.0]
    assert traces["On-premises"]["y"] == [100.5, 200.0, 50.0, 0.0]
    assert individual.figure["layout"]["barmode"] == "stack"
    assert individual.figure["layout"]["yaxis"]["title"]["text"] == "GB"

    cumulative = charts.cumulative_usage_chart(bandwidth_months())
    assert cumulative.table.formatted_rows() == [
        ["2024-07", "400.500", "1000.000", "0.000"], ["2024-08", "850.500", "1000.000", "0.000"],
        ["2024-09", "1100.500", "1000.000", "100.500"], ["2024-10", "1190.500", "1000.000", "90.000"]]
    traces = {trace["name"]: trace for trace in cumulative.figure["data"]}
    assert traces["Cumulative usage"]["y"] == [400.5, 850.5, 1100.5, 1190.5]
    assert traces["Pool"]["y"] == [1000.0] * 4 and traces["Pool"]["line"]["dash"] == "dash"
    assert traces["Overage"]["y"] == [0.0, 0.0, 100.5, 90.0]


def test_monthly_bandwidth_chart_has_the_allotment_line_and_overage_column():
    chart = charts.monthly_bandwidth_chart(bandwidth_months())
    assert chart.table.headers == ("Month", "Cloud service (GB)", "On-premises (GB)", "Used (GB)", "Allotment (GB)",
                                   "Overage (GB)")
    assert [trace["name"] for trace in chart.figure["data"]] == ["Cloud service", "On-premises", "Allotment"]


def test_sites_chart_has_a_trace_per_site_and_their_sum():
    chart = charts.sites_chart(MONTHS[:2], {"ams-dc1": {MONTHS[0]: 1500}, "fra-dc2": {MONTHS[0]: 500, MONTHS[1]: 7}})
    assert chart.table.headers == ("Month", "ams-dc1 (GB)", "fra-dc2 (GB)", "On-premises (GB)")
    assert chart.table.formatted_rows() == [["2024-07", "1.500", "0.500", "2.000"], ["2024-08", "0.000", "0.007", "0.007"]]
    assert [trace["name"] for trace in chart.figure["data"]] == ["ams-dc1", "fra-dc2"]
    assert charts.sites_chart(MONTHS[:2], {}).empty


def test_gateway_overage_chart_stacks_plans_and_totals_them():
    chart = charts.gateway_overage_chart([(MONTHS[0], [0, 0]), (MONTHS[1], [2500, 40])], ["Monthly", "Annual"])
    assert chart.table.formatted_rows() == [["2024-07", "0.000", "0.000", "0.000"], ["2024-08", "2.500", "0.040", "2.540"]]
    assert [(trace["name"], trace["y"]) for trace in chart.figure["data"]] == [("Monthly", [0.0, 2.5]), ("Annual", [0.0, 0.04])]
    assert not chart.empty
    assert charts.gateway_overage_chart([(MONTHS[0], [0])], ["Trial"]).empty


def test_gateway_summary_table():
    table = charts.gateway_summary_table([Standing("annual", 2, 1_000_500, 250, 1_200_000, 0, 0),
                                          Standing("total", 2, 1_000_500, 250, 1_000_000, 750, 500)])
    assert table.formatted_rows() == [
        ["Annual", "2", "1000.500", "0.250", "1000.750", "1200.000", "83 %", "0.000"],
        ["Total", "2", "1000.500", "0.250", "1000.750", "1000.000", "101 %", "0.500"]]
    assert [table.is_numeric(index) for index in range(8)] == [False, True, True, True, True, True, False, True]
