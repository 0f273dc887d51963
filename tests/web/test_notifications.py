"""The partner's notification center, My notifications, the bell, Dismiss, Mark all as read,
Assign and Snooze, and who sees what."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, Notification, NotificationSource, NotificationState, NotificationTriage, Organization, Permission,
    Severity, User,
)

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner
from ..notification_factories import admin_id, make_notification, state_of

CENTER_ONLY = [Permission.CUSTOMER_DASHBOARD, Permission.NOTIFICATIONS]
BELL_QUERY = re.compile(r"^\s*SELECT \(SELECT count\(\*\)", re.IGNORECASE)


@dataclass
class Team:
    """A partner with three administrators, two connected customers and a rival's customer."""

    partner: Organization
    me: User
    colleague: User
    dashboard_only: User
    alpha: Organization
    alpha_admin: User
    beta: Organization
    rival: Organization
    rival_admin: User
    stranger: Organization


@pytest.fixture
def team(client) -> Team:
    partner = make_partner("Northwind")
    me = make_admin(partner)
    colleague = make_admin(partner, access=Access.CUSTOM, permissions=CENTER_ONLY)
    dashboard_only = make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD])
    alpha, beta = make_org("Alpha Health"), make_org("Beta Foods")
    alpha_admin = make_admin(alpha)
    make_admin(beta)
    connect(partner, alpha)
    connect(partner, beta)
    rival = make_partner("Rival")
    rival_admin = make_admin(rival)
    stranger = make_org("Stranger Co")
    connect(rival, stranger)
    return Team(partner, me, colleague, dashboard_only, alpha, alpha_admin, beta, rival, rival_admin, stranger)


def _ids(body: str) -> list[int]:
    """Notification ids listed in a page or fragment, in order."""
    return [int(n) for n in re.findall(r'<li id="notification-(\d+)"', body)]


# --- the center -------------------------------------------------------------------------------


def test_center_lists_connected_customers_notifications_newest_first(client, login, team):
    old = make_notification(team.alpha, "Old", hours_ago=30)
    new = make_notification(team.beta, "New", hours_ago=1)
    middle = make_notification(team.alpha, "Middle", hours_ago=5)
    hidden = [make_notification(team.stranger, "Rival's customer"), make_notification(team.partner, "Our own"),
              make_notification(team.alpha, "Everyone's announcement", broadcast=True,
                                source=NotificationSource.ANNOUNCEMENT)]
    login(team.me)
    response = client.get("/notifications")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body and "Customer notifications" in body
    assert _ids(body) == [new.id, middle.id, old.id]
    assert all(f"notification-{note.id}" not in body for note in hidden)
    assert "Alpha Health" in body and "Beta Foods" in body


def test_an_ended_connection_takes_the_customers_notifications_away(client, login, team):
    note = make_notification(team.alpha)
    login(team.me)
    assert _ids(client.get("/notifications").get_data(as_text=True)) == [note.id]
    from partner_portal.models import Connection

    link = db.session.scalar(select(Connection).where(Connection.customer_id == team.alpha.id))
    link.ended_at = link.created_at
    body = client.get("/notifications").get_data(as_text=True)
    assert _ids(body) == [] and f'value="{team.alpha.orgid}"' not in body
    assert client.post(f"/notifications/customers/{note.id}/dismiss").status_code == 404


def test_customer_filter_swaps_the_list_and_works_as_a_plain_get(client, login, team):
    a = make_notification(team.alpha)
    b = make_notification(team.beta)
    login(team.me)
    fragment = client.get(f"/notifications?customer={team.alpha.orgid}",
                          headers=htmx_headers(**{"HX-Target": "notification-list"}))
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="notification-list"')
    assert _ids(body) == [a.id]
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get(f"/notifications?customer={team.beta.orgid}").get_data(as_text=True)
    assert "<html" in page and _ids(page) == [b.id]
    assert f'<option value="{team.beta.orgid}" selected>' in page


def test_history_restore_gets_the_full_page(client, login, team):
    login(team.me)
    response = client.get(f"/notifications?customer={team.alpha.orgid}", headers=htmx_headers(
        **{"HX-History-Restore-Request": "true", "HX-Target": "notification-list"}))
    assert "<html" in response.get_data(as_text=True)


