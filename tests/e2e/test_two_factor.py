"""Two-factor sign-in in a real browser: set up from Account Settings with the key an authenticator
app would read, sign in with a code pyotp computes, with a recovery code (JavaScript off), turn off."""
from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from .conftest import sign_in, signed_in

# Nobody else's browser test signs in as this person, so turning two-factor on here (and off at
# the end) changes no other test.
VIEWER = ("viewer@demo.example", "demo-viewer")


def _sign_out(page: Page) -> None:
    page.locator("#customer-menu summary").click()
    page.locator("#customer-menu").get_by_role("button", name="Sign out", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("You are signed out.")


def test_set_up_sign_in_with_a_code_and_a_recovery_code_then_turn_off(page: Page, new_context):
    signed_in(page, VIEWER)
    page.goto("/account/settings")
    section = page.locator("#two-factor")
    expect(section).to_contain_text("Off")
    section.get_by_role("link", name="Set up two-factor sign-in").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()

    # htmx swaps the set-up in place: the QR code is an SVG drawn on the server, the key is text.
    qr = page.locator("svg.qr")
    expect(qr).to_be_visible()
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    assert qr.bounding_box()["width"] >= 150
    key = page.locator("#setup-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(key)
    page.get_by_label("6-digit code from the app").fill(totp.now())
    page.get_by_label("Your password").fill(VIEWER[1])
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    recovery = codes.all_inner_texts()
    page.get_by_role("link", name="I saved them").click()
    expect(page.locator("#two-factor")).to_contain_text("On since")
    _sign_out(page)

    # The password alone opens only the code step; the code of the next step is in the window
    # (the one shown now was spent turning it on).
    sign_in(page, *VIEWER)
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    page.goto("/account/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))  # not signed in yet
    page.go_back()
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    page.get_by_label("6-digit code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#code-form .error")).to_contain_text("That code didn't work.")
    page.get_by_label("6-digit code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#customer-menu summary")).to_be_visible()

    # Without JavaScript, a recovery code signs another browser in.
    plain = new_context(java_script_enabled=False).new_page()
    sign_in(plain, *VIEWER)
    plain.get_by_role("link", name="Use a recovery code").click()
    plain.get_by_label("Recovery code").fill(recovery[0].lower())
    plain.get_by_role("button", name="Verify").click()
    expect(plain).to_have_url(re.compile(r"/$"))
    expect(plain.locator("#customer-menu summary")).to_be_visible()

    # Turn it off again with the password and another recovery code.
    page.goto("/account/two-factor")
    expect(page.locator("#codes-left")).to_contain_text("9 of 10 recovery codes unused.")
    off = page.locator("section", has=page.get_by_role("heading", name="Turn off"))
    off.get_by_label("Your password").fill(VIEWER[1])
    off.get_by_label("Code from the app, or a recovery code").fill(recovery[1])
    off.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.locator("#two-factor-panel")).to_contain_text("Two-factor sign-in is off.")
    _sign_out(page)
    signed_in(page, VIEWER)
