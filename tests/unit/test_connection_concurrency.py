"""The 100-connection limit and one-connection-per-pair hold under concurrency, against the real
database (SQLite file or PostgreSQL), with real commits from many threads."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.connections.services import ConnectionRefused, accept_invitation
from partner_portal.extensions import db
from partner_portal.models import Administrator, Connection, Organization, User

from ..factories import connect, make_admin, make_org, make_partner
from ..races import OK, race

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def _race(app, attempts: list[tuple[int, int, int]]) -> list[str]:
    """Run accept_invitation for each (partner_id, administrator_id, user_id) at the same moment."""

    def accepting(partner_id: int, admin_id: int, user_id: int):
        def load():
            partner = db.session.get(Organization, partner_id)
            admin = db.session.get(Administrator, admin_id)
            user = db.session.get(User, user_id)
            return lambda: accept_invitation(partner, admin, user)
        return load

    outcomes = race(app, [accepting(*args) for args in attempts], (ConnectionRefused,))
    return ["connected" if outcome == OK else outcome for outcome in outcomes]


def _active(partner_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Connection).where(
        Connection.partner_id == partner_id, Connection.ended_at.is_(None)))


def test_limit_holds_with_20_simultaneous_acceptances(app, committed):
    partner = make_partner()
    for _ in range(95):
        connect(partner, make_org())
    attempts = []
    for _ in range(20):
        customer = make_org()
        user = make_admin(customer)
        admin_id = db.session.scalar(select(Administrator.id).where(Administrator.user_id == user.id))
        attempts.append((partner.id, admin_id, user.id))
    partner_id = partner.id
    db.session.commit()

    outcomes = _race(app, attempts)

    assert outcomes.count("connected") == 5
    refused = [o for o in outcomes if o != "connected"]
    assert len(refused) == 15 and all("reached its limit of 100" in o for o in refused)
    db.session.rollback()  # end the read snapshot taken before the race (SQLite WAL keeps it)
    assert _active(partner_id) == 100


def test_double_clicked_accept_creates_one_connection(app, committed):
    partner = make_partner()
    customer = make_org()
    user = make_admin(customer)
    admin_id = db.session.scalar(select(Administrator.id).where(Administrator.user_id == user.id))
    partner_id, customer_id, user_id = partner.id, customer.id, user.id
    db.session.commit()

    outcomes = _race(app, [(partner_id, admin_id, user_id)] * 8)

    assert outcomes.count("connected") == 1
    assert all("already connected" in o for o in outcomes if o != "connected")
    db.session.rollback()  # end the read snapshot taken before the race (SQLite WAL keeps it)
    assert db.session.scalar(select(func.count()).select_from(Connection).where(
        Connection.partner_id == partner_id, Connection.customer_id == customer_id)) == 1
