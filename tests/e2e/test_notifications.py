"""Notifications in a real browser: the bell's count as notifications are read, View all
notifications and its customer drop-down, Dismiss for one administrator only, Assign and Snooze,
and a customer's support ticket on the partner's dashboard.

The live server is shared by the session. These tests change notification state only (each reads
the counts it compares at its start) and Fabrikam Health's tickets; other tests remove and restore
Fabrikam Health's connection to the partner, so the tests that need it connect it again first.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import BrowserContext, Locator, Page, expect

from .conftest import signed_in, work_in
from .test_licensing import _connect_fabrikam_if_removed

PARTNER = ("partner@demo.example", "demo-partner")
VIEWER = ("viewer@demo.example", "demo-viewer")
CUSTOMER = ("customer@demo.example", "demo-customer")
CUSTOMER_ORG = "Fabrikam Health"
ROW_ID = re.compile(r"^notification-(\d+)$")


def _mark_page(page: Page) -> None:
    """Put a marker on window: a full page load drops it, an htmx swap keeps it."""
    page.evaluate("window.__marker = 42")


def _assert_same_page(page: Page) -> None:
    """The marker set by _mark_page is still there (no reload happened)."""
    assert page.evaluate("window.__marker") == 42


def _bell_count(page: Page) -> int:
    """The bell's unread count, from its accessible name."""
    label = page.locator("#bell summary").get_attribute("aria-label")
    return int(re.fullmatch(r"Notifications, (\d+) unread", label)[1])


def _rows(page: Page) -> Locator:
    return page.locator("#notification-list li.notification")


def _row_id(row: Locator) -> str:
    row_id = row.get_attribute("id")
    assert ROW_ID.match(row_id or ""), row_id
    return row_id


def _view_all_from_the_bell(page: Page) -> None:
    """Bell → My Customers → View all notifications."""
    page.locator("#bell summary").click()
    menu = page.locator("#bell .menu-panel")
    expect(menu.get_by_text("My Customers", exact=True)).to_be_visible()
    menu.get_by_role("menuitem", name="View all notifications").click()
    expect(page.get_by_role("heading", name="Customer notifications", level=1)).to_be_visible()
    expect(_rows(page).first).to_be_visible()


def _customer_orgid(customer: Page) -> str:
    """Fabrikam Health's ORGID, as its administrator's customer menu shows it."""
    work_in(customer, CUSTOMER_ORG)
    return customer.locator("#customer-menu [data-orgid]").text_content().strip()


def _both_sides(page: Page, new_context) -> tuple[Page, str]:
    """`page` signed in as the partner and a second browser as Fabrikam Health's administrator,
    connected; returns the customer's page and Fabrikam Health's ORGID."""
    signed_in(page, PARTNER)
    customer = new_context().new_page()
    signed_in(customer, CUSTOMER)
    orgid = _customer_orgid(customer)
    _connect_fabrikam_if_removed(page, customer, orgid)
    return customer, orgid


def test_the_bell_count_goes_down_as_notifications_are_read(page: Page):
    """Opening an unread notification in View all notifications lowers the bell at once, and for good."""
    signed_in(page, PARTNER)
    _view_all_from_the_bell(page)
    before = _bell_count(page)
    assert before > 1
    _mark_page(page)
    for step in (1, 2):
        row = page.locator("#notification-list li.notification.unread").first
        row_id = _row_id(row)
        row.locator(".notification-open").click()
        opened = page.locator(f"#{row_id}")
        expect(opened).not_to_have_class(re.compile(r"\bunread\b"))
        expect(opened.locator(".notification-title")).to_be_visible()  # its text shows
        expect(page.locator("#bell summary")).to_have_attribute("aria-label", f"Notifications, {before - step} unread")
    _assert_same_page(page)
    page.reload()
    assert _bell_count(page) == before - 2


def test_the_customer_drop_down_filters_without_a_reload_and_pushes_the_url(page: Page):
    """Choosing a customer swaps the list in place; the URL can be bookmarked; Back restores all."""
    signed_in(page, PARTNER)
    _view_all_from_the_bell(page)
    names = set(page.locator("#notification-list .notification-customer").all_inner_texts())
    assert len(names) > 1, names
    name = sorted(names - {CUSTOMER_ORG})[0]
    select = page.get_by_label("Customer", exact=True)
    orgid = select.locator("option", has_text=name).first.get_attribute("value")
    _mark_page(page)

    select.select_option(orgid)

    expect(page).to_have_url(re.compile(rf"/notifications\?customer={orgid}"))
    expect(page.locator("#notification-list .notification-customer").first).to_have_text(name)
    assert set(page.locator("#notification-list .notification-customer").all_inner_texts()) == {name}
    _assert_same_page(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect(page.locator("#notification-list .notification-customer", has_text=CUSTOMER_ORG).first).to_be_attached()


def test_the_customer_filter_works_without_javascript(new_context):
    """With JavaScript off the filters are a plain GET form with an Apply button."""
    context: BrowserContext = new_context(java_script_enabled=False)
    page = context.new_page()
    signed_in(page, PARTNER)
    page.goto("/notifications")
    select = page.get_by_label("Customer", exact=True)
    option = select.locator("option").nth(1)
    name, orgid = option.inner_text().strip(), option.get_attribute("value")
    select.select_option(orgid)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(rf"customer={orgid}"))
    customers = page.locator("#notification-list .notification-customer")
    assert set(customers.all_inner_texts()) <= {name}


