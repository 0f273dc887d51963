"""Gateway bandwidth pages: the Gateway summary on the Usage tab, View Usage Trend of a Gateway
entitlement (monthly, or pooled billing periods), the per-site view, View Overage Chart and the
CSV exports; partner and customer views, isolation, permissions, bad query strings, query counts."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from partner_portal.licensing.math import add_months, month_start
from partner_portal.models import Access, Permission, Program, Term

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_bandwidth_days, make_entitlement, make_usage_days

TODAY = date.today()
THIS_MONTH = month_start(TODAY)
DAYS_THIS_MONTH = TODAY.day
GB = 1000


def gb(megabytes: int) -> str:
    """Megabytes as the pages write gigabytes."""
    return f"{megabytes // GB}.{megabytes % GB:03d}"


def cells(html: str, marker: str) -> list[list[str]]:
    """The rows (header row first) of the first table after `marker`, as the page writes them."""
    table = html[html.index(marker):].split("</table>")[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV response."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def world(client, login):
    """A partner (signed in) connected to a customer with a Gateway entitlement of every kind.

    This month: the monthly one (100 users, 100 GB) used 5 GB a day from the cloud; the trial
    (50 GB pool) 6 GB a day at site ams-dc1. The annual one (120 users, in its second billing
    year) used 2 GB a day from the cloud and 1 GB a day at each of two sites; the termed one
    nothing yet.
    """
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    partner_user = make_admin(partner)
    customer = make_org("Fabrikam")
    customer_user = make_admin(customer)
    connect(partner, customer)
    monthly = make_entitlement(customer, "gateway", license_count=100, term=Term.MONTHLY,
                               start=add_months(THIS_MONTH, -4), end=TODAY + timedelta(days=300))
    make_bandwidth_days(monthly, THIS_MONTH, TODAY, 5000)
    make_bandwidth_days(monthly, add_months(THIS_MONTH, -2), add_months(THIS_MONTH, -1) - timedelta(days=1), 4000)
    annual_start = TODAY - timedelta(days=400)
    annual = make_entitlement(customer, "gateway", license_count=120, term=Term.ANNUAL, start=annual_start,
                              end=annual_start + timedelta(days=729))
    make_bandwidth_days(annual, annual_start, TODAY, 2000)
    make_bandwidth_days(annual, annual_start, TODAY, 1000, site="ams-dc1")
    make_bandwidth_days(annual, annual_start, TODAY, 1000, site="fra-dc2")
    termed = make_entitlement(customer, "gateway", license_count=10, term=Term.TERMED, start=TODAY - timedelta(days=30),
                              end=TODAY + timedelta(days=1000))
    trial = make_entitlement(customer, "gateway", license_count=25, term=Term.MONTHLY, is_trial=True,
                             start=THIS_MONTH - timedelta(days=20), end=THIS_MONTH + timedelta(days=39))
    make_bandwidth_days(trial, THIS_MONTH, TODAY, 6000, site="ams-dc1")
    daas = make_entitlement(customer, "daas-user", license_count=50, start=TODAY - timedelta(days=100))
    make_usage_days(daas, TODAY - timedelta(days=10), TODAY, assigned=40)
    login(partner_user)
    return {"partner": partner, "partner_user": partner_user, "customer": customer, "customer_user": customer_user,
            "monthly": monthly, "annual": annual, "termed": termed, "trial": trial, "daas": daas}


def partner_url(world, path: str = "") -> str:
    """A URL under the customer's licensing, seen by the partner."""
    return f"/customers/{world['customer'].orgid}/licensing{path}"


# --- the Gateway summary ----------------------------------------------------------------------------


def test_gateway_summary_per_term_and_in_total(client, world):
    page = client.get(partner_url(world)).get_data(as_text=True)
    assert "Gateway service" in page and "View Overage Chart" in page
    rows = {row[0]: row[1:] for row in cells(page, "gateway-summary")[1:]}
    days = DAYS_THIS_MONTH
    monthly_used, trial_used = 5000 * days, 6000 * days
    annual_days = (TODAY - (TODAY - timedelta(days=400) + timedelta(days=365))).days + 1  # the second year so far
    annual_cloud, annual_sites = 2000 * annual_days, 2000 * annual_days
    assert rows["Monthly"] == ["1", gb(monthly_used), "0.000", gb(monthly_used), "100.000", f"{monthly_used // 1000} %",
                               gb(max(0, monthly_used - 100_000))]
    assert rows["Annual"][:6] == ["1", gb(annual_cloud), gb(annual_sites), gb(annual_cloud + annual_sites), "1440.000",
                                  f"{(annual_cloud + annual_sites) * 100 // 1_440_000} %"]
    assert rows["Termed"][:4] == ["1", "0.000", "0.000", "0.000"]
    trial = rows["Trial"]
    assert trial[:5] + trial[6:] == ["1", "0.000", gb(trial_used), gb(trial_used), "50.000",
                                     gb(max(0, trial_used - 50_000))]
    assert rows["Total"][0] == "4"
    total_overage = max(0, monthly_used - 100_000) + max(0, trial_used - 50_000)
    assert rows["Total"][-1] == gb(total_overage)
    # Gateway entitlements are bandwidth, never licenses: no seat row for them.
    usage_rows = cells(page, "Licensing summary per service")
    assert [row[0] for row in usage_rows[1:]] == ["DaaS (user/device)"]


