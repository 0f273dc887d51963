"""The expiry calendar feed: make, show once, revoke; what a partner's and a customer's feed
list; all-day events with stable UIDs that follow a changed date; tenancy."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar

from partner_portal.extensions import db
from partner_portal.models import Access, CalendarFeed, Permission, Program

from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement

TODAY = date.today()


@pytest.fixture
def world(client, login):
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    user = make_admin(partner)
    customer = make_org("Fabrikam")
    customer_user = make_admin(customer)
    connect(partner, customer)
    stranger = make_org("Elsewhere")
    paid = make_entitlement(customer, license_count=40, start=TODAY - timedelta(days=300), end=TODAY + timedelta(days=20))
    trial = make_entitlement(customer, "gateway", is_trial=True, start=TODAY - timedelta(days=5),
                             end=TODAY + timedelta(days=25))
    make_entitlement(customer, "endpoint-management", is_trial=True, start=None, end=None)  # pending: no date
    make_entitlement(stranger, start=TODAY - timedelta(days=10), end=TODAY + timedelta(days=9))
    make_entitlement(partner, "secure-private-access", start=TODAY - timedelta(days=10), end=TODAY + timedelta(days=60))
    db.session.flush()
    login(user)
    return {"partner": partner, "user": user, "customer": customer, "customer_user": customer_user,
            "paid": paid, "trial": trial}


def _make_url(client) -> str:
    page = client.post("/account/calendar").get_data(as_text=True)
    return re.search(r'value="(http[^"]+\.ics)"', page).group(1)


def _events(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return {str(e["uid"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_account_settings_offers_the_feed(client, world):
    page = client.get("/account/settings").get_data(as_text=True)
    assert "Expiry calendar" in page and "Make a calendar address" in page


def test_a_partner_feed_lists_own_and_connected_customers_expiries(client, world):
    url = _make_url(client)
    events = _events(client, url)
    paid = events[f"entitlement-{world['paid'].id}-end@partner-portal"]
    assert paid.decoded("dtstart") == world["paid"].end_date
    assert paid.decoded("dtend") == world["paid"].end_date + timedelta(days=1)  # all day
    assert str(paid["summary"]) == "Fabrikam: DaaS (user/device) ends"
    trial = events[f"entitlement-{world['trial'].id}-end@partner-portal"]
    assert str(trial["summary"]) == "Fabrikam: Gateway service trial ends"
    assert len(events) == 3  # the two of Fabrikam and the partner's own; nothing of Elsewhere, no pending trial
    assert any(str(e["summary"]) == "Secure Private Access ends" for e in events.values())


def test_a_changed_date_moves_the_same_event(client, world):
    url = _make_url(client)
    uid = f"entitlement-{world['paid'].id}-end@partner-portal"
    world["paid"].end_date = TODAY + timedelta(days=50)
    db.session.flush()
    assert _events(client, url)[uid].decoded("dtstart") == TODAY + timedelta(days=50)


def test_the_url_is_shown_once_stored_hashed_and_revocable(client, world):
    url = _make_url(client)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.query(CalendarFeed).one()
    assert token not in stored.token_hash
    page = client.get("/account/settings").get_data(as_text=True)
    assert token not in page and "A calendar address is active since" in page
    newer = _make_url(client)
    assert client.get(url).status_code == 404  # a new address replaces the old one
    client.post("/account/calendar/revoke")
    assert client.get(newer).status_code == 404


def test_a_customer_feed_lists_only_its_own(client, login, world):
    login(world["customer_user"])
    events = _events(client, _make_url(client))
    assert {str(e["summary"]) for e in events.values()} == {"DaaS (user/device) ends", "Gateway service trial ends"}


def test_an_administrator_without_the_dashboard_gets_only_their_own(client, login, world):
    limited = make_admin(world["partner"], make_user(), access=Access.CUSTOM, permissions=[Permission.LICENSING])
    login(limited)
    events = _events(client, _make_url(client))
    assert [str(e["summary"]) for e in events.values()] == ["Secure Private Access ends"]


def test_a_disconnected_customer_leaves_the_feed(client, world):
    from partner_portal.models import Connection

    url = _make_url(client)
    connection = db.session.query(Connection).filter_by(customer_id=world["customer"].id).one()
    connection.ended_at = connection.created_at
    db.session.flush()
    assert len(_events(client, url)) == 1


@pytest.mark.parametrize("path", ["/account/calendar", "/account/calendar/revoke"])
def test_making_and_revoking_need_csrf(client, world, path):
    assert client.post(path, csrf=False).status_code == 400
    assert db.session.query(CalendarFeed).count() == 0


def test_an_unknown_token_is_a_404(client):
    assert client.get("/calendar/nothing-here.ics").status_code == 404
