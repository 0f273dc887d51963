"""My Customers in a real browser: invitation, the row menu's panels, removals (with and without
JavaScript, from both sides), keyboard use and search as you type.

The live server is shared by the whole session, so every test that changes data touches its own
customer (a removal takes the last row still there, read-only tests the top rows) or, on the
customer side, whichever partner connection of Fabrikam Health is still there.
"""
from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Locator, Page, expect

from .conftest import signed_in, work_in

PARTNER = ("partner@demo.example", "demo-partner")
CUSTOMER = ("customer@demo.example", "demo-customer")
RIVAL = ("rival@demo.example", "demo-rival")
PARTNER_ORG = "Northwind Cloud Partners"
CUSTOMER_ORG = "Fabrikam Health"  # connected to Northwind and to Bluewave IT Services
UNCONNECTED_ORG = "Tailspin Retail"  # administered by the demo customer, connected to no one

# The customers touched by the cross-context tests; the dashboard tests leave them alone. The
# others are picked from the table as it is, never by hard-coded name (the demo data may change):
# read-only tests take rows from the top, removal tests the last row still there.
# Never removed here: the customer sign-in's organizations, and the customers the insights tests open.
CROSS_CONTEXT = {CUSTOMER_ORG, UNCONNECTED_ORG, "Litware Analytics", "Tailspin Retail", "Bluewave IT Services"}
VIEWED, KEYBOARD = 0, 1  # positions from the top of the table (never removed)
REMOVED = -1  # the last row: each removal test takes whichever is last when it runs

COUNTER = re.compile(r"^\s*(\d+) of (\d+) customers\s*$")



def _dashboard(page: Page) -> None:
    """Open My Customers and wait for the table."""
    page.goto("/customers")
    expect(page.get_by_role("heading", name="My Customers", level=1)).to_be_visible()
    expect(page.locator("#customer-table tbody tr").first).to_be_visible()


def _counter(page: Page) -> tuple[int, int]:
    """The dashboard counter as (connected customers, limit)."""
    match = COUNTER.match(page.locator("#customer-counter").inner_text())
    assert match, page.locator("#customer-counter").inner_text()
    return int(match[1]), int(match[2])


def _row(page: Page, name: str) -> Locator:
    """The dashboard row of the customer called `name`."""
    return page.locator("#customer-table tbody tr").filter(
        has=page.locator("th.customer-name", has_text=re.compile(rf"^{re.escape(name)}")))


def _customer_names(page: Page) -> list[str]:
    """The customer names in the dashboard table, in table order (without their contacts)."""
    return page.locator("#customer-table th.customer-name").evaluate_all(
        "cells => cells.map(cell => cell.firstChild.textContent.trim())")


def _pick(page: Page, position: int) -> str:
    """The name of the customer at `position` in the table, leaving out the cross-context ones."""
    names = [name for name in _customer_names(page) if name not in CROSS_CONTEXT]
    assert len(names) >= 6, names  # two read-only rows at the top, room for removals below
    return names[position]


def _orgid(row: Locator) -> str:
    """The ORGID of a dashboard row, from its `row-<orgid>` id."""
    row_id = row.get_attribute("id")
    assert row_id and re.fullmatch(r"row-\d{10}", row_id), row_id
    return row_id.removeprefix("row-")


def _open_row_menu(row: Locator) -> Locator:
    """Click the row's ellipsis menu open; returns the menu (its <details>)."""
    menu = row.locator("details.row-menu")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    return menu


def _mark_page(page: Page) -> None:
    """Put a marker on window: a full page load drops it, an htmx swap keeps it."""
    page.evaluate("window.__marker = 42")


def _assert_same_page(page: Page) -> None:
    """The marker set by _mark_page is still there (no reload happened)."""
    assert page.evaluate("window.__marker") == 42



