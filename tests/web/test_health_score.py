"""The health score on the dashboard: column, explanation, sort, filter, CSV, details panel."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from partner_portal.extensions import db
from partner_portal.models import Program, Severity, SupportTicket

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_bandwidth_days, make_entitlement, make_usage_days
from ..notification_factories import make_notification

TODAY = date.today()


@pytest.fixture
def world(client, login):
    """A partner with three customers: healthy, over-assigned with a critical note, and a busy one."""
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    user = make_admin(partner)
    calm, over, busy = make_org("Calm Co"), make_org("Over Co"), make_org("Busy Co")
    for org in (calm, over, busy):
        connect(partner, org)
    make_entitlement(calm, license_count=100, licenses_assigned=80, start=TODAY - timedelta(days=100),
                     end=TODAY + timedelta(days=300))
    make_entitlement(over, license_count=100, licenses_assigned=120, start=TODAY - timedelta(days=100),
                     end=TODAY + timedelta(days=300))
    make_notification(over, severity=Severity.CRITICAL)
    make_notification(over, severity=Severity.INFO)
    seats = make_entitlement(busy, license_count=10, licenses_assigned=9, start=TODAY - timedelta(days=100),
                             end=TODAY + timedelta(days=10))
    # Active use fell from 10 a day to 2 a day: an 80 % fall.
    make_usage_days(seats, TODAY - timedelta(days=59), TODAY - timedelta(days=30), daily_active=10)
    make_usage_days(seats, TODAY - timedelta(days=29), TODAY, daily_active=2)
    gateway = make_entitlement(busy, "gateway", license_count=1, start=TODAY - timedelta(days=100),
                               end=TODAY + timedelta(days=300))
    # 1 user = 1,000 MB this month; 800 MB a day since the 1st is over it from the second day.
    make_bandwidth_days(gateway, TODAY.replace(day=1), TODAY, 800)
    db.session.add(SupportTicket(organization_id=busy.id, subject="Help"))
    db.session.flush()
    login(user)
    return {"calm": calm, "over": over, "busy": busy}


def _row(page: str, org) -> str:
    return page[page.index(f'id="row-{org.orgid}"'):].split("</tr>")[0]


def test_each_row_shows_its_score_with_the_deductions(client, world):
    page = client.get("/customers").get_data(as_text=True)
    assert ">100<" in _row(page, world["calm"])
    over = _row(page, world["over"])
    # 25 for 20 % over-assigned, 8 for the critical note: 67.
    assert ">67<" in over and "health-score-watch" in over
    assert "20 more licenses assigned than the 100 purchased" in over
    assert "1 unread critical notification" in over
    busy = _row(page, world["busy"])
    for reason in ("a paid entitlement ends in 10 days", "Gateway bandwidth", "daily active users 80 % lower",
                   "1 open support ticket"):
        assert reason in busy
    # The explanation is a disclosure button, reachable by keyboard, not a title attribute.
    assert "<details class=\"health-score" in over and "<summary>" in over


def test_sorting_by_score_orders_the_rows_server_side(client, world):
    page = client.get("/customers?sort=score&dir=asc").get_data(as_text=True)
    order = [page.index(f'id="row-{world[k].orgid}"') for k in ("busy", "over", "calm")]
    assert order == sorted(order)
    page = client.get("/customers?sort=score&dir=desc", headers=htmx_headers(**{"HX-Target": "customer-table"}))
    text = page.get_data(as_text=True)
    order = [text.index(f'id="row-{world[k].orgid}"') for k in ("calm", "over", "busy")]
    assert order == sorted(order)


@pytest.mark.parametrize("band, shown", [("good", {"calm"}), ("watch", {"over"}), ("at-risk", {"busy"}),
                                         ("nonsense", {"calm", "over", "busy"})])
def test_the_health_filter(client, world, band, shown):
    page = client.get(f"/customers?score={band}").get_data(as_text=True)
    assert {k for k in ("calm", "over", "busy") if f'id="row-{world[k].orgid}"' in page} == shown


def test_the_export_has_the_score_and_its_reasons(client, world):
    response = client.get("/customers/export.csv?sort=score")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, lines = rows[0], rows[1:]
    assert header[-3:-1] == ["Health score", "Health deductions"]
    by_name = {line[0]: line for line in lines}
    assert by_name["Calm Co"][-3:-1] == ["100", ""]
    assert by_name["Over Co"][-3] == "67"
    assert by_name["Over Co"][-2].startswith("Over-assigned licenses -25 (20 more licenses assigned")


def test_the_details_panel_explains_the_score(client, world):
    page = client.get(f"/customers/{world['over'].orgid}").get_data(as_text=True)
    assert "<h3>Health</h3>" in page and ">67<" in page
    assert "Over-assigned licenses" in page


def test_the_score_adds_no_query_per_row(client, login, count_queries):
    """The score comes from the dashboard's own statement (see test_query_budget for the ceiling)."""
    partner = make_partner("Counted", programs=[Program.SOLUTION_ADVISOR])
    user = make_admin(partner)
    counts = []
    for n in (1, 8):
        for i in range(n):
            org = make_org(f"C{n}-{i}")
            connect(partner, org)
            make_entitlement(org, licenses_assigned=150)
            make_notification(org, severity=Severity.CRITICAL)
        db.session.flush()
        login(user)
        client.get("/customers?sort=score")
        with count_queries() as queries:
            assert client.get("/customers?sort=score").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
