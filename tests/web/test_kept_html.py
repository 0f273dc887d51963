"""Kept HTML through the app: the page frame's navigation and customer menu, and the dashboard's
rows, are kept per worker (web/fragments.py) and never show what is no longer true; every response
carries its own CSRF token in them; and a page is the same, byte for byte, kept or not."""
from __future__ import annotations

import re

from sqlalchemy import text, update

from partner_portal.extensions import db
from partner_portal.models import Access, CustomerTag, Notification, Organization, Permission, Tenancy, User

from ..factories import make_admin
from .test_customers import partner_setup, services  # noqa: F401 (fixtures)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _row(page: str, orgid: str) -> str:
    return page[page.index(f'id="row-{orgid}"'):].split("</tr>")[0]


def _tokens(page: str) -> set[str]:
    return set(TOKEN.findall(page)) | set(re.findall(r'"X-CSRFToken": "([^"]+)"', page))


def pages_without_token(client, paths: list[str]) -> list[str]:
    """Each page as served now, its one CSRF token replaced by TOKEN (so two requests compare)."""
    found = []
    for path in paths:
        page = client.get(path).get_data(as_text=True)
        (token,) = _tokens(page)
        found.append(page.replace(token, "TOKEN"))
    return found


def test_a_kept_row_is_drawn_again_when_what_it_shows_changes(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    first = _row(client.get("/customers").get_data(as_text=True), alpha.orgid)
    assert "Alpha Health" in first and '<span class="pill">2</span>' in first
    assert _row(client.get("/customers").get_data(as_text=True), alpha.orgid) == first  # kept
    # Written as another worker or a script would: no application code is told.
    db.session.execute(update(Organization).where(Organization.id == alpha.id).values(name="Alpha Renamed"))
    db.session.add(Notification(organization_id=alpha.id, title="Three"))
    db.session.commit()
    row = _row(client.get("/customers").get_data(as_text=True), alpha.orgid)
    assert "Alpha Renamed" in row and "Alpha Health" not in row
    assert '<span class="pill">3</span>' in row


def page_of(client, path="/customers") -> str:
    return client.get(path).get_data(as_text=True)


def test_kept_rows_follow_the_viewers_rights_and_language(client, login, partner_setup):
    partner, user, alpha, beta = partner_setup
    assert "Remove Customer Connection" in _row(page_of(client), beta.orgid)
    assert '<option value="add-tag">' in page_of(client)
    # View only, with the notification center: the same links in the row, no Remove.
    viewer = make_admin(partner, access=Access.CUSTOM,
                        permissions=[Permission.CUSTOMER_DASHBOARD, Permission.NOTIFICATIONS])
    login(viewer)
    row = _row(client.get("/customers").get_data(as_text=True), beta.orgid)
    assert "Beta Foods" in row and "Remove Customer Connection" not in row
    assert '<option value="add-tag">' not in page_of(client)  # the bulk bar: export only
    assert "/notifications?customer=" in _row(client.get("/customers").get_data(as_text=True), alpha.orgid)
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD]))
    row = _row(client.get("/customers").get_data(as_text=True), alpha.orgid)
    assert '<span class="pill">2</span>' in row and "/notifications?customer=" not in row
    german = _row(client.get("/customers", headers={"Accept-Language": "de"}).get_data(as_text=True), beta.orgid)
    assert "Lizenzierung anzeigen" in german and "View Licensing" not in german


def test_tag_links_in_a_kept_row_keep_the_pages_search(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    db.session.add(CustomerTag(partner_id=partner.id, customer_id=alpha.id, label="blue"))
    db.session.commit()
    for sort in ("orgid", "tickets"):
        row = _row(client.get(f"/customers?sort={sort}").get_data(as_text=True), alpha.orgid)
        (link,) = re.findall(r'class="tag" href="([^"]+)"', row)
        assert "tag=blue" in link and f"sort={sort}" in link, link


def test_every_response_carries_its_own_token_in_kept_html(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    make_admin(beta, db.session.get(User, user.id))  # Access Customer Account: a form in beta's row
    client.get("/customers")
    page = client.get("/customers").get_data(as_text=True)  # the rows and the frame come kept
    tokens = _tokens(page)
    assert len(tokens) == 1 and "csrf-mark" not in page
    row_token = TOKEN.search(_row(page, beta.orgid)).group(1)
    # The form works without JavaScript: its own field carries the token, no header.
    response = client.post(f"/account/switch/{beta.id}", data={"csrf_token": row_token}, csrf=False)
    assert response.status_code == 303


def test_the_frame_follows_the_person(client, partner_setup):
    partner, user, alpha, beta = partner_setup
    assert "Signed in as" in client.get("/").get_data(as_text=True)
    db.session.execute(text("UPDATE user_account SET email = 'renamed@northwind.example' WHERE id = :u"), {"u": user.id})
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "renamed@northwind.example" in page
    # The current page's link is marked in the kept navigation.
    assert re.search(r'href="/customers" aria-current="page"', client.get("/customers").get_data(as_text=True))
    assert not re.search(r'href="/customers" aria-current="page"', client.get("/").get_data(as_text=True))


def test_a_page_is_the_same_kept_or_not(app, client, partner_setup, monkeypatch):
    partner, user, alpha, beta = partner_setup
    db.session.execute(update(Organization).where(Organization.id == beta.id).values(tenancy=Tenancy.MULTI))
    paths = ["/", "/customers", "/customers?sort=tickets&dir=desc", "/customers?tenancy=multi-tenant&sort=orgid"]

    pages_without_token(client, paths)
    kept = pages_without_token(client, paths)
    monkeypatch.setitem(app.config, "HTML_CACHE", False)
    assert pages_without_token(client, paths) == kept


def test_the_bell_follows_its_count_and_the_page(client, partner_setup):
    from ..notification_factories import make_notification

    partner, user, alpha, beta = partner_setup

    def bell(path):
        page = client.get(path).get_data(as_text=True)
        return page[page.index('id="bell"'):].split("</details>")[0]

    before = re.search(r'Notifications, (\d+) unread', bell("/")).group(1)
    make_notification(partner)
    db.session.commit()
    after = bell("/")
    assert f"Notifications, {int(before) + 1} unread" in after
    # Mark all as read comes back to the page the bell sits on.
    assert 'name="next" value="/customers?sort=name"' in bell("/customers?sort=name")
    assert 'name="next" value="/"' in bell("/")
