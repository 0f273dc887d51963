"""Benchmark data sets, written with bulk inserts into SQLite or PostgreSQL.

- **small**: the demo world, its partner (Northwind, `partner@demo.example`) topped up to its
  100-customer limit with customers that have a year of daily usage, bandwidth, notifications and
  tickets, so the dashboard shows 100 rows;
- **large**: the same, the demo partner's added customers with 3 years of history, plus 2,000
  other partners sharing 40,000 customers, each with entitlements, 90 days of daily usage (a
  quarter with Gateway bandwidth from the cloud and two sites), notifications and tickets.

Sizes in between (for docs/scaling.md) come from `Size(...)` directly. Every customer the demo
partner gets is the same in both sets but for its history's length, so small and large compare
the same pages. One customer, "Bench Export Customer", holds two Gateway entitlements whose
daily-bandwidth exports differ tenfold in rows (the streaming-memory check).

    .venv/bin/python bench/dataset.py large sqlite:////tmp/large.db   # or a postgresql:// URL
"""
from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text  # noqa: E402

from bench import bulk  # noqa: E402
from partner_portal.database import upgrade_schema  # noqa: E402
from partner_portal.demo.services import load_demo  # noqa: E402
from partner_portal.extensions import db  # noqa: E402
from partner_portal.models import (  # noqa: E402
    Access, Administrator, CommitModel, Connection, Entitlement, Notification, Organization, Program,
    ProgramMembership, Severity, SupportTicket, Tenancy, Term, TicketStatus, User,
)

DEMO_PARTNER = "Northwind Cloud Partners"
PARTNER_EMAIL, PARTNER_PASSWORD = "partner@demo.example", "demo-partner"
CONNECTION_LIMIT = 100
LICENSED = ("daas-user", "daas-concurrent", "secure-private-access", "endpoint-management")
SITES = ("site-1", "site-2")
EXPORT_SITES = tuple(f"site-{n}" for n in range(1, 11))
EXPORT_CUSTOMER = "Bench Export Customer"
# The streaming check: the same export over 3 years and over 30 years (ten times the rows).
EXPORT_YEARS = (3, 30)
NOTIFICATION_DAYS = 90
USAGE_COLUMNS = ("entitlement_id", "day", "assigned", "newly_assigned", "daily_active", "monthly_active",
                 "peak_concurrent")
BANDWIDTH_COLUMNS = ("entitlement_id", "day", "source", "site", "megabytes")


@dataclass(frozen=True)
class Size:
    """How much data: other partners and their customers, and the length of the histories."""

    name: str
    partners: int = 0
    customers: int = 0
    # Daily usage and bandwidth of the demo partner's added customers.
    years: float = 1
    # Daily usage and bandwidth of every other partner's customers.
    other_days: int = 90

    @property
    def organizations(self) -> int:
        """Organizations beyond the demo world's."""
        return self.partners + self.customers


SIZES = {
    "small": Size("small"),
    "large": Size("large", partners=2000, customers=40000, years=3),
}


@dataclass(frozen=True)
class Targets:
    """What the benchmark opens: the demo partner's sign-in, a customer with licensed and Gateway
    entitlements, and the export customer's two Gateway entitlements."""

    email: str
    password: str
    orgid: str
    entitlement_id: int
    export_orgid: str
    export_small_id: int
    export_large_id: int


@dataclass
class _Customer:
    """One generated customer: its entitlements and how long their history runs."""

    org_id: int
    history_days: int
    licensed: list  # (entitlement id, license count, base assigned, monthly commit, concurrent)
    gateways: list  # (entitlement id, users, sites)


