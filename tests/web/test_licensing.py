"""Licensing pages: Usage summary, View Usage Trend, exports; partner and customer views."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from partner_portal.extensions import db
from partner_portal.models import Access, LicenseAssignment, Permission, Program, Tenancy

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_entitlement, make_usage_days

TODAY = date.today()


@pytest.fixture
def world(client, login):
    """A partner (signed in) connected to a customer with 400 days of DaaS usage."""
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    partner_user = make_admin(partner)
    customer = make_org("Fabrikam", tenancy=Tenancy.MULTI)
    customer_user = make_admin(customer)
    connect(partner, customer)
    daas = make_entitlement(customer, "daas-user", license_count=100, start=TODAY - timedelta(days=500),
                            end=TODAY + timedelta(days=60))
    make_usage_days(daas, TODAY - timedelta(days=399), TODAY, assigned=120, daily_active=40, monthly_active=90)
    gateway = make_entitlement(customer, "gateway", license_count=500)
    db.session.add(LicenseAssignment(entitlement_id=daas.id, holder="secret.person@fabrikam.example",
                                     assigned_on=TODAY - timedelta(days=30)))
    db.session.flush()
    login(partner_user)
    return {"partner": partner, "customer": customer, "customer_user": customer_user, "daas": daas,
            "gateway": gateway, "partner_user": partner_user}


def test_usage_summary_per_service(client, world):
    orgid = world["customer"].orgid
    page = client.get(f"/customers/{orgid}/licensing").get_data(as_text=True)
    row = page[page.index("usage-summary"):].split("</tr>", 2)[1]
    assert "DaaS (user/device)" in row
    assert ">120<" in row and "100" in row and "120 %" in row and "health-red" in row
    assert "Expires within 90 days" in row
    assert ">90<" in row and ">40<" in row  # monthly and daily active users
    assert "View Overage Chart" in page and "Gateway service" not in row  # bandwidth apart, not as licenses
    assert f'/customers/{orgid}/licensing/{world["daas"].id}"' in page  # View Usage Trend link


def test_summary_export_matches_the_page(client, world):
    orgid = world["customer"].orgid
    response = client.get(f"/customers/{orgid}/licensing/export.csv")
    assert response.mimetype == "text/csv"
    assert re.search(r'filename="fabrikam_licensing-summary_\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["Service", "Unit", "Purchased", "Assigned", "Assigned of purchased"]
    assert rows[1][:7] == ["DaaS (user/device)", "users", "100", "120", "120 %", "0", "20"]
    assert len(rows) == 2


def test_trend_fragment_full_page_and_history_restore(client, world):
    orgid, daas = world["customer"].orgid, world["daas"]
    url = f"/customers/{orgid}/licensing/{daas.id}"
    fragment = client.get(url, headers=htmx_headers(**{"HX-Target": "customer-panel"})).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="customer-panel"') and "<html" not in fragment
    for key in ("ratio", "monthly-active-users", "daily-active-users", "license-assignments", "active-use",
                "overage"):
        assert f'id="chart-{key}"' in fragment
    # One entitlement: consumption would repeat License assignments, so it says so instead.
    assert 'id="chart-consumption-title"' in fragment and 'id="chart-consumption"' not in fragment
    assert "One entitlement: its consumption is the Cumulative assigned line" in fragment
    assert "data-chart=" in fragment and "<script" not in fragment
    full = client.get(url).get_data(as_text=True)
    assert "<html" in full and 'id="chart-overage"' in full
    restored = client.get(url, headers=htmx_headers(**{"HX-History-Restore-Request": "true"})).get_data(as_text=True)
    assert "<html" in restored


def test_trend_chart_export_equals_the_data_table(client, world):
    orgid, daas = world["customer"].orgid, world["daas"]
    page = client.get(f"/customers/{orgid}/licensing/{daas.id}").get_data(as_text=True)
    table_html = page[page.index('id="chart-overage"'):].split("</table>")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table_html)
    rows = list(csv.reader(io.StringIO(client.get(f"/customers/{orgid}/licensing/{daas.id}/overage.csv").get_data(as_text=True))))
    assert rows[0] == ["Month", "Purchased", "Assigned", "Within purchased", "Overage"]
    assert [cell for row in rows[1:] for cell in row] == cells
    assert rows[-1][1:] == ["100", "120", "100", "20"]  # the overage, apart from the purchased part
    assert len(rows) == 13  # 12 months


def test_daily_history_export_streams_every_day(client, world):
    orgid, daas = world["customer"].orgid, world["daas"]
    response = client.get(f"/customers/{orgid}/licensing/{daas.id}/history.csv")
    assert "Content-Length" not in response.headers  # streamed, not built in memory
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 401 and rows[-1][0] == TODAY.isoformat()


def test_partner_never_sees_individual_users(client, world):
    orgid, daas = world["customer"].orgid, world["daas"]
    urls = (
        f"/customers/{orgid}/licensing", f"/customers/{orgid}/licensing/{daas.id}", f"/customers/{orgid}",
        f"/customers/{orgid}/licensing/export.csv", f"/customers/{orgid}/licensing/{daas.id}/history.csv",
        f"/customers/{orgid}/licensing/{daas.id}/ratio.csv", "/customers", "/customers/export.csv")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "secret.person" not in response.get_data(as_text=True)
    # The assignment list belongs to the customer's own pages, which a partner can't reach.
    assert client.get(f"/licensing/{daas.id}/assignments").status_code == 404


def test_customer_admin_sees_own_licensing_and_assignments(client, login, world):
    client.post("/sign-out")
    login(world["customer_user"])
    daas = world["daas"]
    assert "120 %" in client.get("/licensing").get_data(as_text=True)
    assert 'id="chart-ratio"' in client.get(f"/licensing/{daas.id}").get_data(as_text=True)
    assert "secret.person@fabrikam.example" in client.get(f"/licensing/{daas.id}/assignments").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/licensing/export.csv").get_data(as_text=True))))
    assert rows[1][0] == "DaaS (user/device)"


def test_service_provider_reaches_customer_licensing_through_access_customer_account(client, world):
    make_admin(world["customer"], world["partner_user"])
    assert client.post(f"/account/switch/{world['customer'].id}").status_code == 303
    assert "120 %" in client.get("/licensing").get_data(as_text=True)
    assert client.get("/licensing/export.csv").status_code == 200


def test_other_tenants_entitlements_are_404(client, world):
    orgid = world["customer"].orgid
    stranger = make_org("Stranger")
    theirs = make_entitlement(stranger, "daas-user")
    rival = make_partner("Rival")
    connect(rival, stranger)
    for url in (f"/customers/{orgid}/licensing/{theirs.id}", f"/customers/{orgid}/licensing/{theirs.id}/ratio.csv",
                f"/customers/{orgid}/licensing/{theirs.id}/history.csv", f"/customers/{stranger.orgid}/licensing",
                f"/customers/{stranger.orgid}/licensing/{theirs.id}", f"/customers/{stranger.orgid}/licensing/export.csv",
                f"/licensing/{theirs.id}", f"/licensing/{theirs.id}/assignments",
                f"/customers/{orgid}/licensing/{world['daas'].id}/no-such-chart.csv"):
        assert client.get(url).status_code == 404, url


def test_permissions(client, login, world):
    client.post("/sign-out")
    partner, customer = world["partner"], world["customer"]
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD]))
    assert client.get(f"/customers/{customer.orgid}/licensing").status_code == 200
    client.post("/sign-out")
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.NOTIFICATIONS]))
    assert client.get(f"/customers/{customer.orgid}/licensing").status_code == 403
    assert client.get(f"/customers/{customer.orgid}/licensing/{world['daas'].id}").status_code == 403
    assert client.get("/licensing").status_code == 403


def test_empty_states(client, world):
    empty = make_org("Empty Co")
    connect(world["partner"], empty)
    fresh = make_entitlement(empty, "secure-private-access", start=TODAY, end=TODAY + timedelta(days=300))
    page = client.get(f"/customers/{empty.orgid}/licensing/{fresh.id}").get_data(as_text=True)
    assert "No usage recorded in the last 12 months." in page
    assert "No usage recorded in the last 30 days." in page


@pytest.mark.parametrize("kind", ["summary", "trend"])
def test_query_count_is_constant(client, world, count_queries, kind):
    customer = world["customer"]
    if kind == "summary":
        url = f"/customers/{customer.orgid}/licensing"
    else:
        url = f"/customers/{customer.orgid}/licensing/{world['daas'].id}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    for index in range(8):
        extra = make_entitlement(customer, "daas-user", license_count=10 + index, start=TODAY - timedelta(days=800))
        make_usage_days(extra, TODAY - timedelta(days=700), TODAY, assigned=5)
    with count_queries() as after:
        client.get(url)
    assert len(before) == len(after), (len(before), len(after))


def test_a_chart_export_reads_only_what_its_chart_needs(client, world, count_queries):
    orgid, daas = world["customer"].orgid, world["daas"]
    url = f"/customers/{orgid}/licensing/{daas.id}"
    client.get(f"{url}/overage.csv")
    with count_queries() as one_chart:
        client.get(f"{url}/overage.csv")
    with count_queries() as whole_trend:
        client.get(url)
    # The overage export needs this entitlement's monthly series only; the page reads the daily
    # series and every entitlement of the service (its own months among them), and the bell.
    assert len(whole_trend) - len(one_chart) >= 2, (len(one_chart), len(whole_trend))
