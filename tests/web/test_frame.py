"""The frame of a signed-in page (the person with their session, the acting organization, its
programs, the bell): one query for the session and, on full pages, one for the bell, while each
worker's copy of the person's roles matches their frame version; any change to those roles,
organizations or programs, by any statement, changes the version (database triggers), so the next
request sees it."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from partner_portal.extensions import db
from partner_portal.models import Administrator, MembershipStatus, Organization, ProgramMembership, User

from ..factories import make_admin, make_org, make_partner


def _version(user_id: int) -> int:
    return db.session.scalar(select(User.frame_version).where(User.id == user_id))


def test_a_signed_in_page_frame_costs_one_query_and_the_bell(client, login, frame_cache, count_queries):
    partner = make_partner("Northwind")
    user = make_admin(partner)
    make_admin(make_org("Second Org"), user)
    login(user)
    client.get("/")  # the worker copies the roles
    with count_queries() as fragment:
        assert client.get("/customers", headers={"HX-Request": "true", "HX-Target": "customer-table"}).status_code == 200
    with count_queries() as page:
        response = client.get("/customers")
    body = response.get_data(as_text=True)
    assert "Northwind" in body and "Second Org" in body
    # The fragment: the session, then the dashboard's rows (no customers: no services to read);
    # the page adds the bell.
    assert len(fragment) == 2, fragment
    assert len(page) == 3, page


@pytest.mark.parametrize("change", ["new role", "role removed", "permissions", "renamed", "program lapsed"])
def test_every_change_of_the_frame_reaches_the_next_request(client, login, frame_cache, change):
    partner = make_partner("Northwind")
    user = make_admin(partner)
    login(user)
    assert "My Customers" in client.get("/").get_data(as_text=True)
    before = _version(user.id)
    # Written as another worker or a script would: plain SQL, no application code.
    if change == "new role":
        other = make_org("Joined Later")
        db.session.execute(text("INSERT INTO administrator (user_id, organization_id, access, permissions, added_at) "
                                "VALUES (:u, :o, 'full', '', CURRENT_TIMESTAMP)"), {"u": user.id, "o": other.id})
        expected, gone = "Joined Later", None
    elif change == "role removed":
        other = make_org("Left Soon")
        make_admin(other, user)
        db.session.commit()
        assert "Left Soon" in client.get("/").get_data(as_text=True)
        before = _version(user.id)
        db.session.execute(text("DELETE FROM administrator WHERE organization_id = :o"), {"o": other.id})
        expected, gone = "Northwind", "Left Soon"
    elif change == "permissions":
        db.session.execute(update(Administrator).where(Administrator.user_id == user.id)
                           .values(access="custom", permissions=frozenset()))
        expected, gone = "Northwind", "My Customers"
    elif change == "renamed":
        db.session.execute(update(Organization).where(Organization.id == partner.id).values(name="Northwind Renamed"))
        expected, gone = "Northwind Renamed", None
    else:
        db.session.execute(update(ProgramMembership).where(ProgramMembership.organization_id == partner.id)
                           .values(status=MembershipStatus.LAPSED))
        expected, gone = "Northwind", "My Customers"
    db.session.commit()
    assert _version(user.id) != before
    body = client.get("/").get_data(as_text=True)
    assert expected in body
    if gone:
        assert gone not in body


def test_the_copy_is_used_while_the_version_holds(client, login, frame_cache, count_queries):
    user = make_admin(make_partner())
    login(user)
    client.get("/")
    with count_queries() as warm:
        client.get("/")
    # The frame version moves only through the triggers; by hand, it makes the next request reload.
    db.session.execute(update(User).where(User.id == user.id).values(frame_version=User.frame_version + 1))
    db.session.commit()
    with count_queries() as reloaded:
        client.get("/")
    assert len(reloaded) == len(warm) + 1, (warm, reloaded)
