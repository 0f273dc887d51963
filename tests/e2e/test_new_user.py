"""What a new user met (issue 14), one test each: one table request per distinct search, panels
that keep your place, Back after switching organizations, charts, the switcher, the sign-in page
of an invitation link, permissions that open nothing here. (Row actions at 1280 px, phones,
contrast and the remove feedback are in test_widths, test_axe, test_keyboard and test_customers.)
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, Request, expect

from . import a11y
from .conftest import signed_in


def test_one_table_request_per_distinct_query_and_none_on_blur(page: Page):
    signed_in(page, a11y.PARTNER)
    page.goto("/customers")
    rows = page.locator("#customer-table tbody tr")
    expect(rows.first).to_be_visible()
    sent: list[str] = []

    def on_request(request: Request) -> None:
        if request.headers.get("hx-target") == "customer-table":
            sent.append(request.url.split("?", 1)[-1])

    page.on("request", on_request)
    search = page.get_by_label("Search")
    search.press_sequentially("bi")
    expect(page).to_have_url(re.compile(r"q=bi"))
    shown = rows.count()
    search.press("Enter")  # the same query again: nothing sent
    page.keyboard.press("Tab")  # leaving the box: nothing sent
    page.get_by_label("Tenancy").select_option("multi-tenant")  # a new query: one request
    expect(page).to_have_url(re.compile(r"tenancy=multi-tenant"))
    expect(page.locator("#customer-table [role=status]")).to_contain_text("Showing")
    assert len(sent) == 2, sent
    assert "q=bi" in sent[0] and "tenancy=multi-tenant" in sent[1]
    assert shown > 0


def test_a_panel_keeps_the_scroll_position_search_and_row(page: Page):
    signed_in(page, a11y.PARTNER)
    page.goto("/customers")
    rows = page.locator("#customer-table tbody tr")
    expect(rows.first).to_be_visible()
    search = page.get_by_label("Search")
    search.press_sequentially("e")  # a search that keeps most rows
    expect(page).to_have_url(re.compile(r"q=e"))
    count = rows.count()
    row = rows.nth(count - 2)
    row.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 200

    summary = row.locator("details.row-menu > summary")
    summary.click()
    row.get_by_role("menuitem", name="View Licensing").click()
    panel = page.locator("#panel-dialog")
    expect(panel.locator("#panel-title")).to_be_focused()
    assert panel.evaluate("dialog => dialog.matches(':modal')")
    assert page.evaluate("window.scrollY") == scrolled

    panel.get_by_role("link", name="Close").click()
    expect(panel).not_to_have_attribute("open", "")
    expect(page).to_have_url(re.compile(r"/customers\?(.*&)?q=e(&|$)"))
    expect(summary).to_be_focused()
    expect(search).to_have_value("e")
    expect(rows).to_have_count(count)
    assert page.evaluate("window.scrollY") == scrolled

    # Back shows the panel as the click did, Back again the dashboard where it was.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/licensing$"))
    expect(page.locator("#panel-dialog #panel-title")).to_be_visible()
    assert page.locator("#panel-dialog").evaluate("dialog => dialog.matches(':modal')")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers\?(.*&)?q=e(&|$)"))
    expect(page.locator("#panel-dialog")).not_to_have_attribute("open", "")
    expect(page.get_by_label("Search")).to_have_value("e")
    page.go_forward()
    expect(page.locator("#panel-dialog #panel-title")).to_be_visible()
    assert page.locator("#panel-dialog").evaluate("dialog => dialog.matches(':modal')")


def test_back_after_access_customer_account_offers_to_switch_back(page: Page):
    signed_in(page, a11y.PARTNER)
    page.goto("/customers")
    rows = page.locator("#customer-table tbody tr").filter(
        has=page.get_by_role("menuitem", name="Access Customer Account", include_hidden=True))
    row = rows.first
    name = row.locator("th.customer-name").evaluate("cell => cell.firstChild.textContent.trim()")
    row.locator("details.row-menu > summary").click()
    row.get_by_role("menuitem", name="Access Customer Account").click()
    expect(page.locator("#flashes")).to_contain_text(f"You are now working in {name}")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers$"))
    switch_back = page.get_by_role("button", name="Switch back to Northwind Cloud Partners")
    expect(switch_back).to_be_visible()
    switch_back.click()
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(page.get_by_role("heading", name="My Customers", level=1)).to_be_visible()
    expect(page.locator("#customer-menu summary")).to_contain_text("Northwind Cloud Partners")


def test_charts_have_no_toolbar_level_month_labels_and_work_without_javascript(page: Page, new_context):
    signed_in(page, a11y.CUSTOMER)
    trend = a11y.first_link(page, "/licensing", "View Usage Trend")
    assert trend
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(trend)
    expect(page.locator("#chart-license-assignments svg").first).to_be_attached()
    expect(page.locator(".modebar")).to_have_count(0)
    # Nothing focusable inside the aria-hidden charts.
    focusable = page.locator("[data-chart]").evaluate_all(
        "charts => charts.flatMap(c => Array.from(c.querySelectorAll('a, button, input, [tabindex]')))"
        ".filter(e => e.tabIndex >= 0).length")
    assert focusable == 0
    # Month labels stay level (no rotation) and whole.
    ticks = page.locator("#chart-license-assignments .xtick text")
    expect(ticks.first).to_be_attached()
    transforms = ticks.evaluate_all("texts => texts.map(t => t.getAttribute('transform') || '')")
    assert not any("rotate" in transform for transform in transforms), transforms
    # With the chart drawn, its data table folds away.
    expect(page.locator("#chart-license-assignments ~ details.chart-data")).not_to_have_attribute("open", "")
    # Active use draws something the other charts don't: the share of assigned licenses.
    assert page.locator("#chart-active-use").evaluate("c => c.data[0].name") == "Active of assigned"

    plain = new_context(java_script_enabled=False, storage_state=page.context.storage_state()).new_page()
    plain.goto(trend)
    tables = plain.locator("details.chart-data")
    expect(tables.first).to_be_visible()
    assert all(tables.evaluate_all("ds => ds.map(d => d.open)"))
    heights = plain.locator("[data-chart]").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().height)")
    assert heights and max(heights) < 60  # a line saying the table has the figures, no tall empty box


def test_the_switcher_is_sorted_and_searchable_with_sign_out_on_top(page: Page):
    signed_in(page, a11y.PARTNER)
    menu = page.locator("#customer-menu")
    menu.locator("summary").click()
    names = menu.locator(".switcher button").evaluate_all(
        "buttons => buttons.map(b => b.firstChild.textContent.trim())")
    assert len(names) > 6 and names == sorted(names, key=str.casefold)
    order = menu.locator("button, input").evaluate_all("els => els.map(e => e.textContent.trim() || e.id)")
    assert order.index("Sign out") < order.index("switcher-filter")
    menu.get_by_label("Find an organization").fill(names[3][:5])
    expect(menu.locator(".switcher li:visible")).not_to_have_count(len(names))
    expect(menu.locator(".switcher li:visible").first).to_contain_text(names[3][:5])


def test_an_invitation_link_signed_out_says_who_invites_and_what_happens(page: Page, new_context):
    signed_in(page, a11y.PARTNER)
    page.goto("/customers/invite")
    link = page.locator("#invitation-link").input_value()
    visitor = new_context().new_page()
    visitor.goto(link)
    expect(visitor).to_have_url(re.compile(r"/sign-in\?next="))
    notice = visitor.locator("#invitation-notice")
    expect(notice).to_contain_text("Northwind Cloud Partners invites your organization")
    expect(notice).to_contain_text("nothing changes until you choose Accept")


def test_edit_access_says_which_permissions_open_nothing_here(page: Page):
    signed_in(page, a11y.CUSTOMER)
    page.goto("/account/settings")
    edit = page.get_by_role("link", name=re.compile(r"^Edit access"))
    if edit.count() == 0:
        page.goto("/account/administrators/new")
    else:
        edit.first.click()
    domains = page.get_by_role("checkbox", name="Domains")
    expect(domains).to_have_accessible_description(re.compile(r"^Opens nothing yet: .*Service Provider partner"))
    expect(page.get_by_role("checkbox", name="Licensing")).to_have_accessible_description(
        "Opens the organization's own Licensing.")
