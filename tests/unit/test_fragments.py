"""Kept HTML (web/fragments.py, customers/rows.py, notifications/rows.py): the store's bounds and
order, the CSRF marker, and the keys of a dashboard row and a notification row, which must change
with every field the row shows."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from partner_portal.connections import sharing
from partner_portal.customers.queries import CustomerRow, ServiceState
from partner_portal.customers.rows import row_key
from partner_portal.notifications.queries import NotificationRow
from partner_portal.notifications.rows import row_key as notification_row_key
from partner_portal.insights.health import HealthInputs
from partner_portal.models import EntitlementState, Tenancy
from partner_portal.web.fragments import CSRF_MARK, HtmlStore, finish


def test_the_store_keeps_at_most_its_size_and_drops_the_least_recently_used():
    store = HtmlStore(2)
    renders = []

    def render(text):
        return lambda: renders.append(text) or text

    assert store.get("a", render("A")) == "A"
    assert store.get("b", render("B")) == "B"
    assert store.get("a", render("A again")) == "A"  # kept: not rendered again
    store.get("c", render("C"))  # full: "b" was used least recently
    assert len(store) == 2
    assert store.get("a", render("A3")) == "A"
    assert store.get("b", render("B2")) == "B2"
    assert renders == ["A", "B", "C", "B2"]
    assert (store.hits, store.misses) == (2, 4)


def test_finish_puts_the_token_where_the_marker_stands(app):
    with app.test_request_context("/"):
        html = finish(f'<input name="csrf_token" value="{CSRF_MARK}"><input value="{CSRF_MARK}">')
        assert CSRF_MARK not in html
        token = html.split('value="')[1].split('"')[0]
        assert token and html.count(token) == 2


def _row() -> CustomerRow:
    return CustomerRow(
        org_id=7, orgid="ORG7", name="Alpha", tenancy=Tenancy.SINGLE, connected_since=datetime(2026, 1, 2, 3, 4),
        contact="a@example.org", purchased=10, assigned=5, expiring_on=date(2027, 1, 1), unread=2, open_tickets=1,
        services=[ServiceState("Desktop", EntitlementState.ACTIVE)], can_access_account=False,
        health_inputs=HealthInputs(purchased=10, assigned=5), tags=["blue"],
        shares=dict.fromkeys(sharing.SCOPES, True),
    )


# Another value for every field of CustomerRow: a field added without a key part fails here.
OTHER_VALUES = {
    "org_id": 8,
    "orgid": "ORG8",
    "name": "Alpha Renamed",
    "tenancy": Tenancy.MULTI,
    "connected_since": datetime(2026, 1, 2, 3, 5),
    "contact": "b@example.org",
    "purchased": 11,
    "assigned": 6,
    "expiring_on": date(2027, 1, 2),
    "unread": 3,
    "open_tickets": 0,
    "services": [ServiceState("Desktop", EntitlementState.EXPIRED)],
    "can_access_account": True,
    "health_inputs": HealthInputs(purchased=10, assigned=5, critical_unread=1),
    "tags": ["blue", "green"],
    "shares": {**dict.fromkeys(sharing.SCOPES, True), sharing.TICKETS: False},
}


def test_every_field_of_a_dashboard_row_is_in_its_key():
    assert set(OTHER_VALUES) == {f.name for f in dataclasses.fields(CustomerRow)}
    base = row_key(_row())
    assert hash(base) is not None
    for name, value in OTHER_VALUES.items():
        changed = dataclasses.replace(_row(), **{name: value})
        assert row_key(changed) != base, name


@pytest.mark.parametrize("field", ["services", "tags", "shares"])
def test_a_change_inside_a_list_or_mapping_changes_the_key(field):
    row = _row()
    base = row_key(row)
    if field == "services":
        row.services[0].name = "Gateway"
    elif field == "tags":
        row.tags.append("red")
    else:
        row.shares[sharing.LICENSING] = False
    assert row_key(row) != base


def _notification_row(**changes):
    from partner_portal.models import NotificationSource, Severity

    row = NotificationRow(
        id=7, severity=Severity.INFO, title="Connector offline", body="Since 09:00", raw_link="/licensing",
        source=NotificationSource.SERVICE, created_at=datetime(2026, 11, 2, 9, 30), unread=True,
        customer_name="Alpha Health", customer_orgid="90000000001", assignee_id=3, assignee_label="a@example.com",
        snoozed_until=date(2026, 12, 1), snooze_reason="Waiting", assigned_to_me=False, is_snoozed=True,
        extra=(40, 12),
    )
    return dataclasses.replace(row, **changes)


NOTIFICATION_CHANGES = {
    "id": 8, "severity": "critical", "title": "Connector back", "body": "", "raw_link": "https://x.example",
    "source": "licensing", "created_at": datetime(2026, 11, 2, 9, 31), "unread": False, "customer_name": "Beta",
    "customer_orgid": None, "assignee_id": 4, "assignee_label": "b@example.com", "snoozed_until": None,
    "snooze_reason": "", "assigned_to_me": True, "is_snoozed": False,
}


def test_every_field_a_notification_row_shows_is_in_its_key():
    # Every field but `extra` (the list's figures, which the row does not show).
    assert set(NOTIFICATION_CHANGES) == {f.name for f in dataclasses.fields(NotificationRow)} - {"extra"}
    base = notification_row_key(_notification_row())
    assert hash(base) is not None
    for name, value in NOTIFICATION_CHANGES.items():
        assert notification_row_key(_notification_row(**{name: value})) != base, name
    assert notification_row_key(_notification_row(extra=(41, 12))) == base