def test_allotments_come_from_the_settings(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "BANDWIDTH_MB_PER_USER_MONTH", 2500)
    monkeypatch.setitem(app.config, "BANDWIDTH_TRIAL_MB", 80_000)
    page = client.get(partner_url(world)).get_data(as_text=True)
    rows = {row[0]: row[1:] for row in cells(page, "gateway-summary")[1:]}
    assert rows["Monthly"][4] == "250.000" and rows["Trial"][4] == "80.000"
    assert "2.5 GB per user per month" in page and "80 GB for a trial" in page


def test_allotment_settings_are_read_in_gigabytes(monkeypatch, tmp_path):
    from partner_portal import config

    monkeypatch.setenv("BANDWIDTH_GB_PER_USER_MONTH", "0.5")
    monkeypatch.setenv("BANDWIDTH_TRIAL_GB", "75")
    loaded = config.load(str(tmp_path))
    assert (loaded["BANDWIDTH_MB_PER_USER_MONTH"], loaded["BANDWIDTH_TRIAL_MB"]) == (500, 75_000)
    monkeypatch.delenv("BANDWIDTH_GB_PER_USER_MONTH")
    monkeypatch.delenv("BANDWIDTH_TRIAL_GB")
    loaded = config.load(str(tmp_path))
    assert (loaded["BANDWIDTH_MB_PER_USER_MONTH"], loaded["BANDWIDTH_TRIAL_MB"]) == (1000, 50_000)


def test_termed_pool_is_the_whole_term(client, world):
    # 10 users from TODAY-30 to TODAY+1000: 1,031 days, pooled at 1 GB per user per month.
    page = client.get(partner_url(world)).get_data(as_text=True)
    termed = cells(page, "gateway-summary")
    line = next(row for row in termed if row[0] == "Termed")
    whole_months = 33  # 1,031 days hold 33 whole months and some days
    assert 10 * whole_months * GB <= int(line[5].replace(".", "")) < 10 * (whole_months + 1) * GB


def test_gateway_export_equals_the_summary_table(client, world):
    page = client.get(partner_url(world)).get_data(as_text=True)
    rows = read_csv(client.get(partner_url(world, "/gateway/export.csv")))
    assert rows == cells(page, "gateway-summary")
    assert rows[0] == ["Plan", "Entitlements", "Cloud service (GB)", "On-premises (GB)", "Used (GB)", "Allotment (GB)",
                       "Used of allotment", "Overage this month (GB)"]


def test_no_gateway_section_without_gateway_entitlements(client, world):
    other = make_org("Plain")
    connect(world["partner"], other)
    make_entitlement(other, "daas-user")
    page = client.get(f"/customers/{other.orgid}/licensing").get_data(as_text=True)
    assert "View Overage Chart" not in page
    for path in ("/gateway/overage", "/gateway/overage.csv", "/gateway/export.csv"):
        assert client.get(f"/customers/{other.orgid}/licensing{path}").status_code == 404, path


# --- View Usage Trend of a Gateway entitlement -------------------------------------------------------


