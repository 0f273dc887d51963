"""The main flows with the keyboard alone: skip link, filters, the row menu, View Licensing,
Remove with its dialog (focus held inside and given back), tabs, the organization switcher and
Sign out. Nothing is clicked; the focus ring is visible (3:1 at least against white).
"""
from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from . import a11y
from .conftest import signed_in


def _tab_to(page: Page, target: Locator, limit: int = 120, back: bool = False) -> None:
    """Press Tab (Shift+Tab when `back`) until `target` has focus; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def _focus_inside(page: Page, selector: str) -> bool:
    """True when the focused element is inside `selector`."""
    return page.evaluate("selector => Boolean(document.activeElement.closest(selector))", selector)


def _contrast(page: Page) -> float:
    """Contrast of the focused element's outline color against white."""
    return page.evaluate("""() => {
        const rgb = getComputedStyle(document.activeElement).outlineColor.match(/\\d+/g).slice(0, 3).map(Number);
        const lin = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        const l = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
        return 1.05 / (l + 0.05);
    }""")


def test_dashboard_with_the_keyboard_alone(page: Page):
    signed_in(page, a11y.PARTNER)
    page.goto("/customers")
    rows = page.locator("#customer-table tbody tr")
    expect(rows.first).to_be_visible()
    total = rows.count()

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Filters: a select changes with the arrow keys and the table follows.
    tenancy = page.get_by_label("Tenancy")
    _tab_to(page, tenancy)
    assert _contrast(page) >= 3
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"tenancy=single-tenant"))
    expect(rows).not_to_have_count(total)
    page.keyboard.press("ArrowUp")
    expect(rows).to_have_count(total)

    # The row menu: plain links and buttons in a disclosure, reached with Tab.
    row = rows.nth(1)
    menu = row.locator("details.row-menu")
    summary = menu.locator("summary")
    _tab_to(page, summary)
    assert _contrast(page) >= 3
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("menuitem", name="View Licensing")).to_be_focused()
    page.keyboard.press("Enter")
    heading = page.locator("#panel-dialog #panel-title")
    expect(heading).to_be_focused()
    page.keyboard.press("Escape")  # closes the panel; focus is back on the row's ⋯
    expect(page.locator("#panel-dialog")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    expect(page).to_have_url(re.compile(r"/customers(\?.*)?$"))

    # Remove: the dialog opens on Cancel, keeps focus inside, and gives it back on Escape.
    page.keyboard.press("Enter")
    remove_item = menu.get_by_role("menuitem", name="Remove Customer Connection")
    _tab_to(page, remove_item, limit=6)
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#remove-dialog")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Remove")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    assert _focus_inside(page, "dialog#remove-dialog") or page.evaluate("document.activeElement === document.body")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(summary).to_be_focused()
    expect(rows).to_have_count(total)  # nothing was removed


def test_tabs_switcher_and_sign_out_with_the_keyboard_alone(page: Page):
    signed_in(page, a11y.PARTNER)
    page.goto("/licenses")
    orders = page.get_by_role("tab", name="Orders")
    _tab_to(page, orders)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/licenses/orders$"))
    expect(page.get_by_role("tab", name="Orders")).to_have_attribute("aria-selected", "true")

    menu = page.locator("#customer-menu")
    page.goto("/")
    _tab_to(page, menu.locator("summary"))
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Account Settings")).to_be_focused()
    page.keyboard.press("Tab")
    expect(menu.get_by_role("button", name="Sign out")).to_be_focused()  # before the long list
    page.keyboard.press("Tab")
    search = menu.get_by_label("Find an organization")
    expect(search).to_be_focused()
    names = menu.locator(".switcher button").evaluate_all(
        "buttons => buttons.map(b => b.firstChild.textContent.trim())")
    target = names[-1]
    page.keyboard.type(target[:6])
    visible = menu.locator(".switcher li:visible button")
    expect(visible.first).to_contain_text(target[:6])
    page.keyboard.press("Tab")
    expect(visible.first).to_be_focused()
    chosen = visible.first.evaluate("b => b.firstChild.textContent.trim()")
    page.keyboard.press("Enter")
    expect(page.locator("#flashes")).to_contain_text(f"You are now working in {chosen}")

    _tab_to(page, menu.locator("summary"))
    page.keyboard.press("Enter")
    _tab_to(page, menu.get_by_role("button", name="Sign out"), limit=4)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign-in"))