class Builder:
    """Writes one data set; ids are given explicitly, so rows need no read-back."""

    def __init__(self, size: Size, today: date):
        self.size = size
        self.today = today
        self.now = datetime.now(timezone.utc)
        self.rng = random.Random(15)
        self.ids = {model: bulk.next_id(model) for model in
                    (Organization, User, Administrator, Connection, Entitlement, Notification, SupportTicket,
                     ProgramMembership)}
        self.rows: dict = {model: [] for model in self.ids}
        self.customers: list[_Customer] = []
        self.serial = 0

    def new_id(self, model) -> int:
        """The next explicit id of `model`'s table."""
        value = self.ids[model]
        self.ids[model] += 1
        return value

    def add(self, model, **values) -> int:
        """Queue one row of `model`; returns its id."""
        row_id = self.new_id(model)
        self.rows[model].append({"id": row_id, **values})
        return row_id

    # --- organizations ------------------------------------------------------------------------

    def organization(self, name: str, tenancy: Tenancy) -> int:
        """An organization with an 11-digit ORGID (the demo world's are 10 digits: never equal)."""
        self.serial += 1
        return self.add(Organization, orgid=f"9{self.serial:010d}", name=name, tenancy=tenancy,
                        invitation_token=None, created_at=self.now - timedelta(days=1500))

    def contact(self, org_id: int, slug: str) -> None:
        """The organization's own full-access administrator (no password: never signs in)."""
        user_id = self.add(User, email=f"admin@{slug}.example", name="Bench Admin", session_version=1,
                           is_operator=False, created_at=self.now)
        self.add(Administrator, user_id=user_id, organization_id=org_id, access=Access.FULL,
                 permissions=frozenset(), added_at=self.now)

    def partner(self, number: int) -> int:
        """Another badged partner with its administrator."""
        org_id = self.organization(f"Bench Partner {number:05d}", Tenancy.MULTI)
        self.rows[Organization][-1]["invitation_token"] = f"bench-partner-{number:05d}"
        self.add(ProgramMembership, organization_id=org_id, program=Program.SOLUTION_ADVISOR, since=self.now)
        self.contact(org_id, f"partner{number:05d}")
        return org_id

    def customer(self, partner_id: int, name: str, history_days: int, gateway_share: float) -> _Customer:
        """A connected customer with its contact, entitlements, notifications and tickets."""
        rng = self.rng
        org_id = self.organization(name, rng.choice(list(Tenancy)))
        self.contact(org_id, name.lower().replace(" ", ""))
        self.add(Connection, partner_id=partner_id, customer_id=org_id, method="invitation",
                 created_at=self.now - timedelta(days=rng.randint(5, 700)))
        first_day = self.today - timedelta(days=history_days - 1)
        found = _Customer(org_id, history_days, [], [])
        for code in rng.sample(LICENSED, rng.choice((1, 2, 2, 3))):
            count = rng.choice((25, 50, 100, 250, 500, 1000))
            base = max(1, int(count * rng.uniform(0.4, 1.1)))
            monthly = rng.random() < 0.15
            entitlement_id = self.add(
                Entitlement, organization_id=org_id, service_code=code, is_trial=False, license_count=count,
                term=rng.choice(list(Term)), start_date=first_day, licenses_assigned=base,
                end_date=self.today + timedelta(days=rng.randint(-20, 700)), requested_at=self.now,
                commit_model=CommitModel.MONTHLY_COMMIT if monthly else CommitModel.FIXED)
            found.licensed.append((entitlement_id, count, base, monthly, code == "daas-concurrent"))
        if rng.random() < gateway_share:
            users = rng.choice((25, 100, 250, 1000))
            entitlement_id = self.add(
                Entitlement, organization_id=org_id, service_code="gateway", is_trial=False, license_count=users,
                term=rng.choice(list(Term)), start_date=first_day, licenses_assigned=users,
                end_date=self.today + timedelta(days=rng.randint(30, 700)), requested_at=self.now,
                commit_model=CommitModel.FIXED)
            found.gateways.append((entitlement_id, users, SITES))
        for _ in range(rng.randint(0, 4)):
            self.add(Notification, organization_id=org_id, severity=rng.choice(list(Severity)),
                     title="Service update completed", body="The scheduled update finished.",
                     created_at=self.now - timedelta(hours=rng.randint(1, 24 * NOTIFICATION_DAYS)))
        for _ in range(rng.randint(0, 2)):
            closed = rng.random() < 0.5
            opened = self.now - timedelta(days=rng.randint(1, 120))
            self.add(SupportTicket, organization_id=org_id, subject="Slow session launch",
                     status=TicketStatus.CLOSED if closed else TicketStatus.OPEN, opened_at=opened,
                     closed_at=opened + timedelta(days=2) if closed else None)
        self.customers.append(found)
        return found

    def export_customer(self, partner_id: int) -> tuple[int, int]:
        """The customer whose two Gateway entitlements carry 3 and 30 years of bandwidth from the
        cloud and ten sites; returns their ids."""
        org_id = self.organization(EXPORT_CUSTOMER, Tenancy.SINGLE)
        self.contact(org_id, "benchexport")
        self.add(Connection, partner_id=partner_id, customer_id=org_id, method="invitation", created_at=self.now)
        ids = []
        for years in EXPORT_YEARS:
            days = years * 365
            entitlement_id = self.add(
                Entitlement, organization_id=org_id, service_code="gateway", is_trial=False, license_count=100,
                term=Term.TERMED, start_date=self.today - timedelta(days=days - 1), licenses_assigned=100,
                end_date=self.today + timedelta(days=365), requested_at=self.now, commit_model=CommitModel.FIXED)
            self.customers.append(_Customer(org_id, days, [], [(entitlement_id, 100, EXPORT_SITES)]))
            ids.append(entitlement_id)
        return ids[0], ids[1]

    # --- writing ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the queued rows, parents first."""
        for model in (Organization, User, ProgramMembership, Administrator, Connection, Entitlement, Notification,
                      SupportTicket):
            bulk.insert_models(model, self.rows[model])
            self.rows[model] = []

    def usage_rows(self):
        """Every customer's daily usage rows, day by day from the oldest (as the daily import writes)."""
        def figures(entitlement_id, count, base, monthly, concurrent, index, day):
            wobble = (entitlement_id * 7 + index * 13) % 5
            assigned = (base * day.day // 31 if monthly else base * (300 + index % 400) // 700) + wobble
            return (entitlement_id, day, assigned, wobble, assigned * 6 // 10, assigned * 9 // 10,
                    assigned // 2 if concurrent else None)

        return self._daily(lambda customer: customer.licensed, figures)

    def bandwidth_rows(self):
        """Every Gateway entitlement's daily bandwidth: about 1 GB per user a month, mostly on working
        days, 60 % from the cloud, the rest shared by its sites."""
        def figures(entitlement_id, users, sites, index, day):
            wobble = (entitlement_id * 7 + index * 13) % 21 - 10
            total = users * (1280 if day.weekday() < 5 else 300) * 12 // 365 * (100 + wobble) // 100
            cloud = total * 6 // 10
            return [(entitlement_id, day, "cloud", "", cloud)] + [
                (entitlement_id, day, "on-premises", site, (total - cloud) // len(sites)) for site in sites]

        return self._daily(lambda customer: customer.gateways, figures, many=True)

    def _daily(self, plans, figures, many: bool = False):
        longest = max((c.history_days for c in self.customers if plans(c)), default=0)
        for back in range(longest - 1, -1, -1):
            day = self.today - timedelta(days=back)
            for customer in self.customers:
                if back < customer.history_days:
                    index = customer.history_days - 1 - back
                    for plan in plans(customer):
                        if many:
                            yield from figures(*plan, index, day)
                        else:
                            yield figures(*plan, index, day)


def build(size: Size, today: date | None = None) -> Targets:
    """Load the demo world into the empty database of the current app, then add `size`'s data."""
    today = today or date.today()
    load_demo(only_if_empty=False)
    partner_id = db.session.scalar(select(Organization.id).where(Organization.name == DEMO_PARTNER))
    connected = db.session.scalar(select(db.func.count()).select_from(Connection).where(
        Connection.partner_id == partner_id, Connection.ended_at.is_(None)))
    builder = Builder(size, today)
    history = round(size.years * 365)
    first = builder.customer(partner_id, "Bench Customer 001", history, gateway_share=1.0)
    for number in range(2, CONNECTION_LIMIT - connected):
        builder.customer(partner_id, f"Bench Customer {number:03d}", history, gateway_share=0.3)
    export_small, export_large = builder.export_customer(partner_id)
    partners = [builder.partner(n) for n in range(1, size.partners + 1)]
    builder.flush()
    for n in range(size.customers):
        builder.customer(partners[n % len(partners)], f"Customer {n:06d}", size.other_days, gateway_share=0.25)
        if len(builder.rows[Organization]) >= 5000:
            builder.flush()
    builder.flush()
    bulk.bump_sequences(Organization, User, Administrator, Connection, Entitlement, Notification, SupportTicket,
                        ProgramMembership)
    bulk.write_rows("usage_day", USAGE_COLUMNS, builder.usage_rows())
    bulk.write_rows("bandwidth_day", BANDWIDTH_COLUMNS, builder.bandwidth_rows())
    db.session.commit()
    bulk.analyze()
    orgid = db.session.scalar(select(Organization.orgid).where(Organization.id == first.org_id))
    export_orgid = db.session.scalar(select(Organization.orgid).where(Organization.name == EXPORT_CUSTOMER))
    return Targets(PARTNER_EMAIL, PARTNER_PASSWORD, orgid, first.licensed[0][0], export_orgid, export_small,
                   export_large)


def reset_database(url: str) -> None:
    """Start from nothing: a new SQLite file, or an empty public schema on PostgreSQL."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def sqlalchemy_url(url: str) -> str:
    """A postgresql:// URL with psycopg 3 spelled out; others unchanged."""
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def create(size: Size, url: str, instance: Path) -> Targets:
    """Build `size` into the database at `url` (emptied first); prints the time it took."""
    from partner_portal import create_app

    url = sqlalchemy_url(url)
    reset_database(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(instance), "PORTAL_DEMO": False, "JOBS_IMMEDIATE": True})
    started = time.perf_counter()
    with app.app_context():
        upgrade_schema()
        targets = build(size)
        db.engine.dispose()
    print(f"data set {size.name}: {size.organizations + 50:,} organizations on {url.split(':')[0]}, "
          f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return targets


if __name__ == "__main__":
    import tempfile

    name, target_url = sys.argv[1], sys.argv[2]
    print(create(SIZES[name], target_url, Path(tempfile.mkdtemp())))