def test_monthly_trend_is_bandwidth_per_month_not_license_charts(client, world):
    url = partner_url(world, f"/{world['monthly'].id}")
    page = client.get(url).get_data(as_text=True)
    assert 'id="chart-monthly-usage"' in page
    for license_chart in ("ratio", "monthly-active-users", "license-assignments", "consumption", "active-use"):
        assert f'id="chart-{license_chart}"' not in page
    rows = cells(page, 'id="chart-monthly-usage"')
    assert rows[0] == ["Month", "Cloud service (GB)", "On-premises (GB)", "Used (GB)", "Allotment (GB)", "Overage (GB)"]
    # Five months in force: the start month's allotment is whole (it started on the 1st).
    assert [row[0] for row in rows[1:]] == [add_months(THIS_MONTH, n).strftime("%Y-%m") for n in range(-4, 1)]
    used = 5000 * DAYS_THIS_MONTH
    assert rows[-1] == [THIS_MONTH.strftime("%Y-%m"), gb(used), "0.000", gb(used), "100.000", gb(max(0, used - 100_000))]
    two_ago = add_months(THIS_MONTH, -2)
    days = (add_months(THIS_MONTH, -1) - two_ago).days
    assert rows[3] == [two_ago.strftime("%Y-%m"), gb(4000 * days), "0.000", gb(4000 * days), "100.000",
                       gb(max(0, 4000 * days - 100_000))]
    assert read_csv(client.get(partner_url(world, f"/{world['monthly'].id}/monthly-usage.csv"))) == rows
    # The license charts of a Gateway entitlement are gone, as exports too.
    assert client.get(partner_url(world, f"/{world['monthly'].id}/ratio.csv")).status_code == 404


def test_pooled_trend_shows_individual_and_cumulative_usage_of_a_billing_period(client, world):
    annual = world["annual"]
    page = client.get(partner_url(world, f"/{annual.id}")).get_data(as_text=True)
    assert 'id="chart-individual-usage"' in page and 'id="chart-cumulative-usage"' in page
    assert "Previous period" in page and "Next period" not in page
    second_year = annual.start_date + timedelta(days=365)
    assert f"Billing period {second_year:%b %d, %Y}" in page
    individual = cells(page, 'id="chart-individual-usage"')
    cumulative = cells(page, 'id="chart-cumulative-usage"')
    assert individual[1][0] == second_year.strftime("%Y-%m") and individual[-1][0] == TODAY.strftime("%Y-%m")
    # The months add up to the running total; the pool is 120 users x 12 GB.
    running = 0
    for month, total in zip(individual[1:], cumulative[1:]):
        running += int(month[3].replace(".", ""))
        assert int(total[1].replace(".", "")) == running and total[2] == "1440.000"
    days = (TODAY - second_year).days + 1
    assert cumulative[-1][1] == gb(4000 * days)
    for key, rows in (("individual-usage", individual), ("cumulative-usage", cumulative)):
        assert read_csv(client.get(partner_url(world, f"/{annual.id}/{key}.csv"))) == rows


def test_the_previous_billing_period_and_its_overage(client, world):
    annual = world["annual"]
    page = client.get(partner_url(world, f"/{annual.id}?period=0")).get_data(as_text=True)
    assert f"Billing period {annual.start_date:%b %d, %Y}" in page and "Next period" in page
    cumulative = cells(page, 'id="chart-cumulative-usage"')
    # 365 days at 4 GB: 1,460 GB against a 1,440 GB pool; the last five days are 20 GB over.
    assert cumulative[-1][1:3] == ["1460.000", "1440.000"]
    assert sum(int(row[3].replace(".", "")) for row in cumulative[1:]) == 20_000
    exported = read_csv(client.get(partner_url(world, f"/{annual.id}/cumulative-usage.csv?period=0")))
    assert exported == cumulative


@pytest.mark.parametrize("period", ["abc", "-1", "2", "99999999999999999999", "1e3", ""])
def test_a_bad_period_shows_the_current_one(client, world, period):
    annual = world["annual"]
    second_year = annual.start_date + timedelta(days=365)
    for path in (f"/{annual.id}", f"/{annual.id}/sites"):
        response = client.get(partner_url(world, f"{path}?period={period}"))
        assert response.status_code == 200
        assert f"{second_year:%b %d, %Y}" in response.get_data(as_text=True)
    csv_response = client.get(partner_url(world, f"/{annual.id}/individual-usage.csv?period={period}"))
    assert read_csv(csv_response)[1][0] == second_year.strftime("%Y-%m")


def test_trend_of_an_entitlement_that_has_not_started(client, world):
    later = make_entitlement(world["customer"], "gateway", license_count=10, term=Term.ANNUAL,
                             start=TODAY + timedelta(days=5), end=TODAY + timedelta(days=370))
    page = client.get(partner_url(world, f"/{later.id}")).get_data(as_text=True)
    assert "has not started yet" in page and "No bandwidth recorded in these months." in page
    assert client.get(partner_url(world, f"/{later.id}/sites")).status_code == 200


