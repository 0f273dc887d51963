"""An entitlement's state three ways that must agree: in Python (state), as the SQL CASE
(state_expression) and as one SQL condition per state (state_is, which the dashboard's aggregates
use), for every kind of dates, on the day an entitlement ends and the days around it."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import Entitlement, EntitlementState

from ..factories import make_org
from ..licensing_factories import make_entitlement

TODAY = date(2026, 3, 15)
DAYS = (None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1))


def test_the_three_ways_agree_for_every_kind_of_dates():
    org = make_org("States")
    made = [
        make_entitlement(org, is_trial=is_trial, start=start, end=end)
        for is_trial, start, end in itertools.product((False, True), DAYS, DAYS)
    ]
    expected = {e.id: e.state(TODAY) for e in made}
    assert set(expected.values()) == set(EntitlementState)  # every state is among the cases

    ids = [e.id for e in made]
    by_case = dict(
        db.session.execute(
            select(Entitlement.id, Entitlement.state_expression(TODAY)).where(Entitlement.id.in_(ids))
        ).all()
    )
    assert {i: EntitlementState(v) for i, v in by_case.items()} == expected

    for state in EntitlementState:
        found = set(
            db.session.scalars(
                select(Entitlement.id).where(Entitlement.id.in_(ids), Entitlement.state_is(state, TODAY))
            )
        )
        assert found == {i for i, s in expected.items() if s is state}, state
