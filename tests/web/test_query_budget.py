"""The query budget of the pages the benchmark measures (bench/suite.py): at most five statements,
and the same number whether they show a few rows or many (customers, notifications, entitlements
of a service, days of usage). The frame's own share is pinned in test_frame.py."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from partner_portal.extensions import db

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_bandwidth_days, make_entitlement, make_usage_days
from ..notification_factories import make_notification

MAX_QUERIES = 5
TODAY = date.today()
PAGES = [
    ("dashboard", "/customers", {}),
    ("dashboard table", "/customers?sort=health", htmx_headers(**{"HX-Target": "customer-table"})),
    ("customer-list CSV", "/customers/export.csv", {}),
    ("notification center", "/notifications", {}),
    ("my notifications", "/notifications/mine", {}),
    ("licensing panel", "/customers/{orgid}/licensing", htmx_headers(**{"HX-Target": "customer-panel"})),
    ("usage trend", "/customers/{orgid}/licensing/{entitlement}", {}),
    ("overage chart", "/customers/{orgid}/licensing/gateway/overage", {}),
    ("usage CSV", "/customers/{orgid}/licensing/{entitlement}/history.csv", {}),
]


def _world(customers: int, per_customer: int) -> dict:
    """A partner with `customers` customers; the first has `per_customer` licensed entitlements of
    one service with `per_customer` months of usage, a Gateway entitlement, and every customer
    `per_customer` notifications."""
    partner = make_partner()
    user = make_admin(partner)
    first = None
    for n in range(customers):
        customer = make_org(f"Customer {n:03d}")
        make_admin(customer)
        connect(partner, customer)
        for _ in range(per_customer):
            make_notification(customer)
        first = first or customer
    entitlements = [make_entitlement(first, licenses_assigned=5) for _ in range(per_customer)]
    for entitlement in entitlements:
        make_usage_days(entitlement, TODAY - timedelta(days=30 * per_customer), TODAY)
    gateway = make_entitlement(first, "gateway", start=TODAY - timedelta(days=200), end=TODAY + timedelta(days=200))
    make_bandwidth_days(gateway, TODAY - timedelta(days=30 * per_customer), TODAY, 500)
    db.session.commit()
    return {"user": user, "orgid": first.orgid, "entitlement": entitlements[0].id}


@pytest.mark.parametrize("name, path, headers", PAGES, ids=[page[0] for page in PAGES])
def test_the_page_costs_at_most_five_queries_whatever_the_rows(client, login, count_queries, frame_cache, name, path,
                                                               headers):
    counts = []
    for customers, per_customer in ((2, 1), (12, 4)):
        world = _world(customers, per_customer)
        client.post("/sign-out")
        login(world["user"])
        url = path.format(orgid=world["orgid"], entitlement=world["entitlement"])
        client.get(url, headers=headers)  # the worker's copy of the roles, as every later request finds it
        with count_queries() as queries:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= MAX_QUERIES, (name, counts)


@pytest.mark.parametrize("name, path, headers", PAGES, ids=[page[0] for page in PAGES])
def test_every_statement_of_the_page_comes_from_the_compiled_cache(app, client, login, frame_cache, name, path,
                                                                   headers):
    # SQLAlchemy compiles a statement once per shape and keeps it, unless the statement has no
    # cache key (a VALUES list had none and was compiled on every request: about a tenth of the
    # View Licensing panel's time). After two requests nothing should be compiled any more (an
    # ORM statement can take two executions to settle into the cache; one without a key never does).
    from sqlalchemy import event
    from sqlalchemy.engine.default import CACHE_HIT

    world = _world(3, 2)
    login(world["user"])
    url = path.format(orgid=world["orgid"], entitlement=world["entitlement"])
    for _ in range(2):
        client.get(url, headers=headers).get_data()
    engine = db._app_engines[app][None]
    engine = getattr(engine, "engine", engine)
    compiled = []

    def after(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            return  # the test's own transaction
        hit = getattr(context, "cache_hit", None)
        if getattr(context, "compiled", None) is not None and hit is not CACHE_HIT:
            compiled.append((str(hit), statement[:200]))

    event.listen(engine, "after_cursor_execute", after)
    try:
        response = client.get(url, headers=headers)
        response.get_data()
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert response.status_code == 200, (url, response.status_code)
    assert compiled == [], (name, compiled)
