"""Licensing in a real browser: View Licensing and View Usage Trend from My Customers, plotly charts
drawn on demand under the Content-Security-Policy, CSV exports that match the page, the page without
JavaScript, and a customer administrator's own Licensing with the license holders only it may see.

The live server is shared by the whole session and other files remove customers (the last rows of
the table) and Fabrikam Health's partner connections, so the partner-side tests take customers from
the top of the table, and the holder test reconnects Fabrikam Health to the partner if it has to.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from playwright.sync_api import Download, Locator, Page, expect

from .conftest import dashboard_customers, signed_in, table_cells, watch_console, work_in

PARTNER = ("partner@demo.example", "demo-partner")
CUSTOMER = ("customer@demo.example", "demo-customer")
PARTNER_ORG = "Northwind Cloud Partners"
CUSTOMER_ORG = "Fabrikam Health"  # administered by the demo customer; its licenses have named holders
CROSS_CONTEXT = {CUSTOMER_ORG, "Tailspin Retail"}  # connected and disconnected by other tests
HOLDER_DOMAIN = "@fabrikamhealth.example"
FIRST_HOLDER = "user0001@fabrikamhealth.example"
MIN_CHARTS = 5  # an Active entitlement with a year of usage draws (at least) this many charts
SCREENSHOT = Path("/tmp/e2e-trend.png")
NO_JS_NOTE = "The chart needs JavaScript"
CHART_SCRIPTS = "script[src*='plotly'], script[src*='/js/charts.js']"  # fetched with the first chart only


# --- helpers -------------------------------------------------------------------------------------


# License trends only: a Gateway entitlement's trend draws bandwidth charts (tests/e2e/test_bandwidth.py).
LICENSE_TREND = re.compile(r"^View Usage Trend(?! of the Gateway service)")


def _active_trend_links(scope: Locator) -> Locator:
    """The "View Usage Trend" links of the Entitlements rows in state Active under `scope`."""
    active = scope.page.locator("td", has_text=re.compile(r"^\s*Active\s*$"))
    return scope.locator("tbody tr").filter(has=active).get_by_role("link", name=LICENSE_TREND)


def _customer_with_trend(page: Page) -> tuple[str, str, str]:
    """(name, orgid, trend path) of the first customer from the top with an Active entitlement;
    leaves the page on that customer's Licensing."""
    for name, orgid in dashboard_customers(page, CROSS_CONTEXT):
        page.goto(f"/customers/{orgid}/licensing")
        panel = page.locator("#customer-panel")
        expect(panel.get_by_role("heading", name=f"{name} · Licensing")).to_be_visible()
        links = _active_trend_links(panel)  # the panel is server-rendered: counting needs no wait
        if links.count():
            return name, orgid, links.first.get_attribute("href")
    raise AssertionError("No connected customer has an Active entitlement to show a usage trend of")


def _expect_charts_drawn(scope: Locator) -> int:
    """Every chart under `scope` is drawn by plotly (an SVG, bars in Monthly active users); returns the count."""
    expect(scope.locator("#chart-monthly-active-users svg").first).to_be_visible()
    charts = scope.locator(".chart[data-chart]")
    count = charts.count()
    assert count >= MIN_CHARTS, f"only {count} charts on the trend"
    for index in range(count):
        expect(charts.nth(index).locator("svg.main-svg").first).to_be_visible()
        expect(charts.nth(index)).not_to_contain_text(NO_JS_NOTE)
    expect(scope.locator("#chart-monthly-active-users .barlayer .point").first).to_be_visible()
    return count


