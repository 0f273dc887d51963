"""Gateway bandwidth in a real browser: View Overage Chart drawn without a reload and its export
equal to what it draws, a pooled entitlement's Individual and Cumulative usage with the per-site
view, the pages without JavaScript, and a customer administrator's own Gateway pages.

The demo world gives several of the partner's customers Gateway entitlements with overage
(partner_portal/demo/services.py, GATEWAY_SCENARIOS); the tests find them from the dashboard.
"""
from __future__ import annotations

import csv
import re

from playwright.sync_api import Locator, Page, expect

from .conftest import dashboard_customers, signed_in, table_cells, watch_console, work_in

PARTNER = ("partner@demo.example", "demo-partner")
CUSTOMER = ("customer@demo.example", "demo-customer")
CUSTOMER_ORG = "Fabrikam Health"
CROSS_CONTEXT = {CUSTOMER_ORG, "Tailspin Retail"}  # connected and disconnected by other tests
POOLED_TREND = re.compile(r"^View Usage Trend of the Gateway service, (Annual|Termed)")
NO_JS_NOTE = "The chart needs JavaScript"


def _customer_with_overage(page: Page) -> tuple[str, str]:
    """The first customer whose overage chart has something to draw."""
    for name, orgid in dashboard_customers(page, CROSS_CONTEXT):
        page.goto(f"/customers/{orgid}/licensing")
        expect(page.get_by_role("heading", name=f"{name} · Licensing")).to_be_visible()
        if not page.get_by_role("link", name="View Overage Chart").count():
            continue
        page.goto(f"/customers/{orgid}/licensing/gateway/overage")
        expect(page.get_by_role("heading", name=f"{name} · Gateway overage")).to_be_visible()
        if page.locator("#chart-overage").count():
            return name, orgid
    raise AssertionError("No connected customer has Gateway overage in the past 12 months")


def _export(page: Page, figure: Locator) -> list[list[str]]:
    """Click the figure's Export link; the rows of the downloaded CSV."""
    with page.expect_download() as download_info:
        figure.locator("figcaption").get_by_role("link", name="Export").click()
    download = download_info.value
    assert download.failure() is None, download.failure()
    with open(download.path(), newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def _drawn_bars(chart: Locator) -> Locator:
    """The bars plotly drew in a chart."""
    return chart.locator(".barlayer .point path")


def test_overage_chart_draws_without_reload_and_its_export_matches_it(page: Page):
    """Usage tab → View Overage Chart: an htmx swap (no reload), bars drawn, Export = Data table = drawn figures."""
    errors = watch_console(page)
    signed_in(page, PARTNER)
    name, orgid = _customer_with_overage(page)
    page.goto("/customers")
    menu = page.locator(f"#row-{orgid} details.row-menu")
    menu.locator("summary").click()
    menu.get_by_role("menuitem", name="View Licensing").click()
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name=f"{name} · Licensing")).to_be_visible()
    page.evaluate("window.__marker = 1")  # a full page load drops it, an htmx swap keeps it

    panel.get_by_role("link", name="View Overage Chart").click()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing/gateway/overage$"))
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name=f"{name} · Gateway overage")).to_be_visible()
    chart = panel.locator("#chart-overage")
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    expect(_drawn_bars(chart).first).to_be_attached()
    expect(chart).not_to_contain_text(NO_JS_NOTE)
    assert page.evaluate("window.__marker") == 1

    figure = panel.locator("figure.chart-card")
    figure.locator("summary", has_text="Data table").click()
    table = figure.locator("table")
    expect(table).to_be_visible()
    shown = table_cells(table)
    assert len(shown) == 13 and shown[0][0] == "Month" and shown[0][-1] == "Total overage (GB)"
    assert _export(page, figure) == shown
    # What plotly drew: one trace per plan, with the table's gigabytes.
    drawn = chart.evaluate("element => element.data.map(trace => [trace.name, trace.y])")
    assert [trace_name for trace_name, _ in drawn] == [header.removesuffix(" (GB)") for header in shown[0][1:-1]]
    for column, (_, values) in enumerate(drawn, start=1):
        assert [f"{value:.3f}" for value in values] == [row[column] for row in shown[1:]]
    assert any(float(row[-1]) > 0 for row in shown[1:])

    panel.get_by_role("link", name="← Back to Usage").click()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing$"))
    assert page.evaluate("window.__marker") == 1
    assert errors == [], errors


