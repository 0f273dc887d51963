"""Manage Licenses and the operator console in a real browser: Allocate to the primary cloud
account succeeds and to a customer's cloud account shows the error, both in the dialog without a
page reload; an operator resolves an OrgID request in place and the partner sees the new ORGID."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import sign_in, signed_in

PARTNER = ("partner@demo.example", "demo-partner")
OPERATOR = ("operator@demo.example", "demo-operator")


def _mark_page(page: Page) -> None:
    """Put a marker on window: a full page load drops it, an htmx swap keeps it."""
    page.evaluate("window.__marker = 42")


def _not_reloaded(page: Page) -> None:
    """The marker set by _mark_page is still there."""
    assert page.evaluate("window.__marker") == 42


def _to_allocate(page: Page) -> int:
    """The DaaS (user/device) figure in the To allocate column."""
    return int(page.locator("#product-daas-user [data-to-allocate]").inner_text().replace(",", ""))


def test_allocate_to_the_primary_account_then_to_a_customer_account_without_a_reload(page: Page):
    signed_in(page, PARTNER)
    page.get_by_role("link", name="Manage Licenses").click()
    expect(page.get_by_role("heading", name="Manage Licenses", level=1)).to_be_visible()
    before = _to_allocate(page)
    _mark_page(page)

    page.locator(".head-actions").get_by_role("link", name="Allocate").click()
    dialog = page.locator("dialog#allocate-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Account")).to_have_value(re.compile(r"^\d{10}$"))
    assert "Your primary cloud account" in dialog.get_by_label("Account").locator("option:checked").inner_text()
    dialog.get_by_label("Product").select_option("daas-user")
    dialog.get_by_label("Quantity").fill("5")
    dialog.get_by_role("button", name="Allocate").click()

    notice = page.locator("#allocate-dialog[role=status]")
    expect(notice).to_contain_text("Allocated 5 licenses to Northwind Cloud Partners")
    expect(page.locator("#product-daas-user [data-to-allocate]")).to_have_text(f"{before - 5:,}")
    expect(page.locator("table.allocations tbody tr").first).to_contain_text("Processing")
    _not_reloaded(page)

    # A multi-tenant customer's row: the same dialog, with that account chosen, refuses.
    customer_row = page.locator("table.accounts tbody tr").filter(has_text="Multi-tenant customer").first
    customer = customer_row.locator("th").inner_text().splitlines()[0]
    customer_row.get_by_role("link", name=re.compile(r"^Allocate")).click()
    dialog = page.locator("dialog#allocate-dialog")
    expect(dialog).to_be_visible()
    assert customer in dialog.get_by_label("Account").locator("option:checked").inner_text()
    dialog.get_by_label("Quantity").fill("1")
    dialog.get_by_role("button", name="Allocate").click()
    expect(dialog.locator(".error")).to_have_text(re.compile(
        r"Licenses can be allocated only to your own primary cloud account"))
    expect(dialog.get_by_label("Account")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#product-daas-user [data-to-allocate]")).to_have_text(f"{before - 5:,}")
    _not_reloaded(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_an_operator_resolves_an_orgid_request_and_the_partner_sees_the_new_orgid(page: Page, browser):
    sign_in(page, *OPERATOR)
    expect(page).to_have_url(re.compile(r"/operator$"))
    row = page.locator("table.requests tbody tr").filter(has_text="Harborview Clinics")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("OrgID creation for single-tenant customer"))).to_be_visible()
    _mark_page(page)
    page.get_by_label("Note to the partner").fill("Welcome to the portal.")
    page.get_by_role("button", name="Create the ORGID and its administrator").click()
    panel = page.locator("#request-panel")
    expect(panel.get_by_role("status")).to_contain_text("is resolved; the partner was told")
    expect(panel.locator(".status")).to_have_text("Resolved")
    expect(panel.get_by_role("button", name="Decline")).to_have_count(0)
    _not_reloaded(page)

    partner = browser.new_context(base_url=page.url.split("/operator")[0]).new_page()
    signed_in(partner, PARTNER)
    partner.get_by_role("link", name="Support Center").click()
    line = partner.locator("table.requests tbody tr").filter(has_text="Harborview Clinics")
    expect(line).to_contain_text(re.compile(r"Resolved.*ORGID \d{10}: not connected yet", re.S))
    line.get_by_role("link").click()
    expect(partner.get_by_text(re.compile(r"Next: send your invitation link to mia@"))).to_be_visible()
    partner.context.close()
