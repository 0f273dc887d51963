"""The JavaScript a page sends: within the budget on pages without charts (htmx and app.js only),
the chart drawing (charts.js, then plotly.js) fetched by the first chart only."""
from __future__ import annotations

import re
from datetime import date, timedelta

from partner_portal.models import Program

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_entitlement, make_usage_days

# bench/suite.py JS_BUDGET["page"], docs/performance.md: gzip bytes as transferred.
PAGE_BUDGET = 20_000
SCRIPT_SRC = re.compile(r'<script[^>]*\ssrc="([^"]+)"')
CHARTS_SRC = re.compile(r'data-charts-src="([^"]+)"')


def _gzip_weight(client, sources) -> int:
    total = 0
    for source in sources:
        response = client.get(source.replace("&amp;", "&"), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip", source
        total += len(response.data)
    return total


def test_pages_without_charts_send_at_most_the_budget_of_javascript(client, login):
    partner = make_partner(programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    connect(partner, make_org())
    login(make_admin(partner))
    for path in ("/", "/customers"):
        page = client.get(path).get_data(as_text=True)
        assert "data-chart" not in page, path
        sources = SCRIPT_SRC.findall(page)
        assert any("/js/app.js" in source for source in sources) and not any("charts" in s for s in sources)
        assert _gzip_weight(client, sources) <= PAGE_BUDGET, path


def test_charts_name_the_drawing_script_which_the_page_does_not_load_itself(client, login):
    partner = make_partner(programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    customer = make_org()
    connect(partner, customer)
    daas = make_entitlement(customer, "daas-user", license_count=100)
    make_usage_days(daas, date.today() - timedelta(days=60), date.today(), assigned=50, daily_active=20,
                    monthly_active=40)
    login(make_admin(partner))
    url = f"/customers/{customer.orgid}/licensing/{daas.id}"
    for page in (client.get(url), client.get(url, headers=htmx_headers(**{"HX-Target": "customer-panel"}))):
        html = page.get_data(as_text=True)
        charts = html.count("data-chart=")
        sources = set(CHARTS_SRC.findall(html))
        assert charts and html.count("data-charts-src=") == charts and len(sources) == 1
        assert not any("charts" in source for source in SCRIPT_SRC.findall(html))
    script = client.get(sources.pop())
    assert script.status_code == 200 and script.mimetype in {"text/javascript", "application/javascript"}
    assert "Plotly.newPlot" in script.get_data(as_text=True)
