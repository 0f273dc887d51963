"""Benchmark: the licensing pages of a connected customer on a database with a large usage history.

One partner is connected to 100 customers (the most one partner may have) out of BENCH_CUSTOMERS
customer organizations; every customer has one or two licensed entitlements with daily usage.
Every connected customer, and a quarter of the others, also has a Gateway entitlement (monthly,
annual or termed) with daily bandwidth from the cloud service and BENCH_SITES on-premises sites.
The 100 connected customers get BENCH_DAYS days of history, the others BENCH_OTHER_DAYS (shorter
by default, so the build stays within a few minutes on a small machine while usage_day still
holds millions of rows). Rows are written day by day, as the daily import writes them, so one
entitlement's rows are spread over the tables as in production.

Prints, per page: SQL statements per request and the median and p90 server time over
BENCH_REQUESTS requests (rotating over the connected customers); then the query plans of the
usage queries. With BENCH_TRY_INDEX=1 it then adds a covering index on usage_day inside the
scratch database and times everything again; on SQLite it then also rebuilds usage_day as a
WITHOUT ROWID table (no covering index) and times everything a third time.

    .venv/bin/python bench/licensing.py                      # SQLite in a temp dir
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_lic'
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_lic .venv/bin/python bench/licensing.py
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE bench_lic'

Environment: BENCH_CUSTOMERS (20000), BENCH_DAYS (1095), BENCH_OTHER_DAYS (150), BENCH_SITES (2),
BENCH_REQUESTS (40), BENCH_TRY_INDEX (0), BENCH_SKIP (page names to leave out, comma-separated),
BENCH_DATABASE_URL (a temporary SQLite file).
"""
from __future__ import annotations

import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select, text  # noqa: E402

