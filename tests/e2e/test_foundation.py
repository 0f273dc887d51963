"""The foundation in a real browser: Sign in, the customer menu, switching organization, Sign out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import sign_in

PARTNER_EMAIL = "partner@demo.example"
PARTNER_PASSWORD = "demo-partner"
PARTNER_ORG = "Northwind Cloud Partners"


def _signed_in_home(page: Page) -> None:
    """Sign in as the demo partner and wait for the home page."""
    sign_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#customer-menu summary")).to_be_visible()


def _open_customer_menu(page: Page):
    """Click the customer menu open; returns the menu locator."""
    menu = page.locator("#customer-menu")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    return menu


def test_partner_sees_organization_orgid_and_badges_in_customer_menu(page: Page):
    """The customer menu shows the current organization's name, ORGID and program badges."""
    _signed_in_home(page)
    menu = page.locator("#customer-menu")
    expect(menu.locator("summary")).to_have_text(re.compile(PARTNER_ORG))
    panel = menu.locator(".menu-panel")
    expect(panel).to_be_hidden()

    _open_customer_menu(page)
    expect(panel).to_be_visible()
    expect(panel.get_by_text(PARTNER_ORG, exact=True)).to_be_visible()
    expect(panel.locator("[data-orgid]")).to_have_text(re.compile(r"^\d{10}$"))
    expect(panel.locator(".badge", has_text="Solution Advisor")).to_be_visible()
    expect(panel.locator(".badge", has_text="Service Provider")).to_be_visible()
    expect(panel.get_by_text(f"Signed in as {PARTNER_EMAIL}")).to_be_visible()


def test_switching_organization_changes_the_customer_menu(page: Page):
    """Choosing another organization in the switcher makes it the current one, with a flash."""
    _signed_in_home(page)
    menu = _open_customer_menu(page)
    partner_orgid = menu.locator("[data-orgid]").inner_text()
    target = menu.locator(".switcher button").first
    # The button reads "<name> <orgid>"; the orgid sits in its own span.
    target_orgid = target.locator("span").inner_text().strip()
    target_name = target.evaluate("button => button.firstChild.textContent.trim()")
    assert target_name and target_name != PARTNER_ORG
    assert re.fullmatch(r"\d{10}", target_orgid) and target_orgid != partner_orgid

    target.click()

    expect(page.locator("#flashes")).to_contain_text(f"You are now working in {target_name}")
    expect(page.locator("#customer-menu summary")).to_have_text(re.compile(re.escape(target_name)))
    menu = _open_customer_menu(page)
    expect(menu.locator("[data-orgid]")).to_have_text(target_orgid)
    # The partner organization is now one of the others to switch back to.
    expect(menu.locator(".switcher button", has_text=PARTNER_ORG)).to_be_visible()
    expect(menu.locator(".switcher button", has_text=target_name)).to_have_count(0)


def test_sign_out_lands_on_sign_in_and_home_then_asks_to_sign_in(page: Page):
    """Sign out in the customer menu ends the session: home redirects to Sign in."""
    _signed_in_home(page)
    menu = _open_customer_menu(page)
    menu.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#flashes")).to_contain_text("You are signed out.")
    expect(page.locator("#customer-menu")).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in(\?|$)"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#customer-menu")).to_have_count(0)


def test_wrong_password_shows_error_next_to_the_field_without_leaving_the_page(page: Page):
    """A wrong password re-renders the form in place with the error tied to the Password field."""
    page.goto("/sign-in")
    # A full page load would drop this marker; htmx swapping the form keeps it.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Email").fill(PARTNER_EMAIL)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    password = page.get_by_label("Password", exact=True)
    error = page.locator("#password-error")
    expect(error).to_have_text("That email and password don't match an account.")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "password-error")
    expect(page.locator(".field.has-error").filter(has=password)).to_contain_text("don't match an account")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_label("Email")).to_have_value(PARTNER_EMAIL)
    expect(page.locator("#customer-menu")).to_have_count(0)


def test_keyboard_user_opens_and_closes_the_customer_menu(page: Page):
    """Focus the menu's summary and press Enter to open it; Escape closes it and keeps focus there."""
    _signed_in_home(page)
    menu = page.locator("#customer-menu")
    summary = menu.locator("summary")
    panel = menu.locator(".menu-panel")

    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("button", name="Sign out")).to_be_visible()

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(summary).to_be_focused()
