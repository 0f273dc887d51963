"""How the dashboard, the usage trend and the usage export grow with the number of organizations
(other partners' customers) and with the years of daily usage, on SQLite or PostgreSQL. Times are
in-process CPU medians (time.process_time, so a busy machine inflates them less), also as a
multiple of a bare Flask view measured the same way. Prints a Markdown table (docs/scaling.md).

    .venv/bin/python bench/scaling.py                    # organizations 1k-100k, then 1-5 years
    .venv/bin/python bench/scaling.py --database postgresql://postgres@127.0.0.1:5432/bench_scaling
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset  # noqa: E402
from bench.baseline import create_app as baseline_app  # noqa: E402

REQUESTS = 40
STEPS = [("organizations", n, 3) for n in (1_000, 10_000, 40_000, 100_000)] + \
        [("years", 10_000, years) for years in (1, 5)]


def cpu_ms(client, path: str, requests: int = REQUESTS) -> float:
    """Median CPU milliseconds of GET `path` (each body read to its end)."""
    times = []
    for _ in range(requests):
        started = time.process_time()
        client.get(path).get_data()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def measure(url: str, targets: dataset.Targets, work: Path) -> dict[str, float]:
    """The three pages on the data set at `url`."""
    from partner_portal import create_app
    from partner_portal.extensions import db

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": dataset.sqlalchemy_url(url),
                      "INSTANCE_PATH": str(work), "PORTAL_DEMO": False, "PORTAL_AUTO_MIGRATE": False,
                      "WTF_CSRF_ENABLED": False, "TRUSTED_HOSTS": ["localhost"], "SERVER_NAME": "localhost",
                      "RATELIMIT_STORAGE_URI": "memory://", "JOBS_IN_PROCESS": False,
                      "RESPONSE_CACHE": False})  # growth of rendering: every request answered by the app
    client = app.test_client()
    assert client.post("/sign-in", data={"email": targets.email, "password": targets.password}).status_code == 303
    base = f"/customers/{targets.orgid}/licensing/{targets.entitlement_id}"
    pages = {"dashboard": "/customers", "trend": base, "usage CSV": base + "/history.csv"}
    for path in pages.values():
        cpu_ms(client, path, 3)
    figures = {name: cpu_ms(client, path) for name, path in pages.items()}
    with app.app_context():
        figures["usage rows"] = db.session.execute(db.text("SELECT count(*) FROM usage_day")).scalar()
        db.engine.dispose()
    return figures


def main() -> None:
    """Build each size, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-scaling-"))
    base_client = baseline_app().test_client()
    cpu_ms(base_client, "/", 50)
    baseline = cpu_ms(base_client, "/", 400)
    print(f"baseline (bare Flask, in-process): {baseline:.3f} ms\n")
    print("| varied | organizations | years of usage | usage_day rows | dashboard | trend | usage CSV |")
    print("|---|---|---|---|---|---|---|")
    for varied, customers, years in STEPS:
        url = f"sqlite:///{work / 'scaling.db'}" if args.database == "sqlite" else args.database
        size = dataset.Size(f"{customers}-{years}", partners=max(1, customers // 20), customers=customers,
                            years=years)
        targets = dataset.create(size, url, work / "build")
        f = measure(url, targets, work / "measure")
        cells = " | ".join(f"{f[name]:.1f} ms ({f[name] / baseline:.0f}×)" for name in ("dashboard", "trend",
                                                                                          "usage CSV"))
        print(f"| {varied} | {customers + size.partners:,} | {years} | {f['usage rows']:,} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
