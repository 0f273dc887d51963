"""Text people type comes back as text in a real browser: a script, an event-handler attribute and
htmx attributes in a support ticket fire no dialog and make no request, with JavaScript on (htmx
loaded, its CSRF header ready), both on the page the form swaps in and on a fresh load."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import signed_in, work_in

CUSTOMER = ("customer@demo.example", "demo-customer")
CUSTOMER_ORG = "Fabrikam Health"
SUBJECT = '<img src=x onerror="alert(1)"> <b hx-get="/sign-out" hx-trigger="load">bold</b>'
DESCRIPTION = ('<script>alert(2)</script>\n<button hx-post="/sign-out" hx-trigger="load">x</button>\n'
               '<div hx-post="/account/sessions/sign-out-others" hx-trigger="load"></div>{{ 31337*1001 }}')


def test_payloads_in_a_ticket_render_as_text_and_run_nothing(page: Page):
    dialogs, sign_outs = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: sign_outs.append(request.url)
            if request.method == "POST" and "sign-out" in request.url else None)
    signed_in(page, CUSTOMER)
    work_in(page, CUSTOMER_ORG)
    page.goto("/tickets/new")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_role("button", name="Open the ticket").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(SUBJECT)
    for _ in range(2):  # as the form left it, then loaded afresh
        expect(page.locator(".ticket-description")).to_contain_text("<script>alert(2)</script>")
        expect(page.locator(".ticket-description")).to_contain_text("{{ 31337*1001 }}")
        assert page.locator("main img, main script, main [hx-trigger='load']").count() == 0
        page.wait_for_load_state("networkidle")
        page.reload()
    assert dialogs == [] and sign_outs == []
    expect(page.locator("#customer-menu summary")).to_be_visible()  # still signed in
