"""The demo world shows license allocation, the Partner Support Center, the operator console and
the activity log: the operator signs in to the console, the demo partner has licenses left to
allocate, allocations and requests in every state, and log entries."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.allocation.queries import products
from partner_portal.demo.services import load_demo
from partner_portal.extensions import db
from partner_portal.models import (
    ActivityEntry, Administrator, Allocation, AllocationStatus, Organization, RequestStatus, SupportRequest, User,
)


@pytest.fixture
def demo_world(app):
    """The demo world, loaded in the test's transaction."""
    assert load_demo(only_if_empty=False)
    return db.session.scalar(select(Organization).where(Organization.name == "Northwind Cloud Partners"))


def test_the_demo_world_exercises_allocation_support_and_the_log(app, client, demo_world):
    partner = demo_world
    operator = db.session.scalar(select(User).where(User.email == "operator@demo.example"))
    assert operator.is_operator
    assert db.session.scalar(select(func.count()).select_from(Administrator).where(
        Administrator.user_id == operator.id)) == 0
    lines = products(partner.id, app.config["ALLOCATION_CUTOVER"])
    assert lines and all(line.to_allocate > 0 for line in lines)
    statuses = set(db.session.scalars(select(Allocation.status).where(Allocation.partner_id == partner.id)))
    assert statuses == set(AllocationStatus)
    requests = set(db.session.scalars(select(SupportRequest.status).where(SupportRequest.partner_id == partner.id)))
    assert requests == set(RequestStatus)
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry).where(
        ActivityEntry.organization_id == partner.id)) >= 10

    response = client.post("/sign-in", data={"email": "operator@demo.example", "password": "demo-operator"})
    assert response.status_code == 303
    assert client.get("/").headers["Location"] == "/operator"
    assert "Harborview Clinics" in client.get("/operator").get_data(as_text=True)
