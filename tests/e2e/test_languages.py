"""German in a real browser: a browser asking for German gets German pages that still fit at 1280 and
390 px (German words run long), with German dates; the choice in Account Settings, made with the
keyboard, beats the browser's language and is undone the same way.

The German texts are looked up in the compiled catalogue, so a reworded translation does not break
the test, and an English word left on the page does.
"""

from __future__ import annotations

import re

import pytest
from babel.support import Translations
from playwright.sync_api import Page, expect

from . import a11y
from .conftest import ROOT

GERMAN = Translations.load(str(ROOT / "partner_portal" / "translations"), ["de"])
GERMAN_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")


def de(english: str) -> str:
    """The German of an English message (the test fails if the catalogue has none)."""
    german = GERMAN.gettext(english)
    assert german != english or english in {"Partner", "Dashboard"}, f"no German for {english!r}"
    return german


def sign_in_german(page: Page, account: tuple[str, str]) -> None:
    page.goto("/sign-in")
    expect(page.get_by_role("heading", name=de("Sign in"))).to_be_visible()
    page.locator("#email").fill(account[0])
    page.locator("#password").fill(account[1])
    page.get_by_role("button", name=de("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/$"))


@pytest.mark.parametrize("width", [1280, 390])
def test_a_german_browser_gets_german_pages_that_fit(new_context, width: int):
    page = new_context(locale="de-DE", viewport={"width": width, "height": a11y.WIDTHS[width]}).new_page()
    sign_in_german(page, a11y.PARTNER)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    orgid = a11y.first_row_orgid(page)
    wide = {}
    for name, path in [("home", "/"), ("dashboard", "/customers"), ("customer licensing", f"/customers/{orgid}/licensing"),
                       ("notifications", "/notifications"), ("account settings", "/account/settings"),
                       ("support center", "/support")]:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        a11y.screenshot(page, f"de {name}", width)
        if a11y.horizontal_overflow(page) > 0:
            wide[path] = a11y.horizontal_overflow(page)
    assert not wide, f"German pages wider than {width} px: {wide}"

    page.goto("/account/settings")
    expect(page.get_by_role("heading", name=de("Account Settings"), exact=True)).to_be_visible()
    # The signed-in sessions table dates this session in the German style (30.11.2026).
    expect(page.locator("#sessions, main").first).to_contain_text(GERMAN_DATE)
    page.goto("/customers")
    expect(page.get_by_role("heading", name=de("My Customers"), exact=True)).to_be_visible()


def test_the_choice_in_account_settings_beats_the_browser_by_keyboard(new_context):
    page = new_context(locale="en-US", viewport={"width": 1280, "height": 800}).new_page()
    page.goto("/sign-in")
    page.locator("#email").fill(a11y.CUSTOMER[0])
    page.locator("#password").fill(a11y.CUSTOMER[1])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/account/settings#language-settings")
    choice = page.get_by_role("combobox", name="Language", exact=True)
    try:
        choice.focus()
        choice.select_option("de")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # Save language
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.get_by_role("heading", name=de("Account Settings"), exact=True)).to_be_visible()
        expect(page.get_by_text(de("Your language is saved."))).to_be_visible()
        # Every page now speaks German, though the browser asks for English.
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "de")
    finally:
        # Back to the browser's language, so the other browser tests meet the customer in English.
        page.goto("/account/settings#language-settings")
        choice = page.locator("select#language")
        choice.select_option("")
        choice.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator("html")).to_have_attribute("lang", "en")