def test_severity_and_assigned_to_me_filters(client, login, team):
    critical = make_notification(team.alpha, severity=Severity.CRITICAL)
    info = make_notification(team.beta)
    login(team.me)
    assert _ids(client.get("/notifications?severity=critical").get_data(as_text=True)) == [critical.id]
    db.session.add(NotificationTriage(partner_id=team.partner.id, notification_id=info.id, snooze_reason="",
                                      assignee_id=admin_id(team.me, team.partner)))
    assert _ids(client.get("/notifications?show=mine").get_data(as_text=True)) == [info.id]


@pytest.mark.parametrize("query, message", [
    ("severity=apocalyptic", "Choose a severity from the list"),
    ("customer=9999999999", "That customer is not one of your connected customers"),
    ("customer=STRANGER", "That customer is not one of your connected customers"),
    ("show=everything", "Choose what to show from the list"),
])
def test_unknown_filters_are_refused_with_a_message(client, login, team, query, message):
    note = make_notification(team.alpha)
    login(team.me)
    query = query.replace("STRANGER", team.stranger.orgid)
    response = client.get(f"/notifications?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert _ids(body) == [note.id]  # the bad filter is dropped, not guessed at


def test_the_center_needs_a_partner_the_dashboard_and_notifications(client, login, team):
    login(team.dashboard_only)
    assert client.get("/notifications").status_code == 403
    assert client.get("/notifications/mine").status_code == 200
    login(team.alpha_admin)
    assert client.get("/notifications").status_code == 403
    login(team.colleague)
    assert client.get("/notifications").status_code == 200


def test_query_count_does_not_grow_with_rows_or_customers(client, login, team, count_queries):
    login(team.me)
    make_notification(team.alpha)
    client.get("/notifications")
    with count_queries() as small:
        assert client.get("/notifications").status_code == 200
    for n in range(30):
        customer = make_org(f"Customer {n}")
        connect(team.partner, customer)
        for _ in range(3):
            note = make_notification(customer, severity=Severity.WARNING)
        db.session.add(NotificationTriage(partner_id=team.partner.id, notification_id=note.id, snooze_reason="",
                                          assignee_id=admin_id(team.colleague, team.partner)))
    db.session.commit()
    with count_queries() as large:
        body = client.get("/notifications").get_data(as_text=True)
    assert len(_ids(body)) == 25 and "Older" in body
    assert len(small) == len(large), (len(small), len(large))
    assert len(large) <= 9, large


def test_the_bell_costs_one_query_on_a_full_page_and_none_on_fragments(client, login, team, count_queries):
    make_notification(team.alpha)
    login(team.me)
    client.get("/notifications")
    with count_queries() as page:
        client.get("/notifications")
    with count_queries() as fragment:
        client.get("/notifications?severity=info", headers=htmx_headers(**{"HX-Target": "notification-list"}))
    assert len([s for s in page if BELL_QUERY.match(s)]) == 1
    assert not [s for s in fragment if BELL_QUERY.match(s)]


# --- the bell -------------------------------------------------------------------------------


def _bell(client) -> int:
    match = re.search(r'aria-label="Notifications, (\d+) unread"', client.get("/").get_data(as_text=True))
    return int(match[1])


def test_the_bell_counts_what_this_administrator_has_not_read(client, login, team):
    make_notification(team.partner, "Ours")
    customer_note = make_notification(team.alpha)
    make_notification(team.beta)
    make_notification(team.stranger)
    login(team.me)
    assert _bell(client) == 3
    login(team.dashboard_only)  # no center: the organization's own only
    assert _bell(client) == 1
    login(team.me)
    response = client.post(f"/notifications/customers/{customer_note.id}/open",
                           headers=htmx_headers(**{"HX-Target": f"notification-{customer_note.id}"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li id="notification-{customer_note.id}"')
    assert 'id="bell" hx-swap-oob="true"' in body and 'aria-label="Notifications, 2 unread"' in body
    assert _bell(client) == 2
    login(team.colleague)  # read for me, not for my colleague
    assert _bell(client) == 3


def test_the_bells_mark_all_as_read_covers_what_it_counts_and_comes_back(client, login, team):
    make_notification(team.partner)
    make_notification(team.alpha)
    login(team.me)
    response = client.post("/notifications/read-all", data={"next": "/customers?q=a"})
    assert response.status_code == 303 and response.headers["Location"] == "/customers?q=a"
    assert _bell(client) == 0
    login(team.colleague)
    assert _bell(client) == 2
    evil = client.post("/notifications/read-all", data={"next": "https://evil.example/"})
    assert evil.headers["Location"] == "/notifications/mine"


def test_the_bell_stops_counting_at_99_plus_and_lists_at_their_cap(client, login, team, monkeypatch):
    for _ in range(101):
        make_notification(team.partner)
    login(team.me)
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="Notifications, 99+ unread"' in page and '<span class="count" id="unread-count">99+</span>' in page
    monkeypatch.setattr("partner_portal.notifications.queries.TOTAL_CAP", 30)
    body = client.get("/notifications/mine?page=2").get_data(as_text=True)
    assert "26–50 of 30+" in body and len(_ids(body)) == 25 and ">Older</a>" in body and ">Newer</a>" in body
    last = client.get("/notifications/mine?page=5").get_data(as_text=True)
    assert len(_ids(last)) == 1 and ">Older</a>" not in last


def test_bell_menu_offers_the_center_to_those_who_open_it(client, login, team):
    login(team.me)
    page = client.get("/").get_data(as_text=True)
    assert "My Customers</p>" in page and ">View all notifications</a>" in page and ">My notifications</a>" in page
    login(team.alpha_admin)
    page = client.get("/").get_data(as_text=True)
    assert "View all notifications" not in page and ">My notifications</a>" in page


# --- open, dismiss, mark all as read ------------------------------------------------------------


def test_opening_marks_read_and_showing_never_writes(client, login, team):
    note = make_notification(team.alpha, "Connector offline", body="It stopped reporting.")
    login(team.me)
    page = client.get(f"/notifications/customers/{note.id}")
    assert page.status_code == 200 and "It stopped reporting." in page.get_data(as_text=True)
    assert state_of(team.me, team.partner, note) is None
    response = client.post(f"/notifications/customers/{note.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == f"/notifications/customers/{note.id}"
    assert state_of(team.me, team.partner, note).read_at is not None
    again = client.post(f"/notifications/customers/{note.id}/open")
    assert again.status_code == 303


def test_dismiss_hides_it_for_this_administrator_only(client, login, team):
    note = make_notification(team.alpha, "Subscription ends soon")
    other = make_notification(team.alpha)
    login(team.me)
    response = client.post(f"/notifications/customers/{note.id}/dismiss",
                           data={"customer": team.alpha.orgid},
                           headers=htmx_headers(**{"HX-Target": "notification-list"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="notification-list"')
    assert _ids(body) == [other.id] and 'id="bell" hx-swap-oob="true"' in body
    assert _ids(client.get("/notifications").get_data(as_text=True)) == [other.id]
    dashboard = client.get("/customers").get_data(as_text=True)
    assert '<span class="pill">1</span>' in dashboard
    login(team.colleague)
    assert _ids(client.get("/notifications").get_data(as_text=True)) == [other.id, note.id]
    assert '<span class="pill">2</span>' in client.get("/customers").get_data(as_text=True)
    login(team.alpha_admin)
    mine = client.get("/notifications/mine").get_data(as_text=True)
    assert note.id in _ids(mine) and "Subscription ends soon" in mine


def test_dismiss_without_javascript_goes_back_to_the_filtered_list(client, login, team):
    note = make_notification(team.alpha)
    login(team.me)
    response = client.post(f"/notifications/customers/{note.id}/dismiss",
                           data={"customer": team.alpha.orgid, "severity": "info"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/notifications?customer={team.alpha.orgid}&severity=info"


def test_the_customers_own_dismissal_leaves_the_partner_alone(client, login, team):
    note = make_notification(team.alpha)
    login(team.alpha_admin)
    assert client.post(f"/notifications/mine/{note.id}/dismiss").status_code == 303
    assert _ids(client.get("/notifications/mine").get_data(as_text=True)) == []
    login(team.me)
    assert _ids(client.get("/notifications").get_data(as_text=True)) == [note.id]


def test_dismiss_all_takes_the_filter_and_only_what_the_page_showed(client, login, team):
    a1, a2 = make_notification(team.alpha, hours_ago=2), make_notification(team.alpha, hours_ago=1)
    b = make_notification(team.beta)
    login(team.me)
    page = client.get(f"/notifications?customer={team.alpha.orgid}").get_data(as_text=True)
    upto = int(re.search(r'name="upto" value="(\d+)"', page)[1])
    late = make_notification(team.alpha, "Arrived after the page was shown")
    response = client.post("/notifications/customers/dismiss-all", data={"customer": team.alpha.orgid, "upto": upto},
                           headers=htmx_headers(**{"HX-Target": "notification-list"}))
    assert _ids(response.get_data(as_text=True)) == [late.id]
    assert {n for n in _ids(client.get("/notifications").get_data(as_text=True))} == {late.id, b.id}
    assert state_of(team.me, team.partner, a1).dismissed_at and state_of(team.me, team.partner, a2).dismissed_at
    assert state_of(team.colleague, team.partner, a1) is None


def test_mark_all_as_read_in_the_center_takes_the_filter(client, login, team):
    a = make_notification(team.alpha, severity=Severity.WARNING)
    b = make_notification(team.beta, severity=Severity.INFO)
    login(team.me)
    newest = max(a.id, b.id)
    response = client.post("/notifications/customers/read-all", data={"severity": "warning", "upto": newest})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications?severity=warning"
    assert state_of(team.me, team.partner, a).read_at and state_of(team.me, team.partner, b) is None
    assert state_of(team.me, team.partner, a).dismissed_at is None


def test_list_actions_refuse_a_bad_filter_and_write_nothing(client, login, team):
    make_notification(team.alpha)
    login(team.me)
    for action in ("dismiss-all", "read-all"):
        response = client.post(f"/notifications/customers/{action}",
                               data={"customer": team.stranger.orgid, "upto": 10**6})
        assert response.status_code == 422
        assert "That customer is not one of your connected customers" in response.get_data(as_text=True)
        assert client.post(f"/notifications/customers/{action}", data={"upto": "lots"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(NotificationState)) == 0


def test_my_notifications_lists_the_organizations_own_and_messages_to_me(client, login, team):
    ours = make_notification(team.partner, "Ours")
    to_me = make_notification(team.partner, "For me", recipient_id=admin_id(team.me, team.partner))
    to_colleague = make_notification(team.partner, "For my colleague",
                                     recipient_id=admin_id(team.colleague, team.partner))
    make_notification(team.alpha)
    login(team.me)
    body = client.get("/notifications/mine").get_data(as_text=True)
    assert set(_ids(body)) == {ours.id, to_me.id}
    assert client.get(f"/notifications/mine/{to_colleague.id}").status_code == 404
    assert client.post(f"/notifications/mine/{to_colleague.id}/open").status_code == 404
    fragment = client.get("/notifications/mine?severity=info", headers=htmx_headers(**{"HX-Target": "notification-list"}))
    assert "<html" not in fragment.get_data(as_text=True)


def test_my_notifications_mark_all_as_read(client, login, team):
    notes = [make_notification(team.alpha) for _ in range(3)]
    login(team.alpha_admin)
    response = client.post("/notifications/mine/read-all", data={"upto": notes[-1].id},
                           headers=htmx_headers(**{"HX-Target": "notification-list"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and len(_ids(body)) == 3 and 'class="unread-tag"' not in body
    assert all(state_of(team.alpha_admin, team.alpha, n).read_at for n in notes)


# --- another organization's notification: 404 everywhere ------------------------------------------


@pytest.mark.parametrize("action", ["", "/open", "/dismiss", "/assign", "/snooze", "/unsnooze"])
def test_another_organizations_notification_is_a_404(client, login, team, action):
    theirs = make_notification(team.stranger)
    ours = make_notification(team.partner)
    login(team.me)
    method = client.get if action == "" else client.post
    data = {} if action == "" else {"assignee": str(admin_id(team.colleague, team.partner)),
                                    "until": (date.today() + timedelta(days=3)).isoformat(), "reason": "x"}
    assert method(f"/notifications/customers/{theirs.id}{action}", data=data).status_code == 404
    # The partner's own notification is not a customer's: not in the center's scope either.
    assert method(f"/notifications/customers/{ours.id}{action}", data=data).status_code == 404
    if action in ("", "/open", "/dismiss"):
        assert method(f"/notifications/mine/{theirs.id}{action}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(NotificationState)) == 0
    assert db.session.scalar(select(func.count()).select_from(NotificationTriage)) == 0


@pytest.mark.parametrize("path", ["/notifications/customers/{id}/open", "/notifications/customers/{id}/dismiss",
                                  "/notifications/customers/{id}/assign", "/notifications/customers/{id}/snooze",
                                  "/notifications/customers/dismiss-all", "/notifications/read-all"])
def test_changes_need_the_csrf_token(client, login, team, path):
    note = make_notification(team.alpha)
    login(team.me)
    response = client.post(path.format(id=note.id), data={"upto": note.id}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(NotificationState)) == 0


# --- triage -------------------------------------------------------------------------------------


def test_assign_to_a_colleague_notifies_them_alone(client, login, team):
    note = make_notification(team.alpha, "Connector offline")
    login(team.me)
    colleague_admin = admin_id(team.colleague, team.partner)
    response = client.post(f"/notifications/customers/{note.id}/assign", data={"assignee": colleague_admin, "in_list": "1"},
                           headers=htmx_headers(**{"HX-Target": f"notification-{note.id}"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<li id="notification-{note.id}"')
    assert f"Assigned to {team.colleague.email}" in body
    triage = db.session.scalar(select(NotificationTriage))
    assert triage.assignee_id == colleague_admin and triage.assigned_by_id == team.me.id
    notice = db.session.scalar(select(Notification).where(Notification.source == NotificationSource.ASSIGNMENT))
    assert notice.recipient_id == colleague_admin and "Alpha Health" in notice.title
    assert notice.link == f"/notifications/customers/{note.id}"
    assert notice.id not in _ids(client.get("/notifications/mine").get_data(as_text=True))
    login(team.colleague)
    assert notice.id in _ids(client.get("/notifications/mine").get_data(as_text=True))
    assert _ids(client.get("/notifications?show=mine").get_data(as_text=True)) == [note.id]
    login(team.dashboard_only)
    assert notice.id not in _ids(client.get("/notifications/mine").get_data(as_text=True))


def test_assigning_to_myself_or_again_sends_no_notice(client, login, team):
    note = make_notification(team.alpha)
    login(team.me)
    mine = admin_id(team.me, team.partner)
    assert client.post(f"/notifications/customers/{note.id}/assign", data={"assignee": mine}).status_code == 303
    colleague_admin = admin_id(team.colleague, team.partner)
    for _ in range(2):
        client.post(f"/notifications/customers/{note.id}/assign", data={"assignee": colleague_admin})
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.source == NotificationSource.ASSIGNMENT)) == 1
    response = client.post(f"/notifications/customers/{note.id}/assign", data={"assignee": ""})
    assert response.status_code == 303
    assert db.session.scalar(select(NotificationTriage.assignee_id)) is None


@pytest.mark.parametrize("who", ["rival", "dashboard_only", "customer", "nonsense"])
def test_assigning_outside_the_partners_center_users_is_refused(client, login, team, who):
    note = make_notification(team.alpha)
    login(team.me)
    assignee = {"rival": lambda: admin_id(team.rival_admin, team.rival),
                "dashboard_only": lambda: admin_id(team.dashboard_only, team.partner),
                "customer": lambda: admin_id(team.alpha_admin, team.alpha), "nonsense": lambda: "12abc"}[who]()
    response = client.post(f"/notifications/customers/{note.id}/assign", data={"assignee": assignee},
                           headers=htmx_headers(**{"HX-Target": f"notification-{note.id}"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a colleague from your organization who can open the notification center." in body
    assert 'aria-invalid="true"' in body and "<details class=\"menu triage\" open>" in body
    assert db.session.scalar(select(func.count()).select_from(NotificationTriage)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_assignment_refused_without_javascript_shows_the_page_with_the_message(client, login, team):
    note = make_notification(team.alpha)
    login(team.me)
    response = client.post(f"/notifications/customers/{note.id}/assign",
                           data={"assignee": admin_id(team.rival_admin, team.rival)})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in body and "Choose a colleague" in body


def test_snooze_hides_it_from_the_team_until_the_date(client, login, team):
    note = make_notification(team.alpha)
    other = make_notification(team.beta)
    login(team.me)
    until = date.today() + timedelta(days=7)
    response = client.post(f"/notifications/customers/{note.id}/snooze",
                           data={"until": until.isoformat(), "reason": "Renewal is on its way", "next": "/notifications"})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert _ids(client.get("/notifications").get_data(as_text=True)) == [other.id]
    snoozed = client.get("/notifications?show=snoozed").get_data(as_text=True)
    assert _ids(snoozed) == [note.id] and "Renewal is on its way" in snoozed and "Unsnooze" in snoozed
    assert '<span class="pill">' not in client.get("/customers").get_data(as_text=True).split(team.alpha.orgid)[1].split("</tr>")[0]
    login(team.colleague)
    assert _ids(client.get("/notifications").get_data(as_text=True)) == [other.id]
    # On its date it is back.
    db.session.execute(NotificationTriage.__table__.update().values(snoozed_until=date.today()))
    assert set(_ids(client.get("/notifications").get_data(as_text=True))) == {note.id, other.id}


def test_unsnooze_shows_it_again(client, login, team):
    note = make_notification(team.alpha)
    login(team.me)
    client.post(f"/notifications/customers/{note.id}/snooze",
                data={"until": (date.today() + timedelta(days=2)).isoformat(), "reason": "Later"})
    response = client.post(f"/notifications/customers/{note.id}/unsnooze",
                           headers=htmx_headers(**{"HX-Target": f"notification-{note.id}"}))
    assert response.status_code == 200 and "Snoozed until" not in response.get_data(as_text=True)
    assert _ids(client.get("/notifications").get_data(as_text=True)) == [note.id]


@pytest.mark.parametrize("until, reason, message", [
    (-1, "Too late", "Choose a date after today"),
    (0, "Today", "Choose a date after today"),
    (400, "Much later", "Snooze for a year at most."),
    (None, "No date", "Choose the date until which to snooze it."),
    ("31/12/2030", "Wrong format", "Enter a date such as 2030-01-31."),
    (3, "   ", "Say why, so your colleagues know."),
    (3, "x" * 201, "Use at most 200 characters."),
])
def test_bad_snoozes_are_refused_with_a_message(client, login, team, until, reason, message):
    note = make_notification(team.alpha)
    login(team.me)
    if isinstance(until, int):
        until = (date.today() + timedelta(days=until)).isoformat()
    response = client.post(f"/notifications/customers/{note.id}/snooze", data={"until": until or "", "reason": reason},
                           headers=htmx_headers(**{"HX-Target": f"notification-{note.id}"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body, body
    assert db.session.scalar(select(func.count()).select_from(NotificationTriage)) == 0


def test_the_customer_never_sees_the_partners_triage(client, login, team):
    note = make_notification(team.alpha, "Connector offline")
    login(team.me)
    client.post(f"/notifications/customers/{note.id}/assign", data={"assignee": admin_id(team.colleague, team.partner)})
    client.post(f"/notifications/customers/{note.id}/snooze",
                data={"until": (date.today() + timedelta(days=2)).isoformat(), "reason": "Secret partner plan"})
    login(team.alpha_admin)
    for page in (client.get("/notifications/mine"), client.get(f"/notifications/mine/{note.id}")):
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and "Connector offline" in body
        assert "Secret partner plan" not in body and team.colleague.email not in body and "Snooze" not in body
        assert "Assign" not in body


# --- the dashboard's counts -----------------------------------------------------------------------


def test_dashboard_unread_counts_link_to_the_filtered_center(client, login, team):
    make_notification(team.alpha)
    login(team.me)
    page = client.get("/customers").get_data(as_text=True)
    assert f'href="/notifications?customer={team.alpha.orgid}"' in page
    login(team.dashboard_only)
    page = client.get("/customers").get_data(as_text=True)
    assert '<span class="pill">1</span>' in page and "/notifications?customer=" not in page


def test_csv_export_counts_unread_for_this_administrator(client, login, team):
    note = make_notification(team.alpha)
    make_notification(team.alpha)
    login(team.me)
    client.post(f"/notifications/customers/{note.id}/open")

    def unread_of_alpha() -> str:
        text = client.get("/customers/export.csv").get_data(as_text=True).lstrip("\ufeff")
        return next(row for row in csv.DictReader(io.StringIO(text)) if row["ORGID"] == team.alpha.orgid)[
            "Unread notifications"]

    assert unread_of_alpha() == "1"
    login(team.colleague)
    assert unread_of_alpha() == "2"