def _read_csv(download: Download) -> list[list[str]]:
    """The rows of a downloaded CSV file."""
    assert download.failure() is None, download.failure()
    with open(download.path(), newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def _connect_fabrikam_if_removed(partner: Page, customer: Page, orgid: str) -> None:
    """Accept the partner's invitation as Fabrikam Health when another test removed that connection."""
    partner.goto("/customers")
    expect(partner.locator("#customer-table tbody tr").first).to_be_visible()
    if partner.locator(f"#row-{orgid}").count():
        return
    partner.goto("/customers/invite")
    link = partner.locator("#invitation-link")
    expect(link).to_have_value(re.compile(r"^http://.+/invitations/\S+$"))
    customer.goto(link.input_value())
    expect(customer.get_by_role("heading", name=f"{PARTNER_ORG} invites you to connect")).to_be_visible()
    customer.get_by_role("button", name="Accept").click()
    expect(customer.locator("#flashes")).to_contain_text(f"You are now connected to {PARTNER_ORG}.")
    partner.goto("/customers")
    expect(partner.locator(f"#row-{orgid}")).to_be_visible()


# --- tests -----------------------------------------------------------------------------------------

def test_view_licensing_then_view_usage_trend_swap_the_panel_and_draw_the_charts(page: Page):
    """Row menu View Licensing, then View Usage Trend: htmx swaps, pushed URLs, charts, a clean console."""
    errors = watch_console(page)
    signed_in(page, PARTNER)
    customers = dashboard_customers(page, CROSS_CONTEXT)
    panel = page.locator("#customer-panel")
    page.evaluate("window.__marker = 1")  # a full page load drops it, an htmx swap keeps it

    for name, orgid in customers:
        menu = page.locator(f"#row-{orgid} details.row-menu")
        menu.locator("summary").click()
        expect(menu).to_have_attribute("open", "")
        menu.get_by_role("menuitem", name="View Licensing").click()
        expect(panel.get_by_role("heading", name=f"{name} · Licensing")).to_be_visible()
        expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing$"))
        if _active_trend_links(panel).count():
            break
    else:
        raise AssertionError("No customer's Licensing shows an Active entitlement")
    assert page.evaluate("window.__marker") == 1
    expect(page.locator(CHART_SCRIPTS)).to_have_count(0)  # no chart yet: no drawing code either

    _active_trend_links(panel).first.click()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing/\d+$"))
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name=f"{name} · Usage trend")).to_be_visible()
    _expect_charts_drawn(panel)
    assert page.evaluate("window.__marker") == 1
    # The charts came in an htmx swap: charts.js and plotly.js were fetched then, once each.
    expect(page.locator("script[src*='/js/charts.js']")).to_have_count(1)
    expect(page.locator("script[src*='plotly']")).to_have_count(1)
    assert errors == [], errors