def _invitation_link(page: Page) -> str:
    """The signed-in partner's invitation link, from Invite a customer (opened directly)."""
    page.goto("/customers/invite")
    link = page.locator("#invitation-link")
    expect(link).to_have_value(re.compile(r"^http://.+/invitations/\S+$"))
    return link.input_value()


def _accept(page: Page, link: str, partner_name: str, customer_name: str) -> None:
    """Open an invitation link as the signed-in customer and Accept it."""
    page.goto(link)
    expect(page.get_by_role("heading", name=f"{partner_name} invites you to connect")).to_be_visible()
    expect(page.locator(".invitation strong", has_text=customer_name)).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(r"/account/settings#partner-connections$"))
    expect(page.locator("#flashes")).to_contain_text(f"You are now connected to {partner_name}.")


def _customer_settings(page: Page) -> Locator:
    """Open Account Settings as the demo customer in Fabrikam Health; returns Partner Connections."""
    signed_in(page, CUSTOMER)
    work_in(page, CUSTOMER_ORG)
    page.goto("/account/settings")
    expect(page.get_by_role("heading", name="Account Settings")).to_be_visible()
    section = page.locator("#partner-connections")
    expect(section.get_by_role("heading", name="Partner Connections")).to_be_visible()
    return section


def _partner_to_remove(page: Page, section: Locator, new_context) -> tuple[str, str]:
    """A partner connection of Fabrikam Health as (row id, name); reconnects Bluewave if none is left."""
    # Other tests may already have removed both demo connections: accept Bluewave's link again.
    rows = section.locator("tbody tr")
    if rows.count() == 0:  # the page is fully rendered by the server: no waiting needed
        rival = new_context().new_page()
        signed_in(rival, RIVAL)
        link = _invitation_link(rival)
        rival.context.close()
        _accept(page, link, "Bluewave IT Services", CUSTOMER_ORG)
        expect(rows.first).to_be_visible()
    row = rows.first
    return row.get_attribute("id"), row.locator("th").inner_text().strip()


def test_customer_accepts_the_copied_invitation_link_and_the_partner_sees_the_new_row(
        page: Page, new_context, base_url: str):
    """Copy link on Invite a customer, Accept as Tailspin Retail elsewhere: a new row, counter +1."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    signed_in(page, PARTNER)
    _dashboard(page)
    connected, limit = _counter(page)
    expect(_row(page, UNCONNECTED_ORG)).to_have_count(0)

    page.get_by_role("link", name="Invite or Add").click()
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name="Invite or Add")).to_be_visible()
    # As in the reference: choose "Invite a customer", then Continue.
    panel.get_by_role("radio", name=re.compile("^Invite a customer")).check()
    panel.get_by_role("button", name="Continue").click()
    expect(panel.get_by_role("heading", name="Invite a customer")).to_be_visible()
    link_input = page.locator("#invitation-link")
    expect(link_input).to_have_value(re.compile(rf"^{re.escape(base_url)}/invitations/\S+$"))
    link = link_input.input_value()

    copy = panel.locator("button[data-copy-target='#invitation-link']")  # its name changes: not by role
    expect(copy).to_have_text("Copy link")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    expect(copy).to_have_text("Copy link")  # the label comes back after two seconds

    customer = new_context().new_page()
    signed_in(customer, CUSTOMER)
    work_in(customer, UNCONNECTED_ORG)
    _accept(customer, link, PARTNER_ORG, UNCONNECTED_ORG)
    expect(customer.locator("#partner-connections tbody th", has_text=PARTNER_ORG)).to_be_visible()

    page.goto("/customers")
    expect(_row(page, UNCONNECTED_ORG)).to_be_visible()
    expect(page.locator("#customer-counter")).to_have_text(f"{connected + 1} of {limit} customers")


def test_view_licensing_and_view_customer_details_open_in_the_panel_without_a_reload(page: Page):
    """The row menu's View Licensing and View Customer Details open the panel over the table
    (a modal drawer) and push the URL; Close goes back to the dashboard's address and the row."""
    signed_in(page, PARTNER)
    _dashboard(page)
    name = _pick(page, VIEWED)
    row = _row(page, name)
    orgid = _orgid(row)
    panel = page.locator("#customer-panel")
    _mark_page(page)

    menu = _open_row_menu(row)
    menu.get_by_role("menuitem", name="View Licensing").click()
    expect(panel).to_contain_text("Licensing")
    expect(panel.get_by_role("heading", name=f"{name} · Licensing")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing$"))
    assert page.locator("#panel-dialog").evaluate("dialog => dialog.matches(':modal')") is True
    expect(menu).not_to_have_attribute("open", "")  # choosing an item closes the menu
    _assert_same_page(page)

    panel.get_by_role("link", name="Close").click()
    expect(page.locator("#panel-dialog")).not_to_have_attribute("open", "")
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(menu.locator("summary")).to_be_focused()

    menu = _open_row_menu(row)
    menu.get_by_role("menuitem", name="View Customer Details").click()
    expect(panel.get_by_role("heading", name=f"{name} · Customer details")).to_be_visible()
    expect(panel.locator("dl.facts")).to_contain_text(orgid)
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}$"))
    _assert_same_page(page)


