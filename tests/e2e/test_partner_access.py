"""The access a partner gets through Add a customer lasts exactly as long as the connection: the
customer's contact sets a password from the emailed link, sees the partner's access marked "via"
the partner, removes the partner, and the partner's user is out of the customer's account."""
from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from ..mailbox import first_link, wait_for_message
from .conftest import signed_in

PARTNER = ("partner@demo.example", "demo-partner")
PARTNER_ORG = "Northwind Cloud Partners"
COMPANY = "Quokka Analytics"
CONTACT = "ops@quokka-analytics.example"
CONTACT_PASSWORD = "quokka-analytics-2026"


def test_customer_removing_the_partner_ends_its_access(browser: Browser, base_url: str, mailbox):
    partner = browser.new_context(base_url=base_url).new_page()
    signed_in(partner, PARTNER)
    partner.goto("/customers/add")
    partner.get_by_label("Company name").fill(COMPANY)
    partner.get_by_label("First name").fill("Ola")
    partner.get_by_label("Last name").fill("Nordmann")
    partner.get_by_label("Business email").fill(CONTACT)
    partner.get_by_label("Phone").fill("+47 22 00 00 00")
    partner.get_by_label("Country").fill("Norway")
    partner.get_by_role("button", name="Finish").click()
    expect(partner.locator("#flashes")).to_contain_text(f"{COMPANY} was added")
    orgid = re.search(r"ORGID (\d{10})", partner.locator("#flashes").inner_text())[1]

    # The partner's user now also administers the customer, through the connection.
    partner.locator("#customer-menu summary").click()
    expect(partner.locator("#customer-menu .switcher")).to_contain_text(COMPANY)

    # The customer's contact sets a password from the emailed link and signs in.
    customer = browser.new_context(base_url=base_url).new_page()
    customer.goto("/forgot-password")
    customer.get_by_label("Email").fill(CONTACT)
    customer.get_by_role("button", name=re.compile("link", re.I)).click()
    # The answer redirects to Sign in; let that navigation finish before opening the link (the
    # email can arrive first, and a second goto would interrupt the first).
    expect(customer).to_have_url(re.compile(r"/sign-in"))
    link = first_link(wait_for_message(mailbox, CONTACT, "Set your Partner Portal password"))
    customer.goto(link)
    customer.get_by_label("New password", exact=True).fill(CONTACT_PASSWORD)
    customer.get_by_label("Repeat the new password").fill(CONTACT_PASSWORD)
    customer.get_by_role("button", name="Set password").click()
    expect(customer.locator("#flashes")).to_contain_text("Your password is set")
    signed_in(customer, (CONTACT, CONTACT_PASSWORD))
    customer.goto("/account/settings")
    partner_row = customer.locator("#administrators tr", has_text=PARTNER[0])
    expect(partner_row).to_contain_text(f"via {PARTNER_ORG}")

    # The customer removes the partner.
    customer.locator("#partner-connections tr", has_text=PARTNER_ORG).get_by_role("link", name=re.compile("Remove")).click()
    customer.get_by_role("button", name="Confirm").click()
    expect(customer.locator("#flashes")).to_contain_text(f"{PARTNER_ORG} no longer has access")
    expect(customer.locator("#administrators")).not_to_contain_text(PARTNER[0])

    # The partner's user can no longer reach the customer in any way.
    partner.goto("/customers")
    expect(partner.locator("#customer-table")).not_to_contain_text(COMPANY)
    partner.locator("#customer-menu summary").click()
    expect(partner.locator("#customer-menu")).not_to_contain_text(COMPANY)
    partner.goto(f"/customers/{orgid}")
    expect(partner.get_by_role("heading", name="Page not found")).to_be_visible()
    partner.goto(f"/customers/{orgid}/licensing")
    expect(partner.get_by_role("heading", name="Page not found")).to_be_visible()