def test_sites_view_splits_the_on_premises_figure(client, world):
    annual = world["annual"]
    trend = client.get(partner_url(world, f"/{annual.id}")).get_data(as_text=True)
    sites = client.get(partner_url(world, f"/{annual.id}/sites")).get_data(as_text=True)
    rows = cells(sites, 'id="chart-sites"')
    assert rows[0] == ["Month", "ams-dc1 (GB)", "fra-dc2 (GB)", "On-premises (GB)"]
    on_premises = [row[2] for row in cells(trend, 'id="chart-individual-usage"')[1:]]
    assert [row[3] for row in rows[1:]] == on_premises
    assert all(int(row[1].replace(".", "")) + int(row[2].replace(".", "")) == int(row[3].replace(".", ""))
               for row in rows[1:])
    assert read_csv(client.get(partner_url(world, f"/{annual.id}/sites.csv"))) == rows
    # Sites of a licensed entitlement: there are none to show.
    assert client.get(partner_url(world, f"/{world['daas'].id}/sites")).status_code == 404
    assert client.get(partner_url(world, f"/{world['daas'].id}/sites.csv")).status_code == 404


def test_daily_bandwidth_history_export(client, world):
    rows = read_csv(client.get(partner_url(world, f"/{world['annual'].id}/history.csv")))
    assert rows[0] == ["Day", "Source", "Site", "Bandwidth (GB)"]
    assert rows[1:4] == [[world["annual"].start_date.isoformat(), "cloud", "", "2.000"],
                         [world["annual"].start_date.isoformat(), "on-premises", "ams-dc1", "1.000"],
                         [world["annual"].start_date.isoformat(), "on-premises", "fra-dc2", "1.000"]]
    assert len(rows) == 1 + 3 * 401


# --- View Overage Chart ----------------------------------------------------------------------------------


def test_overage_chart_covers_twelve_months_per_plan(client, world):
    page = client.get(partner_url(world, "/gateway/overage")).get_data(as_text=True)
    assert "<html" in page and 'id="chart-overage"' in page and "<script" not in page.split('id="chart-overage"')[1]
    rows = cells(page, 'id="chart-overage"')
    assert rows[0] == ["Month", "Monthly (GB)", "Annual (GB)", "Termed (GB)", "Trial (GB)", "Total overage (GB)"]
    assert [row[0] for row in rows[1:]] == [add_months(THIS_MONTH, n).strftime("%Y-%m") for n in range(-11, 1)]
    monthly_over, trial_over = max(0, 5000 * DAYS_THIS_MONTH - 100_000), max(0, 6000 * DAYS_THIS_MONTH - 50_000)
    assert rows[-1][1] == gb(monthly_over) and rows[-1][4] == gb(trial_over)
    # The first billing year, which ended 36 days ago, ran 20 GB over; the second is within its pool.
    assert sum(int(row[2].replace(".", "")) for row in rows[1:]) == 20_000
    for row in rows[1:]:
        assert int(row[5].replace(".", "")) == sum(int(value.replace(".", "")) for value in row[1:5])
    assert read_csv(client.get(partner_url(world, "/gateway/overage.csv"))) == rows


def test_fragments_full_pages_and_history_restores(client, world):
    for path, marker in ((f"/{world['annual'].id}", 'id="chart-cumulative-usage"'),
                         (f"/{world['annual'].id}/sites", 'id="chart-sites"'),
                         ("/gateway/overage", 'id="chart-overage"')):
        url = partner_url(world, path)
        fragment = client.get(url, headers=htmx_headers(**{"HX-Target": "customer-panel"}))
        body = fragment.get_data(as_text=True)
        assert body.lstrip().startswith('<section id="customer-panel"') and "<html" not in body, path
        assert marker in body and "HX-Request" in fragment.headers["Vary"]
        restored = client.get(url, headers=htmx_headers(**{"HX-History-Restore-Request": "true"}))
        assert "<html" in restored.get_data(as_text=True), path
        full = client.get(url).get_data(as_text=True)
        assert "<html" in full and marker in full and 'href="' + partner_url(world) + '"' in full, path


def test_every_htmx_link_has_a_plain_href(client, world):
    for path in ("", f"/{world['annual'].id}", f"/{world['annual'].id}?period=0", f"/{world['annual'].id}/sites",
                 "/gateway/overage"):
        page = client.get(partner_url(world, path)).get_data(as_text=True)
        for tag in re.findall(r"<a [^>]*hx-get=[^>]*>", page):
            assert re.search(r'href="([^"]+)"', tag)[1] == re.search(r'hx-get="([^"]+)"', tag)[1], tag


# --- the customer's own Licensing ---------------------------------------------------------------------


