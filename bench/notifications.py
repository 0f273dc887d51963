"""Benchmark: the notification center and the bell for a partner with 100 customers (90 days of
notifications each) on a database of many organizations. Prints query counts, median server
times, and the query plans of the center's list, its customer filter and the bell.

    .venv/bin/python bench/notifications.py                      # SQLite in a temp dir
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/notifications.py
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from partner_portal import create_app  # noqa: E402
from partner_portal.auth.passwords import hash_password  # noqa: E402
from partner_portal.database import upgrade_schema  # noqa: E402
from partner_portal.extensions import db  # noqa: E402
from partner_portal.models import (  # noqa: E402
    Administrator, Connection, Notification, NotificationState, Organization, Program, ProgramMembership, User,
)

OTHER_ORGS = int(os.environ.get("BENCH_ORGS", "20000"))
PER_DAY = int(os.environ.get("BENCH_PER_DAY", "2"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
# Share of the customers' notifications the partner's administrator has read (0.99: a tidy reader,
# the bell's slowest case: it must look through nearly all of them to find the few unread).
READ = float(os.environ.get("BENCH_READ", "0.5"))


def build(rng: random.Random) -> str:
    """The partner, its 100 customers with 90 days of notifications (READ of them read by the
    partner's administrator), and OTHER_ORGS organizations with a few notifications each; returns one
    customer's ORGID."""
    now = datetime.now(timezone.utc)
    partner = Organization(name="Bench Partner", orgid="1000000001", invitation_token="bench-token")
    user = User(email="bench@example.org", password_hash=hash_password("bench-password-1"))
    db.session.add_all([partner, user])
    db.session.flush()
    admin = Administrator(user_id=user.id, organization_id=partner.id)
    db.session.add_all([ProgramMembership(organization_id=partner.id, program=Program.SOLUTION_ADVISOR), admin])
    db.session.execute(insert(Organization), [{"name": f"Customer {i}", "orgid": str(2000000000 + i)}
                                              for i in range(OTHER_ORGS + 100)])
    ids = list(db.session.scalars(select(Organization.id).where(Organization.id != partner.id).order_by(Organization.id)))
    db.session.execute(insert(Connection), [{"partner_id": partner.id, "customer_id": org_id, "method": "invitation"}
                                            for org_id in ids[:100]])
    rows = [{"organization_id": org_id, "title": "n", "emailed_at": now,
             "created_at": now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))}
            for org_id in ids[:100] for _ in range(90 * PER_DAY)]
    rows += [{"organization_id": org_id, "title": "n", "emailed_at": now, "created_at": now - timedelta(days=rng.randint(0, 89))}
             for org_id in ids[100:] for _ in range(3)]
    for start in range(0, len(rows), 20000):
        db.session.execute(insert(Notification), rows[start:start + 20000])
    db.session.flush()
    mine = list(db.session.scalars(select(Notification.id).where(Notification.organization_id.in_(ids[:100]))))
    db.session.execute(insert(NotificationState), [{"administrator_id": admin.id, "notification_id": n, "read_at": now}
                                                   for n in mine if rng.random() < READ])
    db.session.commit()
    return db.session.scalar(select(Organization.orgid).where(Organization.id == ids[7]))


def _timed(client, path: str) -> tuple[float, float]:
    """Median and p90 server time of GET `path`, in milliseconds."""
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.9)] * 1000


def _explain(engine, statement: str, parameters) -> str:
    """The plan of one captured statement, run for real (EXPLAIN ANALYZE on PostgreSQL)."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        return "\n".join("    " + " | ".join(str(c) for c in row) for row in cursor.fetchall())
    finally:
        raw.close()


def main() -> None:
    """Build the data, sign in, time the pages, print the plans."""
    tmp = Path(tempfile.mkdtemp())
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp),
                      "WTF_CSRF_ENABLED": False, "PORTAL_DEMO": False, "SERVER_NAME": "localhost",
                      "TRUSTED_HOSTS": ["localhost"], "JOBS_IMMEDIATE": True})
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade_schema()
        started = time.perf_counter()
        orgid = build(random.Random(7))
        if url.startswith("postgresql"):
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        total = db.session.scalar(select(db.func.count()).select_from(Notification))
        print(f"database: {db.engine.dialect.name}, organizations: {OTHER_ORGS + 101}, notifications: {total}, "
              f"built in {time.perf_counter() - started:.1f} s")
        engine = db.engine
    client = app.test_client()
    client.post("/sign-in", data={"email": "bench@example.org", "password": "bench-password-1"})
    pages = {"center": "/notifications", "center, one customer": f"/notifications?customer={orgid}",
             "home page (bell only)": "/"}
    captured: dict[str, list] = {}
    for name, path in pages.items():
        client.get(path)
        statements: list = []
        spent: list[float] = []

        def before(conn, cursor, statement, parameters, context, many):
            statements.append((statement, parameters))
            spent.append(time.perf_counter())

        def after(conn, cursor, statement, parameters, context, many):
            spent[-1] = time.perf_counter() - spent[-1]

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        client.get(path)
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        captured[name] = statements
        median, p90 = _timed(client, path)
        print(f"GET {path}: {len(statements)} queries ({sum(spent) * 1000:.1f} ms in the database; slowest "
              f"{max(spent) * 1000:.1f} ms), median {median:.1f} ms, p90 {p90:.1f} ms")
    rows = next(s for s in captured["center"] if "ORDER BY notification.created_at DESC" in s[0])
    one = next(s for s in captured["center, one customer"] if "ORDER BY notification.created_at DESC" in s[0])
    bell = next(s for s in captured["home page (bell only)"] if s[0].lstrip().upper().startswith("SELECT (SELECT COUNT"))
    for title, (statement, parameters) in [("center rows", rows), ("center rows, one customer", one), ("bell", bell)]:
        print(f"\n{title}:\n{_explain(engine, statement, parameters)}")


if __name__ == "__main__":
    main()
