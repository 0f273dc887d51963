"""The demo world shows the insights: a spread of health scores with explanations, a customer in
forecast overage, a tagged group, and a customer that shares only its licensing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.customers.queries import DashboardParams, dashboard_rows
from partner_portal.demo.services import load_demo
from partner_portal.extensions import db
from partner_portal.insights.demo import FORECAST_CUSTOMER, LICENSING_ONLY_CUSTOMER
from partner_portal.models import Administrator, Entitlement, Organization, User


@pytest.fixture
def demo(app, client):
    assert load_demo(only_if_empty=False)
    partner = db.session.scalar(select(Organization).where(Organization.name == "Northwind Cloud Partners"))
    admin = db.session.scalar(select(Administrator).join(User, User.id == Administrator.user_id).where(User.email == "partner@demo.example",
                                                                       Administrator.organization_id == partner.id))
    client.post("/sign-in", data={"email": "partner@demo.example", "password": "demo-partner"})
    return partner, admin


def test_the_dashboard_shows_a_spread_of_scores(app, demo):
    partner, admin = demo
    rows = dashboard_rows(partner.id, admin.id, DashboardParams(), set())
    bands = {row.score.band for row in rows}
    assert bands == {"good", "watch", "at-risk"}
    assert sum(1 for row in rows if row.score.deductions) >= 10


def test_a_customer_is_in_forecast_overage(client, demo):
    litware = db.session.scalar(select(Organization).where(Organization.name == FORECAST_CUSTOMER))
    seats = db.session.scalar(select(Entitlement).where(Entitlement.organization_id == litware.id))
    page = client.get(f"/customers/{litware.orgid}/licensing/{seats.id}").get_data(as_text=True)
    term = page[page.index("End of term"):].split("</tr>")[0]
    assert 'class="expiring"' in term  # an expected overage is shown


def test_a_tagged_group_and_a_customer_sharing_only_licensing(client, demo):
    page = client.get("/customers?tag=renewal-q3").get_data(as_text=True)
    assert "4</strong> of 100" not in page and page.count('class="tag"') >= 4 and FORECAST_CUSTOMER in page
    wide = db.session.scalar(select(Organization).where(Organization.name == LICENSING_ONLY_CUSTOMER))
    page = client.get("/customers").get_data(as_text=True)
    row = page[page.index(f'id="row-{wide.orgid}"'):].split("</tr>")[0]
    assert row.count("Not shared by the customer") == 2 and "health-figure" in row
