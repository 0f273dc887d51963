"""Forecast and What if on the usage trend pages: the table, the in-place recompute, the plain
GET fallback, bad input, nothing written, and tenancy."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from partner_portal.extensions import db
from partner_portal.models import Program, Tenancy

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_bandwidth_days, make_entitlement, make_usage, make_usage_days

TODAY = date.today()


@pytest.fixture
def world(client, login):
    """A partner (signed in) and a customer whose assigned licenses grow by one a day (60 → 149
    over 90 days) against 150 purchased, and a monthly Gateway entitlement."""
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    user = make_admin(partner)
    customer = make_org("Fabrikam", tenancy=Tenancy.MULTI)
    customer_user = make_admin(customer)
    connect(partner, customer)
    seats = make_entitlement(customer, license_count=150, licenses_assigned=149, start=TODAY - timedelta(days=400),
                             end=TODAY + timedelta(days=100))
    for offset in range(90):
        make_usage(seats, TODAY - timedelta(days=89 - offset), assigned=60 + offset, daily_active=10)
    from partner_portal.models import Term
    gateway = make_entitlement(customer, "gateway", license_count=1, term=Term.MONTHLY,
                               start=TODAY - timedelta(days=400), end=TODAY + timedelta(days=400))
    make_bandwidth_days(gateway, TODAY - timedelta(days=89), TODAY, 100)
    db.session.flush()
    login(user)
    return {"customer": customer, "seats": seats, "gateway": gateway, "customer_user": customer_user}


def _url(world, key="seats"):
    return f"/customers/{world['customer'].orgid}/licensing/{world[key].id}"


def test_the_trend_page_shows_the_forecast(client, world):
    page = client.get(_url(world)).get_data(as_text=True)
    assert 'id="what-if"' in page and "End of this month" in page and "End of term" in page
    # One more a day: at the end of term (100 days ahead) about 249 assigned, 99 over the 150.
    term_row = page[page.index("End of term"):].split("</tr>")[0]
    assert ">249<" in term_row and ">99<" in term_row
    assert 'id="chart-forecast"' in page and "one residual standard error" in page


def test_what_if_recomputes_in_place_without_writing(client, world, count_queries):
    with count_queries() as queries:
        response = client.get(_url(world) + "?add=150", headers=htmx_headers(**{"HX-Target": "what-if"}))
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith("<section id=\"what-if\"")  # the fragment alone
    assert "Forecast with +150 licenses" in fragment
    term_row = fragment[fragment.index("End of term"):].split("</tr>")[0]
    assert ">300<" in term_row and term_row.rstrip().endswith("<td class=\"num\">0</td>")
    # Health before and after: over-assignment by nothing, but 149 of 300 leaves 50 % unused.
    assert "Health score" in fragment and "→" in fragment
    assert not [q for q in queries if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    db.session.expire_all()
    assert world["seats"].license_count == 150


def test_what_if_plain_get_renders_the_whole_page(client, world):
    page = client.get(_url(world) + "?add=10").get_data(as_text=True)
    assert "<html" in page and "Forecast with +10 licenses" in page and 'value="10"' in page


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "100001"])
def test_what_if_refuses_bad_numbers(client, world, value):
    response = client.get(_url(world) + f"?add={value}", headers=htmx_headers(**{"HX-Target": "what-if"}))
    assert response.status_code == 422
    assert "Enter a whole number from 0 to 100,000." in response.get_data(as_text=True)


def test_bandwidth_what_if_adds_gigabytes(client, world):
    page = client.get(_url(world, "gateway")).get_data(as_text=True)
    month_row = page[page.index("End of this month"):].split("</tr>")[0]
    # 100 MB a day all month long against a 1 GB allotment.
    days = (TODAY.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    expected_mb = days.day * 100
    assert f">{expected_mb / 1000:g} GB<" in month_row
    fragment = client.get(_url(world, "gateway") + "?add_gb=5",
                          headers=htmx_headers(**{"HX-Target": "what-if"})).get_data(as_text=True)
    assert "Forecast with +5 GB" in fragment
    month_row = fragment[fragment.index("End of this month"):].split("</tr>")[0]
    assert ">6 GB<" in month_row and month_row.rstrip().endswith("<td class=\"num\">0</td>")


def test_the_customer_sees_its_own_forecast_without_a_score(client, login, world):
    login(world["customer_user"])
    page = client.get(f"/licensing/{world['seats'].id}?add=5").get_data(as_text=True)
    assert "Forecast with +5 licenses" in page and "Health score" not in page


def test_another_partners_customer_is_a_404(client, world):
    other = make_org("Elsewhere")
    seats = make_entitlement(other)
    db.session.flush()
    assert client.get(f"/customers/{other.orgid}/licensing/{seats.id}?add=5").status_code == 404
