"""The main pages at 1280, 1366 and 390 px: nothing scrolls sideways, every row's actions are in
the window, the dashboard table fits at 1280 px with every column, and phones get cards, folded
navigation and filters. Screenshots of each page go to artifacts/screenshots (kept by CI).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from . import a11y
from .conftest import signed_in


def _main_pages(page: Page, account: tuple[str, str]) -> list[tuple[str, str]]:
    """(name, path) of the main pages of `account`, found from the demo world."""
    if account == a11y.PARTNER:
        orgid = a11y.first_row_orgid(page)
        pages = [("home", "/"), ("dashboard", "/customers"), ("customer details", f"/customers/{orgid}"),
                 ("customer licensing", f"/customers/{orgid}/licensing"), ("notifications", "/notifications"),
                 ("account settings", "/account/settings"), ("manage licenses", "/licenses"),
                 ("support center", "/support"), ("federated domains", "/service-provider/federated-domains")]
        trend = a11y.first_link(page, f"/customers/{orgid}/licensing", "View Usage Trend")
        return pages + ([("customer usage trend", trend)] if trend else [])
    pages = [("customer home", "/"), ("own licensing", "/licensing"), ("customer account settings", "/account/settings")]
    trend = a11y.first_link(page, "/licensing", "View Usage Trend")
    return pages + ([("own usage trend", trend), ("assignments", f"{trend}/assignments")] if trend else [])


def _row_actions_outside(page: Page) -> list[str]:
    """Rows whose ⋯ button is not wholly inside the window horizontally."""
    return page.locator("#customer-table tbody tr").evaluate_all(
        """rows => rows.filter(row => {
            const box = row.querySelector('details.row-menu > summary').getBoundingClientRect();
            return box.width === 0 || box.left < 0 || box.right > window.innerWidth;
        }).map(row => row.id)""")


@pytest.mark.parametrize("width", sorted(a11y.WIDTHS))
@pytest.mark.parametrize("account", [a11y.PARTNER, a11y.CUSTOMER], ids=["partner", "customer"])
def test_no_page_scrolls_sideways_and_every_row_action_is_in_the_window(new_context, width: int, account):
    page = new_context(viewport={"width": width, "height": a11y.WIDTHS[width]}).new_page()
    signed_in(page, account)
    wide = {}
    for name, path in _main_pages(page, account):
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        if page.locator("[data-chart]").count():
            expect(page.locator("[data-chart] svg").first).to_be_attached()
        a11y.screenshot(page, name, width)
        overflow = a11y.horizontal_overflow(page)
        if overflow > 0:
            wide[path] = overflow
        if path == "/customers":
            assert not _row_actions_outside(page)
    assert not wide, f"pages wider than {width} px: {wide}"


def test_the_dashboard_table_fits_at_1280_px_with_every_column(new_context):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    signed_in(page, a11y.PARTNER)
    page.goto("/customers")
    table = page.locator("#customer-table table.customers")
    expect(table).to_be_visible()
    headers = table.locator("thead th")
    expect(headers).to_have_count(11)  # every column, the selection and the actions included
    box = page.locator("#customer-table").bounding_box()
    assert box and table.bounding_box()["width"] <= box["width"]
    for index in range(11):
        cell = headers.nth(index).bounding_box()
        assert cell and cell["x"] + cell["width"] <= box["x"] + box["width"] + 0.5, index
    # Focusing a row's ⋯ shifts nothing: the table doesn't scroll.
    summary = page.locator("#customer-table tbody tr").first.locator("details.row-menu > summary")
    before = table.bounding_box()["x"]
    summary.focus()
    assert table.bounding_box()["x"] == before


def test_on_a_phone_rows_are_cards_and_navigation_and_filters_fold(new_context):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    signed_in(page, a11y.PARTNER)
    page.goto("/customers")
    topbar = page.locator("header.topbar").bounding_box()
    assert topbar and topbar["height"] < 140  # was 233 px
    nav = page.locator(".nav-fold")
    expect(nav).not_to_have_attribute("open", "")
    page.locator(".nav-fold > summary").click()
    expect(page.locator("nav.topnav").get_by_role("link", name="My Customers")).to_be_visible()
    page.locator(".nav-fold > summary").click()

    filters = page.locator(".filter-fold")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.get_by_label("Search")).to_be_visible()
    expect(page.get_by_label("Tenancy")).to_be_hidden()
    page.locator(".filter-fold > summary").click()
    expect(page.get_by_label("Tenancy")).to_be_visible()

    row = page.locator("#customer-table tbody tr").first
    assert row.evaluate("row => getComputedStyle(row).display") == "grid"  # one card per customer
    name = row.locator("th.customer-name").bounding_box()
    actions = row.locator("details.row-menu > summary").bounding_box()
    # The name and ⋯ share the card's first line, both in the window.
    assert name and actions and abs(name["y"] - actions["y"]) < 20
    assert actions["x"] + actions["width"] <= 390
    assert a11y.horizontal_overflow(page) == 0