from partner_portal import create_app  # noqa: E402
from partner_portal.auth.passwords import hash_password  # noqa: E402
from partner_portal.database import upgrade_schema  # noqa: E402
from partner_portal.demo.services import ensure_services  # noqa: E402
from partner_portal.extensions import db  # noqa: E402
from partner_portal.licensing import queries, series  # noqa: E402
from partner_portal.models import (  # noqa: E402
    Administrator, CommitModel, Connection, Entitlement, Organization, Program, ProgramMembership, Service, Term,
    User,
)

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "20000"))
CONNECTED = min(100, CUSTOMERS)
DAYS = int(os.environ.get("BENCH_DAYS", "1095"))
OTHER_DAYS = int(os.environ.get("BENCH_OTHER_DAYS", "150"))
SITES = int(os.environ.get("BENCH_SITES", "2"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
TRY_INDEX = os.environ.get("BENCH_TRY_INDEX", "0") not in ("", "0", "no", "false")
SKIP = {name.strip() for name in os.environ.get("BENCH_SKIP", "").split(",") if name.strip()}
BATCH = 50_000
SQL_ROUNDS = 3
CODES = ["daas-user", "daas-concurrent", "secure-private-access", "endpoint-management"]
USAGE_COLUMNS = ("entitlement_id", "day", "assigned", "newly_assigned", "daily_active", "monthly_active",
                 "peak_concurrent")
BANDWIDTH_COLUMNS = ("entitlement_id", "day", "source", "site", "megabytes")
OTHERS_WITH_GATEWAY = 0.25
COVERING_INDEX = "ix_bench_usage_day_covering"


@dataclass(frozen=True)
class Plan:
    """One entitlement's generated usage: which rows exist and how their figures move."""

    entitlement_id: int
    first_day: date
    license_count: int
    base: int
    growth: int
    monthly_commit: bool
    concurrent: bool
    connected: bool

    def row(self, index: int, day: date) -> tuple:
        """The usage figures of day number `index` of the history (cheap, deterministic)."""
        wobble = (self.entitlement_id * 7 + index * 13) % 5
        if self.monthly_commit:
            assigned = self.base * day.day // 31 + wobble
            newly = self.base // 31 + (wobble & 1)
        else:
            assigned = self.base + index * self.growth // 30 + wobble
            newly = (self.growth + wobble) // 30 + (wobble == 4)
        return (self.entitlement_id, day, assigned, newly, assigned * 6 // 10 + wobble, assigned * 9 // 10,
                assigned // 2 if self.concurrent else None)

    def rows(self, index: int, day: date) -> list[tuple]:
        """The day's usage_day row."""
        return [self.row(index, day)]


@dataclass(frozen=True)
class GatewayPlan:
    """One Gateway entitlement's generated bandwidth: the cloud service and SITES sites a day."""

    entitlement_id: int
    first_day: date
    users: int
    connected: bool

    def rows(self, index: int, day: date) -> list[tuple]:
        """The day's bandwidth_day rows: about 1 GB per user a month, mostly on working days."""
        wobble = (self.entitlement_id * 7 + index * 13) % 21 - 10  # -10 .. +10 %
        total = self.users * (1280 if day.weekday() < 5 else 300) * 12 // 365 * (100 + wobble) // 100
        cloud = total * 6 // 10 if SITES else total
        return [(self.entitlement_id, day, "cloud", "", cloud)] + [
            (self.entitlement_id, day, "on-premises", f"site-{site + 1}", (total - cloud) // SITES)
            for site in range(SITES)]


# --- building the data ------------------------------------------------------------------------

def build_organizations(rng: random.Random, today: date) -> tuple[list[Plan], list[GatewayPlan]]:
    """Create the partner, its administrator, the customers, their entitlements and connections."""
    ensure_services()
    partner = Organization(name="Bench Partner", orgid="1000000001", invitation_token="bench-token")
    user = User(email="bench@example.org", password_hash=hash_password("bench-password-1"))
    db.session.add_all([partner, user])
    db.session.flush()
    db.session.add_all([ProgramMembership(organization_id=partner.id, program=Program.SOLUTION_ADVISOR),
                        Administrator(user_id=user.id, organization_id=partner.id)])
    db.session.execute(insert(Organization), [{"name": f"Customer {i}", "orgid": str(2000000000 + i)}
                                              for i in range(CUSTOMERS)])
    org_ids = list(db.session.scalars(select(Organization.id).where(Organization.id != partner.id)
                                      .order_by(Organization.id)))
    specs = []
    for position, org_id in enumerate(org_ids):
        history = DAYS if position < CONNECTED else OTHER_DAYS
        # Connected customers get two entitlements more often, so trends have a consumption chart.
        count = 2 if rng.random() < (0.7 if position < CONNECTED else 0.5) else 1
        for code in rng.sample(CODES, count):
            license_count = rng.choice([25, 50, 100, 250, 500, 1000])
            base = max(1, int(license_count * rng.uniform(0.3, 0.9)))
            specs.append({
                "organization_id": org_id, "service_code": code, "license_count": license_count,
                "term": rng.choice(list(Term)), "start_date": today - timedelta(days=history - 1),
                "end_date": today + timedelta(days=rng.randint(-20, 700)),
                "commit_model": CommitModel.MONTHLY_COMMIT if rng.random() < 0.15 else CommitModel.FIXED,
                "licenses_assigned": base, "_base": base,
                "_growth": rng.randint(0, max(1, license_count // 12)), "_history": history,
                "_connected": position < CONNECTED,
            })
        if position < CONNECTED or rng.random() < OTHERS_WITH_GATEWAY:
            # In force today (the Gateway summary reads the current billing periods of these).
            specs.append({
                "organization_id": org_id, "service_code": "gateway", "license_count": rng.choice([25, 100, 250, 1000]),
                "term": rng.choice(list(Term)), "start_date": today - timedelta(days=history - 1),
                "end_date": today + timedelta(days=rng.randint(30, 700)), "commit_model": CommitModel.FIXED,
                "licenses_assigned": 0, "_history": history, "_connected": position < CONNECTED,
            })
    db.session.execute(insert(Entitlement), [{k: v for k, v in s.items() if not k.startswith("_")} for s in specs])
    ids = list(db.session.scalars(select(Entitlement.id).order_by(Entitlement.id)))
    db.session.execute(insert(Connection), [{"partner_id": partner.id, "customer_id": org_id, "method": "invitation"}
                                            for org_id in org_ids[:CONNECTED]])
    plans, gateways = [], []
    for eid, s in zip(ids, specs):
        first_day = today - timedelta(days=s["_history"] - 1)
        if s["service_code"] == "gateway":
            gateways.append(GatewayPlan(eid, first_day, s["license_count"], s["_connected"]))
        else:
            plans.append(Plan(eid, first_day, s["license_count"], s["_base"], s["_growth"],
                              s["commit_model"] is CommitModel.MONTHLY_COMMIT, s["service_code"] == "daas-concurrent",
                              s["_connected"]))
    return plans, gateways


def usage_rows(plans: list[Plan] | list[GatewayPlan], today: date):
    """Yield every row of the plans, day by day from the oldest (the order the daily import writes them)."""
    oldest = min(p.first_day for p in plans)
    by_start: dict[date, list] = {}
    for plan in plans:
        by_start.setdefault(plan.first_day, []).append(plan)
    active: list = []
    day = oldest
    while day <= today:
        active.extend(by_start.get(day, ()))
        for plan in active:
            yield from plan.rows((day - plan.first_day).days, day)
        day += timedelta(days=1)


def batches(rows, size: int = BATCH):
    """Group an iterable of rows into lists of at most `size`."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_usage_sqlite(table: str, columns: tuple[str, ...], plans: list, today: date) -> int:
    """Write the plans' rows into `table` with the sqlite3 driver's executemany in 50k-row
    batches, one transaction."""
    raw = db.session.connection().connection.driver_connection
    raw.execute("PRAGMA cache_size=-262144")  # 256 MiB while building; connections are disposed after
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    iso = {}
    total = 0
    for batch in batches(usage_rows(plans, today)):
        # SQLAlchemy's Date stores ISO text on SQLite; convert once per distinct day.
        raw.executemany(statement, [(r[0], iso.get(r[1]) or iso.setdefault(r[1], r[1].isoformat()), *r[2:])
                                    for r in batch])
        total += len(batch)
    return total


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    return value.isoformat() if isinstance(value, date) else str(value)


def load_usage_postgresql(table: str, columns: tuple[str, ...], plans: list, today: date) -> int:
    """Write the plans' rows into `table` with psycopg's COPY FROM STDIN (text format), in 50k-row chunks."""
    raw = db.session.connection().connection.driver_connection
    total = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for batch in batches(usage_rows(plans, today)):
            copy.write("".join("\t".join(_copy_text(value) for value in row) + "\n" for row in batch))
            total += len(batch)
    return total


def analyze(postgresql: bool) -> None:
    """Refresh planner statistics (PostgreSQL: VACUUM ANALYZE, which also sets the visibility map)."""
    if postgresql:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def storage(postgresql: bool, path: Path) -> str:
    """Sizes on disk of usage_day, bandwidth_day and their indexes (and of the whole file on SQLite)."""
    sizes = []
    for table in ("usage_day", "bandwidth_day"):
        if postgresql:
            rows = db.session.execute(text(
                f"SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c WHERE c.oid = '{table}'::regclass "
                f"OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = '{table}'::regclass) ORDER BY c.oid"))
        else:
            rows = db.session.execute(text(
                f"SELECT name, SUM(pgsize) FROM dbstat WHERE name = '{table}' OR name IN "
                f"(SELECT name FROM sqlite_schema WHERE tbl_name = '{table}' AND type = 'index') "
                "GROUP BY name ORDER BY name"))
        sizes += [f"{name} {size / 2**20:.0f} MiB" for name, size in rows]
    whole = "" if postgresql else f"; database file {path.stat().st_size / 2**20:.0f} MiB"
    return f"storage: {', '.join(sizes)}{whole}"


# --- timing the pages -------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A connected customer, its first licensed entitlement and its Gateway entitlement, each with
    the full history."""

    orgid: str
    entitlement_id: int
    gateway_id: int


def pick_targets() -> list[Target]:
    """Connected customers with two licensed entitlements (so trends have a consumption chart)."""
    rows = db.session.execute(
        select(Organization.orgid, Entitlement.id, Entitlement.service_code, Entitlement.organization_id)
        .join(Connection, Connection.customer_id == Organization.id)
        .join(Entitlement, Entitlement.organization_id == Organization.id)
        .order_by(Organization.id, Entitlement.id)
    ).all()
    licensed: dict[str, list[int]] = {}
    gateway: dict[str, int] = {}
    for row in rows:
        if row.service_code == "gateway":
            gateway[row.orgid] = row.id
        else:
            licensed.setdefault(row.orgid, []).append(row.id)
    return [Target(orgid, ids[0], gateway[orgid]) for orgid, ids in licensed.items() if len(ids) == 2]


PAGES = [
    ("Usage summary", "/customers/{orgid}/licensing"),
    ("Usage trend", "/customers/{orgid}/licensing/{eid}"),
    ("Summary export", "/customers/{orgid}/licensing/export.csv"),
    ("Overage chart export", "/customers/{orgid}/licensing/{eid}/overage.csv"),
    ("Daily history export", "/customers/{orgid}/licensing/{eid}/history.csv"),
    ("Gateway trend", "/customers/{orgid}/licensing/{gid}"),
    ("Gateway sites", "/customers/{orgid}/licensing/{gid}/sites"),
    ("Gateway overage chart", "/customers/{orgid}/licensing/gateway/overage"),
    ("Gateway summary export", "/customers/{orgid}/licensing/gateway/export.csv"),
    ("Gateway overage export", "/customers/{orgid}/licensing/gateway/overage.csv"),
    ("Gateway daily export", "/customers/{orgid}/licensing/{gid}/history.csv"),
]


def fetch(client, url: str) -> tuple[float, bytes]:
    """GET `url`, read the whole (possibly streamed) body, and return the seconds taken and the body."""
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    response.close()
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, body


def check(name: str, body: bytes) -> None:
    """Fail loudly when a page does not carry what it should."""
    if name == "Daily history export":
        lines = body.count(b"\r\n")
        assert lines == DAYS + 1, f"history export has {lines} lines, expected {DAYS + 1}"
    elif name == "Overage chart export":
        assert body.count(b"\n") >= 13, body[:200]
    elif name == "Usage trend":
        assert b"overage" in body, body[:200]
    elif name == "Usage summary":
        assert b"gateway-summary" in body, body[:200]
    elif name == "Gateway trend":
        assert b'id="chart-individual-usage"' in body or b'id="chart-monthly-usage"' in body, body[:200]
    elif name == "Gateway sites":
        assert b'id="chart-sites"' in body, body[:200]
    elif name == "Gateway overage export":
        assert body.count(b"\n") == 13, body[:200]
    elif name == "Gateway daily export":
        lines = body.count(b"\r\n")
        assert lines == DAYS * (1 + SITES) + 1, f"bandwidth export has {lines} lines, expected {DAYS * (1 + SITES) + 1}"


def time_pages(app, client, targets: list[Target], label: str) -> None:
    """Print, per page: statements per request, median and p90 time, and median time spent in SQL."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    sql_seconds: list[float] = []
    started_at: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        """Record one statement sent to the database and when it started."""
        statements.append(statement)
        started_at[id(context)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        """Add the statement's execution time to the request's SQL time."""
        sql_seconds.append(time.perf_counter() - started_at.pop(id(context), time.perf_counter()))

    print(f"\n{label}: {REQUESTS} requests per page, rotating over {len(targets)} connected customers "
          f"(load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    for name, pattern in PAGES:
        if name in SKIP:
            print(f"  {name:<22} skipped (BENCH_SKIP)")
            continue
        urls = [pattern.format(orgid=t.orgid, eid=t.entitlement_id, gid=t.gateway_id) for t in targets]
        check(name, fetch(client, urls[0])[1])  # warm-up: templates, caches
        times = []
        for i in range(REQUESTS):
            elapsed, body = fetch(client, urls[i % len(urls)])
            times.append(elapsed)
        check(name, body)
        # A second pass with the listeners attached: statement count and time inside cursor.execute.
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            counts, sql_per_request = [], []
            for i in range(REQUESTS):
                statements.clear()
                sql_seconds.clear()
                fetch(client, urls[i % len(urls)])
                counts.append(sum(1 for st in statements if st.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE")))
                sql_per_request.append(sum(sql_seconds))
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        begins = len(statements) - counts[-1]
        assert len(set(counts)) == 1, f"{name}: statement count varies between customers: {sorted(set(counts))}"
        p90 = sorted(times)[int(len(times) * 0.9)]
        print(f"  {name:<22} {counts[0]:>2} queries{f' (+{begins} BEGIN)' if begins else '':<11}"
              f" median {statistics.median(times) * 1000:6.1f} ms  p90 {p90 * 1000:6.1f} ms"
              f"  SQL {statistics.median(sql_per_request) * 1000:5.1f} ms  {len(body):>6,} bytes  {pattern}")


# --- query plans ------------------------------------------------------------------------------

def captured(call) -> list[tuple[str, object]]:
    """Run `call` and return the (statement, parameters) pairs it sent to the database."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        """Remember one statement with its parameters."""
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sent


def explain(statement: str, parameters, postgresql: bool) -> list[str]:
    """The plan of one statement: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    conn = db.session.connection()
    if postgresql:
        return [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
    return [f"{'  ' * (row[1] > 0)}{row[3]}" for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                              parameters)]


def usage_cases(org_id: int, entitlement: Entitlement, gateway: Entitlement,
                today: date) -> list[tuple[str, object]]:
    """The usage reads behind the summary, the trends, the overage chart and the history export,
    for one licensed and one Gateway entitlement. Where a call issues several statements, the
    last one is the bandwidth read."""
    service = db.session.get(Service, gateway.service_code)
    allotted = queries.allotments()
    return [
        ("monthly series (one entitlement, 12 months)", lambda: series.monthly_series(entitlement.id, today)),
        ("daily series (one entitlement, 30 days)", lambda: series.daily_series(entitlement.id, today)),
        ("org monthly series (consumption chart)",
         lambda: series.org_monthly_series(org_id, today, service_code=entitlement.service_code)),
        ("entitlement figures (summary: latest day per entitlement)",
         lambda: series.entitlement_figures(org_id, today)),
        ("daily history (export)", lambda: list(queries.daily_history(entitlement.id))),
        ("Gateway summary (current billing period of each Gateway entitlement)",
         lambda: queries.usage_summary(org_id, today)),
        ("Gateway trend (one billing period, or 12 months, per month and source)",
         lambda: queries.BandwidthTrend(gateway, service, today, allotted).months),
        ("Gateway sites (per site and month)", lambda: queries.BandwidthTrend(gateway, service, today, allotted).sites),
        ("Gateway overage chart (every period touching the 12 months)",
         lambda: queries.gateway_overage(org_id, today)),
    ]


def sql_times(statements: list[tuple[str, object]]) -> float:
    """Median seconds to execute and fetch one statement, over SQL_ROUNDS passes of all `statements`."""
    conn = db.session.connection()
    times = []
    for _ in range(SQL_ROUNDS):
        for statement, parameters in statements:
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def print_plans(targets: list[Target], postgresql: bool, label: str) -> None:
    """Print the plans of the usage reads for the first target, and their SQL time over all targets."""
    today = date.today()
    org_ids = dict(db.session.execute(select(Organization.orgid, Organization.id)
                                      .where(Organization.orgid.in_([t.orgid for t in targets]))).all())
    per_target = [usage_cases(org_ids[t.orgid], db.session.get(Entitlement, t.entitlement_id),
                              db.session.get(Entitlement, t.gateway_id), today)
                  for t in targets]
    print(f"\nQuery plans {label} (entitlement {targets[0].entitlement_id} of customer {targets[0].orgid}); "
          f"SQL time = median time to execute and fetch the statement alone, over {SQL_ROUNDS} passes "
          f"of the {len(targets)} target entitlements:")
    for position, (name, _) in enumerate(per_target[0]):
        statements = [captured(cases[position][1])[-1] for cases in per_target]
        print(f"  -- {name}: SQL time {sql_times(statements) * 1000:.2f} ms")
        for line in explain(*statements[0], postgresql):
            print(f"     {line}")
    db.session.rollback()


def add_covering_index(postgresql: bool) -> float:
    """Create an index covering every usage_day column the licensing reads use; return seconds taken."""
    started = time.perf_counter()
    if postgresql:
        db.session.execute(text(f"CREATE INDEX {COVERING_INDEX} ON usage_day (entitlement_id, day) INCLUDE "
                                "(assigned, newly_assigned, daily_active, monthly_active, peak_concurrent)"))
    else:
        db.session.execute(text(f"CREATE INDEX {COVERING_INDEX} ON usage_day (entitlement_id, day, assigned, "
                                "newly_assigned, daily_active, monthly_active, peak_concurrent)"))
    db.session.commit()
    analyze(postgresql)
    return time.perf_counter() - started


def rebuild_without_rowid() -> float:
    """SQLite: drop the covering index, rebuild usage_day WITHOUT ROWID (copied day by day); return seconds."""
    started = time.perf_counter()
    ddl = db.session.scalar(text("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'usage_day'"))
    db.session.execute(text(f"DROP INDEX IF EXISTS {COVERING_INDEX}"))
    db.session.execute(text(ddl.replace("usage_day", "usage_day_clustered", 1) + " WITHOUT ROWID"))
    db.session.execute(text("INSERT INTO usage_day_clustered SELECT * FROM usage_day ORDER BY day, entitlement_id"))
    db.session.execute(text("DROP TABLE usage_day"))
    db.session.execute(text("ALTER TABLE usage_day_clustered RENAME TO usage_day"))
    db.session.commit()
    raw = db.engine.raw_connection()  # VACUUM cannot run inside the BEGIN the app's engine emits
    try:
        raw.driver_connection.execute("VACUUM")
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    analyze(False)
    return time.perf_counter() - started


# --- main -------------------------------------------------------------------------------------

def main() -> None:
    """Build the data, sign in as the partner, time the licensing pages and print the plans."""
    tmp = Path(tempfile.mkdtemp())
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    postgresql = url.startswith("postgresql")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp),
                      "WTF_CSRF_ENABLED": False, "PORTAL_DEMO": False, "SERVER_NAME": "localhost",
                      "TRUSTED_HOSTS": ["localhost"], "RATELIMIT_STORAGE_URI": "memory://"})
    today = date.today()
    try:
        with app.app_context():
            if postgresql:
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            upgrade_schema()
            started = time.perf_counter()
            plans, gateways = build_organizations(random.Random(7), today)
            connected_entitlements = sum(plan.connected for plan in plans)
            connected_gateways = sum(plan.connected for plan in gateways)
            orgs_done = time.perf_counter()
            load = load_usage_postgresql if postgresql else load_usage_sqlite
            rows = load("usage_day", USAGE_COLUMNS, plans, today)
            bandwidth_rows = load("bandwidth_day", BANDWIDTH_COLUMNS, gateways, today)
            db.session.commit()
            loaded = time.perf_counter()
            db.session.remove()
            db.engine.dispose()  # drop the build connection (and its enlarged SQLite cache)
            analyze(postgresql)
            analyzed = time.perf_counter()
            version = db.session.scalar(text("SELECT version()" if postgresql else "SELECT sqlite_version()"))
            print(f"database: {db.engine.dialect.name} {version}")
            print(f"built: 1 partner connected to {CONNECTED} of {CUSTOMERS:,} customer organizations; "
                  f"{len(plans):,} licensed entitlements (1-2 per customer), {len(gateways):,} Gateway entitlements")
            print(f"       usage_day: {rows:,} rows, ending today ({today}) = {connected_entitlements:,} entitlements "
                  f"of the {CONNECTED} connected customers x {DAYS} days + {len(plans) - connected_entitlements:,} "
                  f"entitlements of the other {CUSTOMERS - CONNECTED:,} customers x {OTHER_DAYS} days")
            print(f"       bandwidth_day: {bandwidth_rows:,} rows = ({connected_gateways} Gateway entitlements of the "
                  f"connected customers x {DAYS} days + {len(gateways) - connected_gateways:,} of the others x "
                  f"{OTHER_DAYS} days) x {1 + SITES} sources (the cloud service and {SITES} sites)")
            print(f"       {storage(postgresql, tmp / 'bench.db')}")
            print(f"build time: organizations and entitlements {orgs_done - started:.1f} s, usage and bandwidth rows "
                  f"{loaded - orgs_done:.1f} s ({(rows + bandwidth_rows) / (loaded - orgs_done):,.0f} rows/s, "
                  f"{'COPY' if postgresql else 'executemany'}), "
                  f"{'VACUUM ANALYZE' if postgresql else 'ANALYZE'} {analyzed - loaded:.1f} s; "
                  f"total {analyzed - started:.1f} s")
            targets = pick_targets()
        client = app.test_client()
        response = client.post("/sign-in", data={"email": "bench@example.org", "password": "bench-password-1"})
        assert response.status_code in (200, 302, 303), response.status_code
        time_pages(app, client, targets, "Licensing pages")
        with app.app_context():
            print_plans(targets, postgresql, "with the primary key only")
        if TRY_INDEX:
            with app.app_context():
                seconds = add_covering_index(postgresql)
                print(f"\nAdded {COVERING_INDEX} in {seconds:.1f} s (with ANALYZE); "
                      f"{storage(postgresql, tmp / 'bench.db')}")
            time_pages(app, client, targets, "Licensing pages with the covering index")
            with app.app_context():
                print_plans(targets, postgresql, "with the covering index")
            if not postgresql:
                with app.app_context():
                    seconds = rebuild_without_rowid()
                    print(f"\nRebuilt usage_day WITHOUT ROWID (covering index dropped) in {seconds:.1f} s "
                          f"(with VACUUM and ANALYZE); {storage(postgresql, tmp / 'bench.db')}")
                time_pages(app, client, targets, "Licensing pages with usage_day WITHOUT ROWID")
                with app.app_context():
                    print_plans(targets, postgresql, "with usage_day WITHOUT ROWID")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
