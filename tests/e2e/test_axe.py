"""axe-core on every page and the main htmx states, for partner, customer and operator sign-ins
(and signed out): no serious or critical violation. Moderate and minor ones are written to
artifacts/axe-moderate.txt for the record.

axe is injected with a script tag, so these contexts bypass the portal's CSP (which allows no
inline script); the pages are otherwise the real ones.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from . import a11y
from .conftest import signed_in

MODERATE_LOG = a11y.ROOT / "artifacts" / "axe-moderate.txt"


@pytest.fixture
def axe_page(new_context) -> Page:
    """A page in a context that lets the axe script tag run (desktop width)."""
    return new_context(bypass_csp=True, viewport={"width": 1280, "height": 800}).new_page()


def _settled(page: Page) -> None:
    """Wait for the page's main content and, where it has charts, for them to be drawn."""
    expect(page.locator("main")).to_be_visible()
    charts = page.locator("[data-chart]")
    if charts.count():
        expect(charts.first.locator("svg").first).to_be_attached(timeout=20_000)


def _record(findings: list[a11y.Finding]) -> None:
    """Append the non-blocking findings to the moderate log."""
    rest = [finding for finding in findings if finding.impact not in a11y.BLOCKING]
    if rest:
        MODERATE_LOG.parent.mkdir(parents=True, exist_ok=True)
        with MODERATE_LOG.open("a") as log:
            log.writelines(f"{finding}\n" for finding in rest)


def _check(page: Page, where: str, found: list[a11y.Finding]) -> None:
    """Run axe on the page as it is; add what it finds to `found`."""
    findings = a11y.axe(page, where)
    _record(findings)
    found.extend(a11y.blocking(findings))


def _check_pages(page: Page, paths: list[str]) -> list[a11y.Finding]:
    """Open every path in turn and run axe on it."""
    found: list[a11y.Finding] = []
    for path in paths:
        page.goto(path)
        _settled(page)
        _check(page, path, found)
    return found


def test_partner_pages_have_no_serious_violations(axe_page: Page):
    signed_in(axe_page, a11y.PARTNER)
    paths = a11y.partner_pages(axe_page)
    assert len(paths) >= 20
    found = _check_pages(axe_page, paths)
    assert not found, "\n".join(map(str, found))


def test_partner_dashboard_states_have_no_serious_violations(axe_page: Page):
    """Menus open, the remove dialog, panels (with charts drawn), an empty search, the phone layout."""
    page = axe_page
    signed_in(page, a11y.PARTNER)
    found: list[a11y.Finding] = []
    page.goto("/customers")
    row = page.locator("#customer-table tbody tr").first
    menu = row.locator("details.row-menu")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    _check(page, "dashboard: row menu open", found)

    page.locator("#customer-menu summary").click()
    expect(page.locator("#customer-menu")).to_have_attribute("open", "")
    _check(page, "dashboard: customer menu open", found)
    page.keyboard.press("Escape")

    menu.locator("summary").click()
    menu.get_by_role("menuitem", name="Remove Customer Connection").click()
    expect(page.locator("dialog#remove-dialog")).to_be_visible()
    _check(page, "dashboard: remove dialog open", found)
    page.locator("dialog#remove-dialog").get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog#remove-dialog")).to_be_hidden()

    menu.locator("summary").click()
    menu.get_by_role("menuitem", name="View Licensing").click()
    panel = page.locator("#panel-dialog")
    expect(panel.locator("#panel-title")).to_be_focused()
    _check(page, "dashboard: View Licensing panel open", found)
    trend = panel.get_by_role("link", name="View Usage Trend")
    if trend.count():
        trend.first.click()
        expect(panel.locator("[data-chart] svg").first).to_be_attached(timeout=20_000)
        _check(page, "dashboard: usage trend in the panel, charts drawn", found)
    panel.get_by_role("link", name="Close").click()
    expect(panel).not_to_have_attribute("open", "")

    page.get_by_role("link", name="Invite or Add").click()
    expect(panel.locator("#panel-title")).to_have_text("Invite or Add")
    _check(page, "dashboard: Invite or Add panel open", found)
    panel.get_by_role("link", name="Close").click()
    # Until the panel has closed, the modal keeps the page behind it inert: typing would go nowhere.
    expect(panel).not_to_have_attribute("open", "")

    page.get_by_label("Search").fill("no-such-customer-anywhere")
    expect(page.get_by_role("heading", name="No customers match")).to_be_visible()
    _check(page, "dashboard: no customer matches", found)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/customers")
    page.locator(".nav-fold > summary").click()
    page.locator(".filter-fold > summary").click()
    expect(page.locator(".filter-fold")).to_have_attribute("open", "")
    _check(page, "dashboard at 390 px: navigation and filters unfolded", found)
    assert not found, "\n".join(map(str, found))


def test_customer_pages_have_no_serious_violations(axe_page: Page):
    signed_in(axe_page, a11y.CUSTOMER)
    paths = a11y.customer_pages(axe_page)
    found = _check_pages(axe_page, paths)
    # Account Settings with the remove-partner dialog open.
    axe_page.goto("/account/settings")
    remove = axe_page.locator("#partner-connections").get_by_role("link", name=re.compile(r"^Remove "))
    if remove.count():
        remove.first.click()
        expect(axe_page.locator("dialog#remove-dialog")).to_be_visible()
        _check(axe_page, "account settings: remove partner dialog open", found)
    assert not found, "\n".join(map(str, found))


def test_operator_pages_have_no_serious_violations(axe_page: Page):
    axe_page.goto("/sign-in")
    axe_page.get_by_label("Email").fill(a11y.OPERATOR[0])
    axe_page.get_by_label("Password", exact=True).fill(a11y.OPERATOR[1])
    axe_page.get_by_role("button", name="Sign in").click()
    expect(axe_page).to_have_url(re.compile(r"/operator"))
    found = _check_pages(axe_page, a11y.operator_pages(axe_page))
    assert not found, "\n".join(map(str, found))


def test_signed_out_pages_have_no_serious_violations(axe_page: Page, new_context):
    partner = new_context().new_page()
    signed_in(partner, a11y.PARTNER)
    partner.goto("/customers/invite")
    link = partner.locator("#invitation-link").input_value()
    partner.context.close()
    found = _check_pages(axe_page, ["/sign-in", "/forgot-password", "/no-such-page"])
    axe_page.goto(link)
    expect(axe_page.locator("#invitation-notice")).to_be_visible()
    _check(axe_page, "sign in for an invitation", found)
    assert not found, "\n".join(map(str, found))
