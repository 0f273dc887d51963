"""Import a generated 1,000,000-row usage CSV into a scratch SQLite database and print the
speed and the memory it took.

    .venv/bin/python bench/import_memory.py [--rows 1000000] [--entitlements 1000] [--tracemalloc]

Peak RSS is the process's high-water mark (resource.getrusage); the figure that matters is its
growth during the import, printed beside it. --tracemalloc also prints the peak of Python
allocations during the import (it slows Python down, so the speed printed then is lower).
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from partner_portal import create_app  # noqa: E402
from partner_portal.database import upgrade_schema  # noqa: E402
from partner_portal.extensions import db  # noqa: E402
from partner_portal.licensing.importer import REQUIRED_COLUMNS, import_usage  # noqa: E402
from partner_portal.models import Entitlement, Organization, Service  # noqa: E402


def peak_rss_mib() -> float:
    """The process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_app(root: Path):
    """An app on a fresh SQLite file, schema built by the migrations."""
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": str(root / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.db'}", "PORTAL_DEMO": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        upgrade_schema()
    return app


def make_entitlements(count: int) -> list[str]:
    """Create `count` customers with one DaaS entitlement each; return their ORGIDs."""
    db.session.add(Service(code="daas-user", name="DaaS (user/device)", unit="users"))
    orgids = [str(4_000_000_000 + index) for index in range(count)]
    db.session.execute(insert(Organization), [{"orgid": orgid, "name": f"Bench {orgid}"} for orgid in orgids])
    ids = dict(db.session.execute(select(Organization.orgid, Organization.id)).all())
    db.session.execute(insert(Entitlement), [
        {"organization_id": ids[orgid], "service_code": "daas-user", "license_count": 1000,
         "start_date": date(2020, 1, 1), "end_date": date(2035, 1, 1)} for orgid in orgids])
    db.session.commit()
    return orgids


def write_csv(path: Path, orgids: list[str], rows: int, today: date) -> None:
    """Write `rows` rows: every entitlement, day by day backwards from today (streamed)."""
    rng = random.Random(7)
    days = -(-rows // len(orgids))
    written = 0
    with open(path, "w", newline="") as handle:
        handle.write(",".join(REQUIRED_COLUMNS) + "\n")
        for offset in range(days):
            day = (today - timedelta(days=offset)).isoformat()
            for orgid in orgids:
                if written == rows:
                    return
                monthly = rng.randint(50, 900)
                handle.write(f"{orgid},daas-user,{day},{monthly + 50},{rng.randint(0, 9)},"
                             f"{rng.randint(0, monthly)},{monthly}\n")
                written += 1


def main() -> None:
    """Generate, import, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--entitlements", type=int, default=1_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        app = make_app(root)
        today = date.today()
        with app.app_context():
            orgids = make_entitlements(args.entitlements)
            path = root / "usage.csv"
            started = time.perf_counter()
            write_csv(path, orgids, args.rows, today)
            print(f"wrote {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - started:.1f}s", file=sys.stderr)

            rss_before = peak_rss_mib()
            if args.tracemalloc:
                tracemalloc.start()
            started = time.perf_counter()
            report = import_usage(path, batch_size=args.batch_size, today=today,
                                  progress=lambda phase, rows: print(f"  {phase} {rows:,}", file=sys.stderr))
            db.session.commit()
            elapsed = time.perf_counter() - started
            traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
            tracemalloc.stop()
            rss_after = peak_rss_mib()
            assert report.ok and report.rows_imported == args.rows, report

            print(f"rows imported:     {report.rows_imported:,} for {report.entitlements_touched:,} entitlements")
            print(f"time:              {elapsed:.1f}s (both passes: check, then write)")
            print(f"rows/second:       {report.rows_imported / elapsed:,.0f}")
            print(f"peak RSS:          {rss_after:.0f} MiB (before the import {rss_before:.0f} MiB, "
                  f"growth {rss_after - rss_before:.0f} MiB)")
            if traced_peak is not None:
                print(f"tracemalloc peak:  {traced_peak / 2**20:.1f} MiB of Python allocations during the import")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