def test_usage_export_and_chart_exports_match_the_page(page: Page):
    """The Usage tab's Export has the summary table's figures; each chart's Export equals its Data table."""
    signed_in(page, PARTNER)
    name, orgid, _ = _customer_with_trend(page)
    panel = page.locator("#customer-panel")
    shown = panel.locator("table.usage-summary tbody tr").evaluate_all(
        "rows => rows.map(row => ({service: row.cells[0].firstChild.textContent.trim(),"
        " assigned: row.cells[1].textContent.trim(), purchased: row.cells[2].firstChild.textContent.trim(),"
        " unit: row.cells[2].querySelector('span').textContent.trim()}))")
    # The page groups digits for its reader (2,500); the CSV keeps plain numbers (2500).
    for row in shown:
        row["assigned"], row["purchased"] = row["assigned"].replace(",", ""), row["purchased"].replace(",", "")
    assert shown and all(row["assigned"].isdigit() and row["purchased"].isdigit() for row in shown), shown

    with page.expect_download() as download_info:
        panel.locator(".panel-tools").get_by_role("link", name="Export").click()
    download = download_info.value
    assert re.fullmatch(r"[a-z0-9-]+_licensing-summary_\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename), \
        download.suggested_filename
    header, *lines = _read_csv(download)
    exported = [dict(zip(header, line)) for line in lines]
    assert [{"service": row["Service"], "assigned": row["Assigned"], "purchased": row["Purchased"],
             "unit": row["Unit"]} for row in exported] == shown

    _active_trend_links(panel).first.click()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing/\d+$"))
    expect(page.get_by_role("heading", name=f"{name} · Usage trend")).to_be_visible()
    figures = page.locator("figure.chart-card").filter(has=page.locator(".chart[data-chart]"))
    assert figures.count() >= MIN_CHARTS
    for index in range(figures.count()):
        figure = figures.nth(index)
        details = figure.locator("details.chart-data")
        table = details.locator("table")
        expect(figure.locator(".chart svg").first).to_be_attached()  # drawn: the table has folded away
        expect(table).to_be_hidden()
        details.locator("summary", has_text="Data table").click()
        expect(table).to_be_visible()
        on_page = table_cells(table)
        assert len(on_page) > 1 and all(cell for cell in on_page[1][:1]), on_page
        with page.expect_download() as download_info:
            figure.locator("figcaption").get_by_role("link", name="Export").click()
        assert _read_csv(download_info.value) == on_page, figure.locator("figcaption strong").inner_text()


def test_trend_page_loaded_directly_loads_plotly_on_demand_and_draws_the_charts(page: Page):
    """The Usage tab loads neither charts.js nor plotly; the full trend page, opened by URL, loads both
    and draws every chart."""
    errors = watch_console(page)
    signed_in(page, PARTNER)
    name, _, trend = _customer_with_trend(page)
    assert page.evaluate("typeof window.Plotly") == "undefined"
    expect(page.locator(CHART_SCRIPTS)).to_have_count(0)

    page.goto(trend)
    expect(page.get_by_role("heading", name=f"{name} · Usage trend")).to_be_visible()
    expect(page.locator("nav.breadcrumb")).to_contain_text(f"{name} · Licensing")
    _expect_charts_drawn(page.locator("#customer-panel"))
    expect(page.locator("script[src*='plotly']")).to_have_count(1)
    expect(page.locator("script[src*='/js/charts.js']")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert errors == [], errors


def test_without_javascript_the_trend_page_shows_its_data_tables(new_context):
    """Without JavaScript each chart says it needs JavaScript and its Data table opens natively."""
    page = new_context(java_script_enabled=False).new_page()
    signed_in(page, PARTNER)
    name, _, trend = _customer_with_trend(page)
    page.goto(trend)
    expect(page.get_by_role("heading", name=f"{name} · Usage trend")).to_be_visible()

    figures = page.locator("figure.chart-card").filter(has=page.locator(".chart[data-chart]"))
    count = figures.count()
    assert count >= MIN_CHARTS
    expect(page.get_by_text(NO_JS_NOTE)).to_have_count(count)
    expect(page.locator(".chart svg")).to_have_count(0)
    for index in range(count):
        figure = figures.nth(index)
        expect(figure.locator(".chart")).to_contain_text(f"{NO_JS_NOTE}; its figures are in the table below.")
        details = figure.locator("details.chart-data")
        table = details.locator("table")
        expect(details).to_have_attribute("open", "")  # open from the start without JavaScript
        expect(table).to_be_visible()
        expect(table.locator("tbody tr").first).to_be_visible()
        expect(table.locator("tbody tr").first.locator("td").first).to_have_text(re.compile(r"\S"))
    monthly = figures.filter(has=page.locator("#chart-monthly-active-users")).locator("tbody tr")
    expect(monthly.first.locator("td").first).to_have_text(re.compile(r"^\d{4}-\d{2}$"))


def test_customer_administrator_sees_own_charts_and_holders_the_partner_never_sees(page: Page, new_context):
    """Fabrikam Health's administrator opens Licensing, a trend and its holders; the partner's pages show none."""
    errors = watch_console(page)
    signed_in(page, CUSTOMER)
    work_in(page, CUSTOMER_ORG)
    page.locator("nav.topnav").get_by_role("link", name="Licensing").click()
    expect(page).to_have_url(re.compile(r"/licensing$"))
    main = page.locator("#licensing-main")
    expect(main.get_by_role("heading", name="Licensing", level=1)).to_be_visible()
    expect(main.locator(".page-head")).to_contain_text(CUSTOMER_ORG)
    orgid = re.search(r"ORGID (\d{10})", main.locator(".page-head").inner_text())[1]

    page.evaluate("window.__marker = 1")
    _active_trend_links(main).first.click()
    expect(page).to_have_url(re.compile(r"/licensing/\d+$"))
    main = page.locator("#licensing-main")
    expect(main.get_by_role("heading", name="Usage trend", level=1)).to_be_visible()
    _expect_charts_drawn(main)
    assert page.evaluate("window.__marker") == 1

    main.get_by_role("link", name="License assignments").click()
    expect(page).to_have_url(re.compile(r"/licensing/\d+/assignments$"))
    expect(page.get_by_role("heading", name="License assignments", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name=FIRST_HOLDER, exact=True)).to_be_visible()
    assignments_path = re.search(r"/licensing/\d+/assignments$", page.url)[0]
    assert errors == [], errors

    partner = new_context().new_page()
    signed_in(partner, PARTNER)
    _connect_fabrikam_if_removed(partner, page, orgid)
    assert HOLDER_DOMAIN not in partner.content()
    partner.goto(f"/customers/{orgid}/licensing")
    panel = partner.locator("#customer-panel")
    expect(panel.get_by_role("heading", name=f"{CUSTOMER_ORG} · Licensing")).to_be_visible()
    assert HOLDER_DOMAIN not in partner.content()
    trends = panel.get_by_role("link", name=LICENSE_TREND).evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    assert trends, "Fabrikam Health shows no trend to the partner"
    for trend in trends:
        partner.goto(trend)
        expect(partner.get_by_role("heading", name=f"{CUSTOMER_ORG} · Usage trend")).to_be_visible()
        expect(partner.locator("#chart-monthly-active-users svg").first).to_be_visible()
        assert HOLDER_DOMAIN not in partner.content(), trend
    # The customer's own assignments page is not the partner's to open, under either address.
    entitlement_id = assignments_path.split("/")[2]
    for path in (assignments_path, f"/customers/{orgid}/licensing/{entitlement_id}/assignments"):
        response = partner.goto(path)
        assert response is not None and response.status == 404, (path, response and response.status)
        assert HOLDER_DOMAIN not in partner.content(), path
