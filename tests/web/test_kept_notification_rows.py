"""Kept notification rows (notifications/rows.py): a list shows what is true now after every kind
of change a row shows (read, assigned, snoozed, a colleague to assign to, the list's filters and
page), each response carries its own CSRF token, and a list is the same, byte for byte, kept or not."""
from __future__ import annotations

import re
from datetime import date, timedelta

from partner_portal.extensions import db
from partner_portal.models import Access, Notification

from ..factories import make_admin
from ..notification_factories import admin_id, make_notification
from .test_kept_html import TOKEN, _tokens, pages_without_token
from .test_notifications import CENTER_ONLY, team  # noqa: F401 (fixture)


def _row(page: str, note_id: int) -> str:
    return page[page.index(f'<li id="notification-{note_id}"'):].split("</li>")[0]


def _center(client, query: str = "") -> str:
    client.get(f"/notifications{query}")  # the rows are kept by the first request
    return client.get(f"/notifications{query}").get_data(as_text=True)


def test_a_kept_row_shows_each_change(client, login, team):
    note = make_notification(team.alpha, "Connector offline")
    login(team.me)
    assert "Unread" in _row(_center(client), note.id)
    client.post(f"/notifications/customers/{note.id}/open")
    assert "Unread" not in _row(_center(client), note.id)
    client.post(f"/notifications/customers/{note.id}/assign",
                data={"assignee": admin_id(team.colleague, team.partner)})
    assert f"Assigned to {team.colleague.email}" in _row(_center(client), note.id)
    until = date.today() + timedelta(days=5)
    client.post(f"/notifications/customers/{note.id}/snooze", data={"until": until.isoformat(), "reason": "Later on"})
    assert "Later on" in _row(_center(client, "?show=snoozed"), note.id)
    db.session.execute(Notification.__table__.update().where(Notification.id == note.id).values(title="Back online"))
    db.session.commit()
    assert "Back online" in _row(_center(client, "?show=snoozed"), note.id)


def test_assign_offers_a_new_colleague_in_kept_rows(client, login, team):
    note = make_notification(team.alpha)
    login(team.me)
    before = _row(_center(client), note.id)
    newcomer = make_admin(team.partner, access=Access.CUSTOM, permissions=CENTER_ONLY)
    db.session.commit()
    after = _row(_center(client), note.id)
    assert newcomer.email not in before and newcomer.email in after


def test_kept_row_forms_carry_the_lists_filters_and_a_fresh_token(client, login, team):
    note = make_notification(team.alpha)
    login(team.me)
    plain = _row(_center(client), note.id)
    filtered_page = _center(client, f"?customer={team.alpha.orgid}")
    filtered = _row(filtered_page, note.id)
    assert 'name="customer"' not in plain
    assert f'name="customer" value="{team.alpha.orgid}"' in filtered
    assert "csrf-mark" not in filtered_page and len(_tokens(filtered_page)) == 1
    # Without JavaScript a kept row's Dismiss posts with its own field's token and comes back filtered.
    token = TOKEN.search(filtered).group(1)
    answer = client.post(f"/notifications/customers/{note.id}/dismiss",
                         data={"csrf_token": token, "customer": team.alpha.orgid}, csrf=False)
    assert answer.status_code == 303 and f"customer={team.alpha.orgid}" in answer.headers["Location"]


def test_a_list_is_the_same_kept_or_not(app, client, login, team, monkeypatch):
    for n in range(4):
        make_notification(team.alpha if n % 2 else team.beta, f"Notice {n}")
    make_notification(team.partner, "Our own")
    login(team.me)
    client.post(f"/notifications/customers/{make_notification(team.alpha).id}/assign",
                data={"assignee": admin_id(team.colleague, team.partner)})
    paths = ["/notifications", f"/notifications?customer={team.beta.orgid}", "/notifications?severity=info",
             "/notifications/mine"]

    pages_without_token(client, paths)
    kept = pages_without_token(client, paths)
    assert all(re.search(r'<li id="notification-\d+"', page) for page in kept)
    monkeypatch.setitem(app.config, "HTML_CACHE", False)
    assert pages_without_token(client, paths) == kept


def test_snooze_in_a_kept_row_starts_from_today(client, login, team, monkeypatch):
    from partner_portal.notifications import views

    note = make_notification(team.alpha)
    login(team.me)
    today = date.today()
    assert f'min="{today.isoformat()}"' in _row(_center(client), note.id)

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return today + timedelta(days=1)

    monkeypatch.setattr(views, "date", Tomorrow)
    assert f'min="{(today + timedelta(days=1)).isoformat()}"' in _row(_center(client), note.id)
