"""Insights in a real browser: What if on a usage trend recomputes in place (htmx) and as a plain
form; bulk selection with its preview, confirmation and result; sharing scopes chosen on the
invitation page and in Partner Connections, as the partner then sees them.

The live server is shared by the whole session: these tests tag customers with their own label,
cancel the bulk removal they preview, and connect Tailspin Retail to Bluewave IT Services (the
other files connect it to Northwind only).
"""
from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from .conftest import signed_in, watch_console, work_in

PARTNER = ("partner@demo.example", "demo-partner")
CUSTOMER = ("customer@demo.example", "demo-customer")
RIVAL = ("rival@demo.example", "demo-rival")
FORECAST_CUSTOMER = "Litware Analytics"
TAILSPIN = "Tailspin Retail"
BLUEWAVE = "Bluewave IT Services"


def _litware_trend(page: Page) -> None:
    """Open the usage trend of Litware Analytics' seats from My Customers (search, View Licensing)."""
    page.goto("/customers?q=Litware")
    row = page.locator("#customer-table tbody tr", has_text=FORECAST_CUSTOMER)
    row.get_by_label(f"Actions for {FORECAST_CUSTOMER}").click()
    row.get_by_role("menuitem", name="View Licensing").click()
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name=f"{FORECAST_CUSTOMER} · Licensing")).to_be_visible()
    panel.get_by_role("link", name=re.compile(r"^View Usage Trend")).first.click()
    expect(page.locator("#what-if")).to_be_visible()


def test_what_if_recomputes_the_forecast_in_place(page: Page):
    errors = watch_console(page)
    signed_in(page, PARTNER)
    _litware_trend(page)
    section = page.locator("#what-if")
    term = section.locator("tr", has_text="End of term")
    expect(term.locator(".expiring")).to_be_visible()  # an expected overage before the what-if
    # Charts are drawn as they scroll into view: the forecast sits below the trend's charts.
    page.locator("#chart-forecast").scroll_into_view_if_needed()
    expect(page.locator("#chart-forecast svg").first).to_be_visible(timeout=15_000)  # the band, by plotly
    page.evaluate("window.__notReloaded = true")
    section.get_by_label("What if: + licenses").fill("100")
    section.get_by_role("button", name="Recompute").click()
    expect(page.locator("#forecast-title")).to_have_text("Forecast with +100 licenses")
    expect(page.locator("#what-if tr", has_text="End of term").locator(".expiring")).to_have_count(0)
    expect(page.locator("#what-if dl")).to_contain_text("Health score")
    assert page.evaluate("window.__notReloaded") is True  # swapped in place, no page load
    assert not errors, errors


def test_what_if_works_without_javascript(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").fill(PARTNER[0])
    page.get_by_label("Password", exact=True).fill(PARTNER[1])
    page.get_by_role("button", name="Sign in").click()
    page.goto("/customers?q=Litware")
    row = page.locator("#customer-table tbody tr", has_text=FORECAST_CUSTOMER)
    row.get_by_label(f"Actions for {FORECAST_CUSTOMER}").click()
    row.get_by_role("menuitem", name="View Licensing").click()
    page.get_by_role("link", name=re.compile(r"^View Usage Trend")).first.click()
    page.get_by_label("What if: + licenses").fill("40")
    page.get_by_role("button", name="Recompute").click()
    expect(page).to_have_url(re.compile(r"\?add=40$"))
    expect(page.locator("#forecast-title")).to_have_text("Forecast with +40 licenses")
    context.close()


def test_bulk_tagging_goes_through_a_preview_and_reports_each_customer(page: Page):
    signed_in(page, PARTNER)
    page.goto("/customers?tenancy=multi-tenant")
    rows = page.locator("#customer-table tbody tr")
    expect(rows.first).to_be_visible()
    names = [rows.nth(i).locator("th.customer-name").evaluate("th => th.firstChild.textContent.trim()")
             for i in range(2)]
    for name in names:
        page.get_by_label(f"Select {name}").check()
    page.locator("#bulk-action").select_option(label="Add tag")
    page.locator("#bulk-tag").fill("e2e-batch")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Add tag: “e2e-batch” · Preview")).to_be_visible()
    preview = page.locator("#bulk-preview")
    expect(preview.get_by_role("heading", level=2)).to_have_text("2 of 2 selected customers will change")
    for name in names:
        expect(preview.locator("tr", has_text=name)).to_contain_text("Tag “e2e-batch” added")
    preview.get_by_role("button", name=re.compile(r"^Confirm")).click()
    expect(page.get_by_role("status")).to_have_text("2 succeeded.")
    page.get_by_role("link", name="Back to My Customers").click()
    page.locator("#customer-table a.tag", has_text="e2e-batch").first.click()
    expect(page).to_have_url(re.compile(r"tag=e2e-batch"))
    expect(page.locator("#customer-table tbody tr")).to_have_count(2)


def test_select_all_matching_previews_a_removal_that_cancel_leaves_alone(page: Page):
    signed_in(page, PARTNER)
    page.goto("/customers?tenancy=multi-tenant")
    count = page.locator("#customer-table tbody tr").count()
    page.get_by_label(f"Select all {count} matching").check()
    page.locator("#bulk-action").select_option(label="Remove Customer Connection")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#bulk-preview h2")).to_have_text(f"{count} of {count} selected customers will change")
    expect(page.locator("#bulk-preview tbody tr")).to_have_count(count)
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/customers\?tenancy=multi-tenant$"))
    expect(page.locator("#customer-table tbody tr")).to_have_count(count)


def test_the_customer_chooses_what_a_partner_sees(page: Page, new_context):
    rival = new_context().new_page()
    signed_in(rival, RIVAL)
    rival.goto("/customers/invite")
    link = rival.locator("#invitation-link").input_value()

    signed_in(page, CUSTOMER)
    work_in(page, TAILSPIN)
    page.goto(link)
    expect(page.get_by_role("group", name=f"Choose what {BLUEWAVE} may see")).to_be_visible()
    page.get_by_role("checkbox", name="Notifications", exact=True).uncheck()
    page.get_by_role("checkbox", name="Support-ticket counts").uncheck()
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#flashes")).to_contain_text(f"You are now connected to {BLUEWAVE}.")

    rival.goto("/customers?q=Tailspin")
    row = rival.locator("#customer-table tbody tr", has_text=TAILSPIN)
    expect(row.locator(".not-shared")).to_have_count(2)

    # Share nothing but the account itself from Partner Connections: the partner is told.
    settings_row = page.locator("#partner-connections tbody tr", has_text=BLUEWAVE)
    settings_row.get_by_role("checkbox", name="Licensing and usage summaries").uncheck()
    settings_row.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(page.locator("#flashes")).to_contain_text(f"{BLUEWAVE} now sees what you chose.")
    rival.goto("/customers?q=Tailspin")
    expect(row.locator(".not-shared")).to_have_count(4)
    rival.goto("/notifications/mine")
    expect(rival.locator("main")).to_contain_text(f"{TAILSPIN} changed what it shares with you")
    rival.context.close()