def test_pooled_trend_draws_individual_and_cumulative_usage_and_the_sites(page: Page):
    """A pooled Gateway entitlement: two charts against its pool, then the per-site view, all swapped in."""
    errors = watch_console(page)
    signed_in(page, PARTNER)
    for name, orgid in dashboard_customers(page, CROSS_CONTEXT):
        page.goto(f"/customers/{orgid}/licensing")
        expect(page.get_by_role("heading", name=f"{name} · Licensing")).to_be_visible()
        links = page.get_by_role("link", name=POOLED_TREND)
        if links.count():
            break
    else:
        raise AssertionError("No connected customer has an annual or termed Gateway entitlement")
    page.evaluate("window.__marker = 1")
    links.first.click()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing/\d+$"))
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name=f"{name} · Usage trend")).to_be_visible()
    for key in ("individual-usage", "cumulative-usage"):
        expect(panel.locator(f"#chart-{key} svg.main-svg").first).to_be_visible()
    expect(panel.locator("#chart-ratio")).to_have_count(0)  # no license charts for bandwidth
    expect(panel.locator(".period-nav")).to_contain_text("Billing period")
    traces = panel.locator("#chart-cumulative-usage").evaluate("element => element.data.map(trace => trace.name)")
    assert traces == ["Overage", "Cumulative usage", "Pool"]

    panel.get_by_role("link", name="On-premises sites").click()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing/\d+/sites\?period=\d+$"))
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name=f"{name} · On-premises sites")).to_be_visible()
    expect(panel.locator("#chart-sites svg.main-svg").first).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    assert errors == [], errors


def test_without_javascript_the_overage_page_shows_its_data_table(new_context):
    """JavaScript off: View Overage Chart is a plain link to a full page whose Data table opens natively."""
    page = new_context(java_script_enabled=False).new_page()
    signed_in(page, PARTNER)
    name, orgid = _customer_with_overage(page)
    page.goto(f"/customers/{orgid}/licensing")
    page.get_by_role("link", name="View Overage Chart").click()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing/gateway/overage$"))
    expect(page.get_by_role("heading", name=f"{name} · Gateway overage")).to_be_visible()
    expect(page.locator("#chart-overage")).to_contain_text(NO_JS_NOTE)
    details = page.locator("details.chart-data")
    details.locator("summary").click()
    expect(details.locator("tbody tr")).to_have_count(12)


def test_customer_administrator_reads_its_own_gateway_pages(page: Page):
    """Fabrikam Health's administrator: the Gateway summary in Licensing, View Overage Chart, a trend."""
    errors = watch_console(page)
    signed_in(page, CUSTOMER)
    work_in(page, CUSTOMER_ORG)
    page.locator("nav.topnav").get_by_role("link", name="Licensing").click()
    main = page.locator("#licensing-main")
    expect(main.locator(".gateway-summary")).to_be_visible()
    expect(main.locator(".gateway-summary tr.total")).to_contain_text("Total")
    page.evaluate("window.__marker = 1")
    main.get_by_role("link", name="View Overage Chart").click()
    expect(page).to_have_url(re.compile(r"/licensing/gateway/overage$"))
    main = page.locator("#licensing-main")
    expect(main.get_by_role("heading", name="Gateway overage", level=1)).to_be_visible()
    expect(main.locator("#chart-overage svg.main-svg").first).to_be_visible()
    main.get_by_role("link", name="← Back to Usage").click()
    expect(page).to_have_url(re.compile(r"/licensing$"))
    page.locator("#licensing-main").get_by_role("link", name=re.compile(r"^View Usage Trend of the Gateway")).first.click()
    expect(page).to_have_url(re.compile(r"/licensing/\d+$"))
    chart = page.locator("#licensing-main .chart[data-chart]").first
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    assert errors == [], errors
