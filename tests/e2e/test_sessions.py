"""Signed-in sessions in a real browser: sign-out ends them for good, Sign out other sessions."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import signed_in

RIVAL = ("rival@demo.example", "demo-rival")


def _sessions_section(page: Page):
    page.goto("/account/settings")
    section = page.locator("#user-sessions")
    expect(section).to_be_visible()
    return section


def _is_signed_out(page: Page) -> None:
    page.goto("/account/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


def test_cookies_saved_before_sign_out_open_nothing_after_it(page: Page, new_context):
    """Someone who copied the cookies (session and remember-me) can't use them once the owner signs out."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(RIVAL[0])
    page.get_by_label("Password", exact=True).fill(RIVAL[1])
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#customer-menu summary")).to_be_visible()
    saved = page.context.cookies()
    assert {cookie["name"] for cookie in saved} >= {"session", "remember_token"}

    page.locator("#customer-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#flashes")).to_contain_text("You are signed out.")

    thief = new_context()
    thief.add_cookies(saved)
    _is_signed_out(thief.new_page())


def test_sign_out_other_sessions_swaps_the_list_and_ends_the_other_browser(page: Page, new_context):
    other = new_context().new_page()
    signed_in(other, RIVAL)
    signed_in(page, RIVAL)
    section = _sessions_section(page)
    expect(section.get_by_text("This device")).to_have_count(1)
    section.get_by_role("button", name="Sign out other sessions").click()
    expect(section).to_contain_text(re.compile(r"Signed out \d+ other sessions?\."))
    expect(section.locator("tbody tr")).to_have_count(1)
    expect(section.get_by_role("button", name="Sign out other sessions")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/account/settings$"))  # swapped in place, no navigation
    _is_signed_out(other)
    _sessions_section(page)  # this browser is still signed in


def test_signing_out_one_other_session_without_javascript(new_context):
    other = new_context().new_page()
    signed_in(other, RIVAL)
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").fill(RIVAL[0])
    page.get_by_label("Password", exact=True).fill(RIVAL[1])
    page.get_by_role("button", name="Sign in").click()
    section = _sessions_section(page)
    rows = section.locator("tbody tr").filter(has_not_text="This device")
    before = rows.count()
    assert before >= 1
    rows.first.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page).to_have_url(re.compile(r"/account/settings#user-sessions$"))
    expect(page.locator("#flashes")).to_contain_text("Signed out the session on")
    expect(page.locator("#user-sessions tbody tr").filter(has_not_text="This device")).to_have_count(before - 1)