def test_dismiss_hides_it_for_this_administrator_while_the_customer_still_sees_it(page: Page, new_context):
    """Dismiss removes the row without a reload; Fabrikam Health's administrator still has it."""
    customer, orgid = _both_sides(page, new_context)
    page.goto(f"/notifications?customer={orgid}")
    rows = _rows(page)
    expect(rows.first).to_be_visible()
    row_id = _row_id(rows.first)
    _mark_page(page)

    rows.first.get_by_role("button", name=re.compile(r"^Dismiss")).click()

    expect(page.locator(f"#{row_id}")).to_have_count(0)
    _assert_same_page(page)
    page.reload()
    expect(page.locator("#notification-list")).to_be_visible()
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    customer.goto("/notifications/mine")
    expect(customer.locator(f"#{row_id}")).to_be_visible()


def test_assign_to_a_colleague_and_snooze_until_a_date(page: Page, new_context):
    """Assign shows the colleague on the row and tells them; Snooze hides the row until its date."""
    signed_in(page, PARTNER)
    page.goto("/notifications")
    row = _rows(page).filter(has_not=page.locator(".triage-state")).first
    row_id = _row_id(row)
    title = row.locator(".notification-open").inner_text().strip()
    customer_name = row.locator(".notification-customer").inner_text().strip()
    _mark_page(page)

    row.locator("summary", has_text="Assign").click()
    assignee = row.get_by_label("Assign to")
    assignee.select_option(assignee.locator("option", has_text="viewer@demo.example").get_attribute("value"))
    row.get_by_role("button", name="Assign", exact=True).click()
    row = page.locator(f"#{row_id}")
    expect(row.locator(".triage-state")).to_have_text(re.compile("Assigned to viewer@demo.example"))

    until = date.today() + timedelta(days=3)
    row.locator("summary", has_text="Snooze").click()
    row.get_by_label("Snooze until").fill(until.isoformat())
    row.get_by_label("Reason").fill("Waiting for the renewal order")
    row.get_by_role("button", name="Snooze", exact=True).click()
    expect(page.locator(f"#{row_id} .triage-state")).to_contain_text("Snoozed until")
    _assert_same_page(page)

    page.goto("/notifications")
    expect(_rows(page).first).to_be_visible()
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    page.get_by_label("Show").select_option("snoozed")
    expect(page.locator(f"#{row_id}")).to_contain_text("Waiting for the renewal order")

    colleague = new_context().new_page()
    signed_in(colleague, VIEWER)
    colleague.goto("/notifications/mine")
    notice = colleague.locator("#notification-list li.notification",
                               has_text=f"assigned you a notification of {customer_name}").first
    expect(notice).to_be_visible()
    notice.locator(".notification-open").click()
    expect(colleague.locator(".notification-body").first).to_contain_text(title)


def test_a_ticket_opened_by_the_customer_raises_the_dashboards_count(page: Page, new_context):
    """Support Tickets → Open a ticket as Fabrikam Health: the partner's dashboard counts one more."""
    customer, orgid = _both_sides(page, new_context)
    page.goto("/customers")
    cell = page.locator(f"#row-{orgid} td.num").nth(1)
    before = int(cell.inner_text())
    total = int(page.locator("#open-tickets-total").inner_text())

    customer.get_by_role("link", name="Support Tickets").click()
    customer.get_by_role("link", name="Open a ticket").click()
    customer.get_by_label("Subject").fill("Printing from published apps fails")
    customer.get_by_label("Description").fill("Since this morning nobody can print.")
    customer.get_by_label("High").check()
    customer.get_by_role("button", name="Open the ticket").click()
    expect(customer.locator("#flashes")).to_contain_text(re.compile(r"Ticket #\d+ is open\."))

    page.reload()
    expect(page.locator(f"#row-{orgid} td.num").nth(1)).to_have_text(str(before + 1))
    expect(page.locator("#open-tickets-total")).to_have_text(str(total + 1))
    assert "Printing from published apps fails" not in page.content()