def test_customer_sees_its_own_gateway_pages(client, login, world):
    client.post("/sign-out")
    login(world["customer_user"])
    page = client.get("/licensing").get_data(as_text=True)
    assert "View Overage Chart" in page and 'href="/licensing/gateway/overage"' in page
    own = cells(page, "gateway-summary")
    client.post("/sign-out")
    login(world["partner_user"])
    assert cells(client.get(partner_url(world)).get_data(as_text=True), "gateway-summary") == own
    client.post("/sign-out")
    login(world["customer_user"])
    annual = world["annual"]
    trend = client.get(f"/licensing/{annual.id}?period=0").get_data(as_text=True)
    assert 'id="chart-cumulative-usage"' in trend and "License assignments" not in trend
    assert read_csv(client.get(f"/licensing/{annual.id}/cumulative-usage.csv?period=0")) == cells(
        trend, 'id="chart-cumulative-usage"')
    fragment = client.get(f"/licensing/{annual.id}/sites", headers=htmx_headers(**{"HX-Target": "licensing-main"}))
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="licensing-main"')
    overage = client.get("/licensing/gateway/overage").get_data(as_text=True)
    assert read_csv(client.get("/licensing/gateway/overage.csv")) == cells(overage, 'id="chart-overage"')
    assert read_csv(client.get("/licensing/gateway/export.csv")) == own


# --- isolation, permissions ------------------------------------------------------------------------------


def test_other_tenants_gateway_is_404(client, world):
    stranger = make_org("Stranger")
    theirs = make_entitlement(stranger, "gateway", term=Term.MONTHLY)
    make_bandwidth_days(theirs, THIS_MONTH, TODAY, 10)
    connect(make_partner("Rival"), stranger)
    mine = world["monthly"].id
    for url in (partner_url(world, f"/{theirs.id}"), partner_url(world, f"/{theirs.id}/sites"),
                partner_url(world, f"/{theirs.id}/monthly-usage.csv"), partner_url(world, f"/{theirs.id}/sites.csv"),
                partner_url(world, f"/{theirs.id}/history.csv"),
                f"/customers/{stranger.orgid}/licensing/gateway/overage",
                f"/customers/{stranger.orgid}/licensing/gateway/overage.csv",
                f"/customers/{stranger.orgid}/licensing/gateway/export.csv",
                f"/customers/{stranger.orgid}/licensing/{theirs.id}",
                f"/licensing/{theirs.id}", f"/licensing/{theirs.id}/sites", f"/licensing/{theirs.id}/sites.csv",
                partner_url(world, f"/{mine}/no-such-chart.csv"), partner_url(world, f"/{mine}/individual-usage.csv")):
        assert client.get(url).status_code == 404, url


def test_permissions(client, login, world):
    client.post("/sign-out")
    customer = world["customer"]
    login(make_admin(world["partner"], access=Access.CUSTOM, permissions=[Permission.NOTIFICATIONS]))
    for path in ("/gateway/overage", "/gateway/overage.csv", "/gateway/export.csv", f"/{world['annual'].id}/sites"):
        assert client.get(f"/customers/{customer.orgid}/licensing{path}").status_code == 403, path
    client.post("/sign-out")
    login(make_admin(customer, access=Access.CUSTOM, permissions=[Permission.NOTIFICATIONS]))
    for path in ("/licensing/gateway/overage", "/licensing/gateway/export.csv", f"/licensing/{world['annual'].id}/sites"):
        assert client.get(path).status_code == 403, path


# --- query counts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/{annual}", "/{monthly}", "/{annual}/sites", "/gateway/overage",
                                  "/gateway/overage.csv", "/gateway/export.csv"])
def test_query_counts_do_not_grow_with_entitlements_months_or_sites(client, world, count_queries, path):
    url = partner_url(world, path.format(annual=world["annual"].id, monthly=world["monthly"].id))
    client.get(url)
    with count_queries() as before:
        client.get(url)
    customer = world["customer"]
    for index in range(4):
        extra = make_entitlement(customer, "gateway", license_count=10 + index, term=list(Term)[index % 3],
                                 start=TODAY - timedelta(days=900), end=TODAY + timedelta(days=200))
        make_bandwidth_days(extra, TODAY - timedelta(days=899), TODAY, 100)
    for site in ("ber-1", "par-2", "mad-3"):
        make_bandwidth_days(world["annual"], world["annual"].start_date, TODAY, 50, site=site)
        make_bandwidth_days(world["monthly"], add_months(THIS_MONTH, -4), TODAY, 50, site=site)
    with count_queries() as after:
        client.get(url)
    assert len(before) == len(after), (len(before), len(after))
