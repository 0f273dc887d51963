"""Streamed CSV exports through the real server (gunicorn, per-request connections): the body is
read after the view has returned, which the in-process test client cannot show."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from partner_portal.extensions import db
from partner_portal.models import Program, UsageDay

from ..conftest import TEST_PASSWORD
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_entitlement

pytestmark = pytest.mark.committing

FIRST_DAY = date(2000, 1, 1)
DAYS = 9_000  # several of the export's read chunks, and far past any socket buffer


@pytest.fixture
def long_history(portal_server):
    """A customer with DAYS days of usage, connected to a partner; the expected CSV body rows."""
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    partner_user = make_admin(partner)
    customer = make_org("Fabrikam")
    customer_user = make_admin(customer)
    connect(partner, customer)
    entitlement = make_entitlement(customer, start=FIRST_DAY, end=FIRST_DAY + timedelta(days=DAYS + 10))
    rows = [{"entitlement_id": entitlement.id, "day": FIRST_DAY + timedelta(days=n), "assigned": n,
             "newly_assigned": n % 7, "daily_active": n % 11, "monthly_active": n % 13 + 11,
             "peak_concurrent": None if n % 5 else n % 17} for n in range(DAYS)]
    db.session.execute(insert(UsageDay), rows)
    db.session.commit()
    expected = [[r["day"].isoformat(), str(r["assigned"]), str(r["newly_assigned"]), str(r["daily_active"]),
                 str(r["monthly_active"]), "" if r["peak_concurrent"] is None else str(r["peak_concurrent"])]
                for r in rows]
    return {"partner_user": partner_user.email, "customer_user": customer_user.email, "orgid": customer.orgid,
            "entitlement_id": entitlement.id, "expected": expected}


@pytest.mark.parametrize("side", ["partner", "customer"])
def test_history_export_arrives_whole(portal_server, long_history, side):
    web = portal_server.session()
    web.sign_in(long_history[f"{side}_user"], TEST_PASSWORD)
    prefix = f"/customers/{long_history['orgid']}" if side == "partner" else ""
    answer = web.get(f"{prefix}/licensing/{long_history['entitlement_id']}/history.csv")
    assert answer.status == 200
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][0] == "Day", answer.text[:200]
    assert len(rows) - 1 == DAYS, portal_server.log()[-3000:]
    assert rows[1:] == long_history["expected"]


def test_daily_bandwidth_export_arrives_whole(portal_server):
    """The Gateway per-day, per-source export streams the same way (cloud and a site every day)."""
    from ..licensing_factories import make_bandwidth_days

    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    partner_user = make_admin(partner)
    customer = make_org("Fabrikam")
    connect(partner, customer)
    entitlement = make_entitlement(customer, service_code="gateway", start=FIRST_DAY,
                                   end=FIRST_DAY + timedelta(days=DAYS + 10))
    last = FIRST_DAY + timedelta(days=DAYS - 1)
    make_bandwidth_days(entitlement, FIRST_DAY, last, megabytes=1_500)
    make_bandwidth_days(entitlement, FIRST_DAY, last, megabytes=250, site="berlin-dc")
    db.session.commit()
    web = portal_server.session()
    web.sign_in(partner_user.email, TEST_PASSWORD)
    answer = web.get(f"/customers/{customer.orgid}/licensing/{entitlement.id}/history.csv")
    assert answer.status == 200
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["Day", "Source", "Site", "Bandwidth (GB)"], answer.text[:200]
    assert len(rows) - 1 == 2 * DAYS, portal_server.log()[-3000:]
    assert rows[1][0] == FIRST_DAY.isoformat() and rows[-1][0] == last.isoformat()
