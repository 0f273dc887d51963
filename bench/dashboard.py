"""Benchmark: the Customer Dashboard for a partner with 100 customers on a database of many
organizations. Prints the query count and the median server time over repeated requests.

    .venv/bin/python bench/dashboard.py                      # SQLite in a temp dir
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/dashboard.py
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from partner_portal import create_app  # noqa: E402
from partner_portal.auth.passwords import hash_password  # noqa: E402
from partner_portal.database import upgrade_schema  # noqa: E402
from partner_portal.demo.services import ensure_services  # noqa: E402
from partner_portal.extensions import db  # noqa: E402
from partner_portal.models import (  # noqa: E402
    Administrator, Connection, Entitlement, Notification, Organization, Program, ProgramMembership, SupportTicket,
    Tenancy, User,
)

OTHER_ORGS = int(os.environ.get("BENCH_ORGS", "20000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))


def build(rng: random.Random) -> None:
    """A partner with 100 customers, plus OTHER_ORGS organizations with their own activity."""
    ensure_services()
    today = date.today()
    partner = Organization(name="Bench Partner", orgid="1000000001", invitation_token="bench-token")
    user = User(email="bench@example.org", password_hash=hash_password("bench-password-1"))
    db.session.add_all([partner, user])
    db.session.flush()
    db.session.add_all([ProgramMembership(organization_id=partner.id, program=Program.SOLUTION_ADVISOR),
                        Administrator(user_id=user.id, organization_id=partner.id)])
    total = OTHER_ORGS + 100
    db.session.execute(insert(Organization), [
        {"name": f"Customer {i}", "orgid": str(2000000000 + i), "tenancy": rng.choice(list(Tenancy))}
        for i in range(total)])
    ids = [row[0] for row in db.session.execute(db.select(Organization.id).where(Organization.id != partner.id).order_by(Organization.id))]
    codes = ["daas-user", "daas-concurrent", "gateway", "secure-private-access", "endpoint-management"]
    db.session.execute(insert(Entitlement), [
        {"organization_id": org_id, "service_code": code, "license_count": 100, "licenses_assigned": rng.randint(10, 130),
         "start_date": today - timedelta(days=200), "end_date": today + timedelta(days=rng.randint(-30, 400))}
        for org_id in ids for code in rng.sample(codes, 2)])
    db.session.execute(insert(Notification), [{"organization_id": org_id, "title": "n"} for org_id in ids for _ in range(3)])
    db.session.execute(insert(SupportTicket), [{"organization_id": org_id, "subject": "t"} for org_id in ids for _ in range(2)])
    db.session.execute(insert(Connection), [{"partner_id": partner.id, "customer_id": org_id, "method": "invitation"} for org_id in ids[:100]])
    db.session.commit()


def main() -> None:
    """Build the data, sign in, then time GET /customers."""
    tmp = Path(tempfile.mkdtemp())
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp),
                      "WTF_CSRF_ENABLED": False, "PORTAL_DEMO": False, "SERVER_NAME": "localhost", "TRUSTED_HOSTS": ["localhost"]})
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade_schema()
        started = time.perf_counter()
        build(random.Random(7))
        print(f"database: {db.engine.dialect.name}, organizations: {OTHER_ORGS + 101}, built in {time.perf_counter() - started:.1f} s")
        engine = db.engine
    client = app.test_client()
    client.post("/sign-in", data={"email": "bench@example.org", "password": "bench-password-1"})
    client.get("/customers")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client.get("/customers")
    queries = len(statements)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get("/customers")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.get_data(as_text=True).count('<tr id="row-') == 100
    print(f"GET /customers with 100 rows: {queries} queries, median {statistics.median(times) * 1000:.1f} ms, "
          f"p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.1f} ms over {REQUESTS} requests")


if __name__ == "__main__":
    main()