def test_remove_customer_connection_in_the_dialog_deletes_the_row_without_a_reload(page: Page):
    """Remove Customer Connection opens a modal dialog; Remove drops the row and decrements the counter."""
    signed_in(page, PARTNER)
    _dashboard(page)
    name = _pick(page, REMOVED)
    row = _row(page, name)
    orgid = _orgid(row)
    connected, limit = _counter(page)
    _mark_page(page)

    _open_row_menu(row).get_by_role("menuitem", name="Remove Customer Connection").click()
    dialog = page.locator("dialog#remove-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name=f"Remove {name}?")).to_be_visible()
    assert dialog.evaluate("dialog => dialog.matches(':modal')") is True
    # The dialog opens on the safe choice.
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    neighbour = page.locator("#customer-table tbody tr").nth(-2)  # the row above the last one
    neighbour_id = neighbour.get_attribute("id")
    remove = dialog.get_by_role("button", name="Remove")
    remove.click()

    expect(page.locator(f"#row-{orgid}")).to_have_count(0)
    expect(page.locator("#customer-counter")).to_have_text(f"{connected - 1} of {limit} customers")
    expect(page.locator("#remove-dialog")).to_have_count(0)
    # The table refreshed itself: its own count agrees with the counter.
    expect(page.locator("#customer-table [role=status]")).to_have_text(f"{connected - 1} customers")
    # The outcome is said in the status region, as without JavaScript.
    expect(page.locator("#flashes [role=status]")).to_have_text(f"{name} was removed from your customers.")
    # Keyboard users keep their place: focus moves to the neighbouring row's menu, not to <body>.
    expect(page.locator(f"#{neighbour_id} details.row-menu > summary")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/customers$"))
    _assert_same_page(page)

    page.reload()  # the connection really ended on the server
    expect(page.locator("#customer-table tbody tr").first).to_be_visible()
    expect(page.locator(f"#row-{orgid}")).to_have_count(0)


def test_customer_removes_a_partner_in_account_settings(page: Page, new_context):
    """Partner Connections → Remove → Confirm in the dialog: the partner leaves the list."""
    section = _customer_settings(page)
    row_id, partner_name = _partner_to_remove(page, section, new_context)

    section.locator(f"#{row_id}").get_by_role("link", name=f"Remove {partner_name}").click()
    dialog = page.locator("dialog#remove-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name=f"Remove {partner_name}?")).to_be_visible()
    assert dialog.evaluate("dialog => dialog.matches(':modal')") is True
    dialog.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/account/settings#partner-connections$"))
    expect(page.locator("#flashes")).to_contain_text(f"{partner_name} no longer has access to your account")
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    expect(page.locator("#partner-connections tbody th", has_text=partner_name)).to_have_count(0)


def test_customer_removes_a_partner_without_javascript(new_context):
    """Without JavaScript, Remove opens a full page whose Confirm leads back to Account Settings."""
    context: BrowserContext = new_context(java_script_enabled=False)
    page = context.new_page()
    section = _customer_settings(page)
    row_id, partner_name = _partner_to_remove(page, section, new_context)
    connection_id = row_id.removeprefix("partner-")

    section.locator(f"#{row_id}").get_by_role("link", name=f"Remove {partner_name}").click()
    expect(page).to_have_url(re.compile(rf"/account/partners/{connection_id}/remove$"))
    expect(page.get_by_role("heading", name=f"Remove {partner_name}?")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/account/settings#partner-connections$"))
    expect(page.locator("#flashes")).to_contain_text(f"{partner_name} no longer has access to your account")
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    expect(page.locator("#partner-connections tbody th", has_text=partner_name)).to_have_count(0)


def test_partner_removes_a_customer_without_javascript(new_context):
    """Without JavaScript, /customers/<orgid>/remove is a full page whose Remove leads back without the row."""
    context: BrowserContext = new_context(java_script_enabled=False)
    page = context.new_page()
    signed_in(page, PARTNER)
    _dashboard(page)
    name = _pick(page, REMOVED)
    orgid = _orgid(_row(page, name))
    connected, limit = _counter(page)

    page.goto(f"/customers/{orgid}/remove")
    expect(page.get_by_role("heading", name=f"Remove {name}?")).to_be_visible()
    page.get_by_role("button", name="Remove").click()

    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(page.locator("#flashes")).to_contain_text(f"{name} was removed from your customers.")
    expect(page.locator(f"#row-{orgid}")).to_have_count(0)
    expect(page.locator("#customer-counter")).to_have_text(f"{connected - 1} of {limit} customers")


def test_keyboard_user_opens_the_row_menu_and_views_licensing(page: Page):
    """Enter on the focused ellipsis opens the row menu; Tab reaches View Licensing and Enter opens it."""
    signed_in(page, PARTNER)
    _dashboard(page)
    name = _pick(page, KEYBOARD)
    row = _row(page, name)
    orgid = _orgid(row)
    menu = row.locator("details.row-menu")
    summary = menu.locator("summary")
    _mark_page(page)

    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    view_licensing = menu.get_by_role("menuitem", name="View Licensing")
    expect(view_licensing).to_be_focused()
    page.keyboard.press("Enter")

    panel = page.locator("#customer-panel")
    heading = panel.get_by_role("heading", name=f"{name} · Licensing")
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()  # focus follows the swapped-in panel
    expect(page).to_have_url(re.compile(rf"/customers/{orgid}/licensing$"))
    _assert_same_page(page)


def test_search_as_you_type_narrows_the_table_and_back_restores_it(page: Page):
    """Typing in Search filters the rows in place and pushes ?q=; Back brings the full list back."""
    signed_in(page, PARTNER)
    _dashboard(page)
    rows = page.locator("#customer-table tbody tr")
    names = _customer_names(page)
    searched = _pick(page, VIEWED).split()[0][:4]  # part of a name, typed in lower case
    matching = [name for name in names if searched.lower() in name.lower()]
    assert 0 < len(matching) < len(names), (searched, names)
    _mark_page(page)

    page.get_by_label("Search").press_sequentially(searched.lower())

    expect(page).to_have_url(re.compile(rf"/customers\?(.*&)?q={re.escape(searched.lower())}(&|$)"))
    expect(rows).to_have_count(len(matching))
    for name in matching:
        expect(_row(page, name)).to_be_visible()
    expect(page.locator("#customer-table [role=status]")).to_have_text(
        f"Showing {len(matching)} of {len(names)} customers")
    _assert_same_page(page)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(rows).to_have_count(len(names))
    expect(page.locator("#customer-table [role=status]")).to_have_text(f"{len(names)} customers")
    expect(page.get_by_label("Search")).to_have_value("")
