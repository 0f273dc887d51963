"""Simultaneous allocations through the real server (gunicorn, 4 workers, a connection per
request) on SQLite and PostgreSQL: never more allocated than was bought, and no 5xx."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import Allocation

from ..allocation_factories import make_order
from ..conftest import TEST_PASSWORD
from ..factories import make_admin, make_partner

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def _at_once(sessions, path, data_for):
    """POST from every session at the same moment; return the responses."""
    barrier = threading.Barrier(len(sessions))

    def send(numbered):
        n, web = numbered
        barrier.wait(timeout=30)
        return web.post(path, data_for(n))

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        return list(pool.map(send, enumerate(sessions)))


@pytest.mark.parametrize("requests, quantity, bought, succeed", [(16, 1, 10, 10), (8, 3, 10, 3)])
def test_simultaneous_allocations_never_exceed_what_was_bought(portal_server, requests, quantity, bought, succeed):
    partner = make_partner("Northwind", primary=True)
    make_order(partner, bought)
    users = [make_admin(partner) for _ in range(requests)]
    orgid, partner_id = partner.orgid, partner.id
    db.session.commit()
    sessions = []
    for user in users:
        web = portal_server.session()
        web.sign_in(user.email, TEST_PASSWORD)
        sessions.append(web)

    answers = _at_once(sessions, "/licenses/allocate",
                       lambda n: {"account": orgid, "product": "daas-user", "quantity": str(quantity)})

    statuses = sorted(a.status for a in answers)
    assert statuses == [303] * succeed + [422] * (requests - succeed), (statuses, portal_server.log()[-3000:])
    assert all("left to allocate" in a.text or "already allocated" in a.text for a in answers if a.status == 422)
    db.session.rollback()
    allocated = db.session.scalar(select(func.sum(Allocation.quantity)).where(Allocation.partner_id == partner_id))
    assert allocated == succeed * quantity <= bought
