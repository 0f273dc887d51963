"""The benchmark suite: every measured page as a share of a bare Flask baseline, with budgets.

    .venv/bin/python bench/suite.py                          # SQLite, small and large data sets
    .venv/bin/python bench/suite.py --database postgresql://postgres@127.0.0.1:5432/bench_suite

For each data set (bench/dataset.py) it serves the portal and the baseline (bench/baseline.py)
with gunicorn, one sync worker each, pinned to the first CPU while wrk (Debian's package;
installed with apt-get when missing and running as root) drives them from the other, over
loopback, signed in as the demo partner, sending `Accept-Encoding: gzip` as a browser does. Each
run measures the baseline and then the page, a few seconds each, back to back; a page's figure is
its throughput divided by the baseline's in the same run, and the median of --runs runs is kept,
so a busy machine slows both alike. Query counts come from the same pages in-process, sizes and
compression from a real request. Then: sign-ins per second at the configured argon2id cost, the
latency of Home while sign-ins run alongside on a second worker, and the peak memory of a streamed
export against one ten times longer.

It prints a table and the budgets with pass/fail, writes bench/results/<database>-<time>.json and
a chart of the same figures as .svg beside it, and exits 1 when a budget fails.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset, plot  # noqa: E402
from tests.live import PortalSession, free_port, server_env  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "wrk_report.lua"
SERVER_CPU, LOAD_CPU = "0", "1"
SCRIPT_SRC = re.compile(r'<script[^>]+src="([^"]+)"')
# Scripts a chart fetches when the page shows it: our drawing code (charts.js), then plotly.js.
LAZY_SRC = re.compile(r'data-(?:charts|plotly)-src="([^"]+)"')


@dataclass(frozen=True)
class Page:
    """One measured request: its name, path (with {orgid} and {entitlement}), kind and headers."""

    name: str
    path: str
    kind: str  # page | chart | fragment | csv | public
    target: str = ""  # HX-Target of an htmx request

    def url(self, targets: dataset.Targets) -> str:
        """The path for this data set."""
        return self.path.format(orgid=targets.orgid, entitlement=targets.entitlement_id)

    def headers(self) -> dict[str, str]:
        """Headers the browser sends for it (htmx's for a fragment)."""
        headers = {"Accept-Encoding": "gzip"}
        if self.target:
            headers.update({"HX-Request": "true", "HX-Target": self.target})
        return headers


PAGES = [
    Page("Home", "/", "page"),
    Page("Dashboard, 100 customers", "/customers", "page"),
    Page("Dashboard table (search, filters)", "/customers?sort=name", "fragment", "customer-table"),
    Page("View Licensing panel", "/customers/{orgid}/licensing", "fragment", "customer-panel"),
    Page("Usage trend", "/customers/{orgid}/licensing/{entitlement}", "chart"),
    Page("Overage chart", "/customers/{orgid}/licensing/gateway/overage", "chart"),
    Page("Notification center", "/notifications", "page"),
    Page("Customer-list CSV", "/customers/export.csv", "csv"),
    Page("Usage CSV (daily history)", "/customers/{orgid}/licensing/{entitlement}/history.csv", "csv"),
    Page("Sign in (form)", "/sign-in", "public"),
]
# Share of the baseline's throughput each kind must reach (Home has its own).
THROUGHPUT_BUDGETS = {"Home": 0.30, "Dashboard, 100 customers": 0.10, "fragment": 0.20, "csv": 0.12}
MAX_QUERIES = 5
LARGE_SLOWDOWN = 1.3
SCALED_PAGES = ("Dashboard, 100 customers", "Usage trend")
JS_BUDGET = {"page": 20_000, "chart": 420_000}
STREAM_MEMORY_BUDGET = 20 * 1024 * 1024


# --- servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    """A gunicorn we started (its process group is ours to stop)."""

    process: subprocess.Popen
    base_url: str
    log: Path

    def worker_pids(self) -> list[int]:
        """The worker processes' ids."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        """Terminate gunicorn and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(target: str, env: dict[str, str], work: Path, workers: int = 1, pin: bool = True) -> Server:
    """gunicorn with `workers` sync workers serving `target` on a free loopback port (pinned to
    SERVER_CPU when `pin`); returns once it answers."""
    port = free_port()
    log = work / f"gunicorn-{port}.log"
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
               "--bind", f"127.0.0.1:{port}", "--timeout", "120", target]
    if pin:
        command = ["taskset", "-c", SERVER_CPU, *command]
    with open(log, "w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.base_url + "/", timeout=2):
                pass
            if len(server.worker_pids()) >= workers:
                return server
        except urllib.error.HTTPError:
            if len(server.worker_pids()) >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.2)  # polling a starting server
    server.stop()
    raise RuntimeError(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")


def portal_env(url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The production app's settings for a benchmark server (no job consumer thread, no demo load)."""
    return server_env(url, {"JOBS_IN_PROCESS": "0", "SIGN_IN_RATE_LIMIT": "1000000 per minute",
                            "SIGN_IN_ACCOUNT_RATE_LIMIT": "1000000 per minute", **(extra or {})})


def start_portal(url: str, work: Path, workers: int = 1, pin: bool = True, env: dict | None = None) -> Server:
    """The portal (production factory) on the data set at `url`."""
    instance = work / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    target = f"partner_portal:create_app({json.dumps({'INSTANCE_PATH': str(instance)})})"
    return start_server(target, portal_env(url, env), work, workers, pin)


# --- wrk ------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: install it (apt-get install wrk) and run again.")
    print("Installing wrk (apt-get install wrk)…", flush=True)
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env={**os.environ,
                   "DEBIAN_FRONTEND": "noninteractive"}, **quiet)
    return shutil.which("wrk") or sys.exit("apt-get did not install wrk.")


@dataclass
class Load:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int = 2, body: str = "",
        pin: bool = True) -> Load:
    """Drive `url` for `seconds` with `connections` connections (one thread) and read the result."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if pin:
        command = ["taskset", "-c", LOAD_CPU, *command]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True,
                            env={**os.environ, "WRK_BODY": body}).stdout
    data = json.loads(output.split("WRK_JSON ", 1)[1])
    errors = data["errors"]["status"] + data["errors"]["timeout"] + data["errors"]["connect"] + data["errors"]["write"]
    return Load(data["requests"] / (data["duration_us"] / 1e6), data["p50_us"] / 1000, data["p99_us"] / 1000, errors)


# --- the figures of one page ------------------------------------------------------------------


@dataclass
class Figures:
    """One page on one data set."""

    name: str
    kind: str
    path: str
    queries: int = 0
    status: int = 0
    bytes_sent: int = 0
    bytes_decoded: int = 0
    encoding: str = ""
    javascript_gzip: int = 0
    ratios: list[float] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)
    # The same page with kept responses off (RESPONSE_CACHE=0): every request rendered.
    rendered_ratios: list[float] = field(default_factory=list)
    rendered_rps: list[float] = field(default_factory=list)
    baseline_rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def ratio(self) -> float:
        """Median share of the baseline's throughput, as served (kept responses on)."""
        return statistics.median(self.ratios) if self.ratios else 0.0

    @property
    def rendered_ratio(self) -> float:
        """Median share of the baseline's throughput with every request rendered."""
        return statistics.median(self.rendered_ratios) if self.rendered_ratios else 0.0

    def summary(self) -> dict:
        """The figures as JSON-ready values, medians included."""
        medians = {"ratio": self.ratio, "rps": _median(self.rps), "rendered_ratio": self.rendered_ratio,
                   "rendered_rps": _median(self.rendered_rps), "baseline_rps": _median(self.baseline_rps),
                   "p50_ms": _median(self.p50_ms), "p99_ms": _median(self.p99_ms)}
        return {**asdict(self), **medians}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def count_queries(url: str, work: Path, targets: dataset.Targets, pages: list[Page]) -> dict[str, int]:
    """Statements each page sends to the database (transaction control left out), in-process."""
    from sqlalchemy import event

    from partner_portal import create_app
    from partner_portal.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": dataset.sqlalchemy_url(url),
                      "INSTANCE_PATH": str(work / "in-process"), "PORTAL_DEMO": False, "WTF_CSRF_ENABLED": False,
                      "SERVER_NAME": "localhost", "TRUSTED_HOSTS": ["localhost"], "JOBS_IMMEDIATE": True,
                      "RESPONSE_CACHE": False})  # what rendering the page costs
    client = app.test_client()
    signed_in = client.post("/sign-in", data={"email": targets.email, "password": targets.password})
    assert signed_in.status_code == 303, signed_in.status_code
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, *args):
        if statement.split(None, 1)[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"}:
            statements.append(statement)

    counts = {}
    for page in pages:
        headers = {k: v for k, v in page.headers().items() if k != "Accept-Encoding"}
        client.get(page.url(targets), headers=headers).get_data()  # warm: first-use look-ups
        statements.clear()
        event.listen(engine, "before_cursor_execute", before)
        client.get(page.url(targets), headers=headers).get_data()
        event.remove(engine, "before_cursor_execute", before)
        counts[page.name] = len(statements)
    with app.app_context():
        db.engine.dispose()
    return counts


def fetch(session: PortalSession, path: str, headers: dict[str, str]):
    """One request as the browser sends it: status, body on the wire, Content-Encoding."""
    answer = session.get(path, headers=headers)
    return answer.status, answer.body, answer.headers.get("Content-Encoding", "")


def javascript_weight(session: PortalSession, html: str) -> int:
    """Bytes on the wire (gzip accepted) of every script a page loads: its <script> tags, and
    charts.js and plotly.js, fetched by its first chart, when it has charts."""
    sources = set(SCRIPT_SRC.findall(html)) | set(LAZY_SRC.findall(html))
    total = 0
    for source in sources:
        _status, body, _encoding = fetch(session, source.replace("&amp;", "&"), {"Accept-Encoding": "gzip"})
        total += len(body)
    return total


# Sent by the signing-in client and by wrk alike, as one browser sends one User-Agent: the session
# is bound to the address and agent it signed in from (Flask-Login's "basic" protection), and a
# request from another agent marks it not fresh, which rewrites the session cookie every time.
AGENT = "portal-bench"


def signed_in(server: Server, targets: dataset.Targets) -> tuple[PortalSession, dict[str, str]]:
    """A session signed in as the demo partner, past the first page (which shows "Signed in" and
    renews the cookie, as in a browser), and the headers wrk sends for it: its Cookie, unchanged
    from then on, and the same User-Agent."""
    session = PortalSession(server.base_url)
    session._opener.addheaders = [("User-Agent", AGENT)]
    session.sign_in(targets.email, targets.password)
    session.get("/")
    return session, {"Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies), "User-Agent": AGENT}


def measure_pages(url: str, targets: dataset.Targets, baseline: Server, work: Path, args) -> list[Figures]:
    """Serve the data set and measure every page against the baseline."""
    counts = count_queries(url, work, targets, PAGES)
    server = start_portal(url, work)
    rendering = start_portal(url, work / "rendered", env={"RESPONSE_CACHE": "0"})
    try:
        session, signed = signed_in(server, targets)
        _rendered_session, rendered_signed = signed_in(rendering, targets)
        results = []
        for page in PAGES:
            figures = Figures(page.name, page.kind, page.url(targets), queries=counts[page.name])
            client = PortalSession(server.base_url) if page.kind == "public" else session
            status, body, encoding = fetch(client, figures.path, page.headers())
            decoded = gzip.decompress(body) if encoding == "gzip" else body
            figures.status, figures.bytes_sent, figures.bytes_decoded, figures.encoding = (
                status, len(body), len(decoded), encoding)
            if page.kind in {"page", "chart", "public"}:
                figures.javascript_gzip = javascript_weight(session, decoded.decode())
            results.append(figures)
        for run in range(args.runs):
            for page, figures in zip(PAGES, results):
                headers = page.headers() if page.kind == "public" else {**page.headers(), **signed}
                rendered_headers = page.headers() if page.kind == "public" else {**page.headers(), **rendered_signed}
                base = wrk(baseline.base_url + "/", {"Accept-Encoding": "gzip"}, args.seconds)
                load = wrk(server.base_url + figures.path, headers, args.seconds)
                rendered = wrk(rendering.base_url + figures.path, rendered_headers, args.seconds)
                figures.rendered_ratios.append(rendered.rps / base.rps)
                figures.rendered_rps.append(rendered.rps)
                figures.errors += rendered.errors
                figures.ratios.append(load.rps / base.rps)
                figures.rps.append(load.rps)
                figures.baseline_rps.append(base.rps)
                figures.p50_ms.append(load.p50_ms)
                figures.p99_ms.append(load.p99_ms)
                figures.errors += load.errors + base.errors
            print(f"  run {run + 1} of {args.runs} done", flush=True)
        return results
    finally:
        server.stop()
        rendering.stop()


# --- kept responses under writes ------------------------------------------------------------------

WRITE_RATES = (1, 10, 100)  # committed writes per second elsewhere in the database


def _writer(url: str, per_second: int, stop) -> None:
    """Commit `per_second` one-row updates a second on a connection of its own until `stop` is set,
    as other people's requests would: a session's last-seen time, which the measured page does not
    show. Each sets a new value (an update to the same value writes nothing, on SQLite at least)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(dataset.sqlalchemy_url(url))
    touch = text("UPDATE user_session SET last_seen_at = :now WHERE id = (SELECT min(id) FROM user_session)")
    with engine.connect() as connection:
        while not stop.wait(1 / per_second):
            connection.execute(touch, {"now": datetime.now(timezone.utc)})
            connection.commit()
    engine.dispose()


def measure_under_writes(url: str, targets: dataset.Targets, baseline: Server, work: Path, args) -> list[dict]:
    """The dashboard as served while the database takes WRITE_RATES commits a second: every commit
    outdates every kept response, so this is what the cache keeps when the database is busy."""
    import threading

    page = next(page for page in PAGES if page.name == "Dashboard, 100 customers")
    server = start_portal(url, work)
    figures = []
    try:
        _session, signed = signed_in(server, targets)
        headers = {**page.headers(), **signed}
        for rate in WRITE_RATES:
            stop = threading.Event()
            writer = threading.Thread(target=_writer, args=(url, rate, stop))
            writer.start()
            try:
                base = wrk(baseline.base_url + "/", {"Accept-Encoding": "gzip"}, args.seconds)
                load = wrk(server.base_url + page.url(targets), headers, args.seconds)
            finally:
                stop.set()
                writer.join()
            figures.append({"writes_per_second": rate, "ratio": load.rps / base.rps, "rps": load.rps,
                            "errors": load.errors + base.errors})
    finally:
        server.stop()
    return figures


# --- sign-in cost and streaming memory ------------------------------------------------------------


def measure_sign_in(url: str, targets: dataset.Targets, baseline: Server, work: Path, args) -> dict:
    """Sign-ins per second on one worker (each one verifies the argon2id hash and records a
    session), and Home's latency on a second worker with and without sign-ins running alongside."""
    from urllib.parse import urlencode

    # Kept responses off: Home beside the sign-ins is rendered, a page's real work.
    server = start_portal(url, work, workers=2, pin=False, env={"RESPONSE_CACHE": "0"})
    try:
        form = PortalSession(server.base_url)
        token = form.csrf_token()
        cookie = "; ".join(f"{c.name}={c.value}" for c in form.cookies)
        body = urlencode({"email": targets.email, "password": targets.password, "csrf_token": token})
        post_headers = {"Cookie": cookie, "Origin": server.base_url}
        single = wrk(server.base_url + "/sign-in", post_headers, args.seconds, connections=1, body=body, pin=False)
        _home, home_signed = signed_in(server, targets)
        home_headers = {**home_signed, "Accept-Encoding": "gzip"}
        quiet = wrk(server.base_url + "/", home_headers, args.seconds, connections=1, pin=False)
        background = subprocess.Popen(
            ["wrk", "-t1", "-c1", f"-d{args.seconds + 2}s", "-s", str(LUA), *sum((["-H", f"{k}: {v}"]
             for k, v in post_headers.items()), []), server.base_url + "/sign-in"],
            env={**os.environ, "WRK_BODY": body}, stdout=subprocess.PIPE, text=True)
        time.sleep(1)  # let the sign-in load start before Home is measured beside it
        busy = wrk(server.base_url + "/", home_headers, args.seconds, connections=1, pin=False)
        background.communicate()
    finally:
        server.stop()
    from partner_portal.auth.passwords import OWASP_PARAMETERS

    return {"argon2id": OWASP_PARAMETERS, "sign_ins_per_second": single.rps, "sign_in_p50_ms": single.p50_ms,
            "sign_in_errors": single.errors, "home_p50_ms_alone": quiet.p50_ms, "home_p50_ms_beside_sign_ins":
            busy.p50_ms, "home_rps_alone": quiet.rps, "home_rps_beside_sign_ins": busy.rps,
            "errors": quiet.errors + busy.errors}


def peak_rss(pid: int) -> int:
    """The process's peak resident memory in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def measure_streaming(url: str, targets: dataset.Targets, work: Path) -> dict:
    """Peak memory of the worker serving the daily-bandwidth export of 3 years and of 30 years
    (ten times the rows); the peak is reset before each (clear_refs)."""
    # Kept responses off: the second request of each export must stream again, not be a kept copy.
    server = start_portal(url, work, pin=False, env={"RESPONSE_CACHE": "0"})
    figures = {}
    try:
        session = PortalSession(server.base_url)
        session.sign_in(targets.email, targets.password)
        (pid,) = server.worker_pids()
        for label, entitlement in (("short", targets.export_small_id), ("long", targets.export_large_id)):
            path = f"/customers/{targets.export_orgid}/licensing/{entitlement}/history.csv"
            session.get(path)  # warm: first use of the code path
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            before = peak_rss(pid)
            answer = session.get(path)
            figures[label] = {"rows": answer.body.count(b"\n") - 1, "bytes": len(answer.body),
                              "peak_rise": peak_rss(pid) - before}
    finally:
        server.stop()
    figures["difference"] = figures["long"]["peak_rise"] - figures["short"]["peak_rise"]
    return figures


# --- budgets and report ------------------------------------------------------------------------


def data_set_baseline(pages: list[Figures]) -> float:
    """The baseline's requests per second over every run of a data set (one per page and run, 30
    by default): the machine's speed while that set was measured. The large-against-small budget
    compares a page's time on the two sets against it rather than against the three baseline runs
    beside the page, whose own noise (a tenth either way) would decide a budget of 1.3×."""
    return _median([rps for page in pages for rps in page.baseline_rps])


def budgets(sizes: dict[str, list[Figures]], streaming: dict, sign_in: dict) -> list[tuple[str, str, bool]]:
    """Every budget: what it says, what was measured, and whether it holds."""
    checks = []
    for size, pages in sizes.items():
        for page in pages:
            wanted = THROUGHPUT_BUDGETS.get(page.name) or THROUGHPUT_BUDGETS.get(page.kind)
            if wanted:
                checks.append((f"[{size}] {page.name} ≥ {wanted:.0%} of baseline", f"{page.ratio:.1%}",
                               page.ratio >= wanted))
            checks.append((f"[{size}] {page.name}: ≤ {MAX_QUERIES} queries", str(page.queries),
                           page.queries <= MAX_QUERIES))
            if page.errors or page.status != 200:
                checks.append((f"[{size}] {page.name}: no errors", f"status {page.status}, {page.errors} errors",
                               False))
            if page.kind in JS_BUDGET:
                limit = JS_BUDGET[page.kind]
                checks.append((f"[{size}] {page.name}: JavaScript ≤ {limit // 1000} KB gzip",
                               f"{page.javascript_gzip / 1000:.1f} KB", page.javascript_gzip <= limit))
            if page.kind != "public" and page.bytes_decoded > 1024:
                checks.append((f"[{size}] {page.name}: compressed", page.encoding or "none",
                               page.encoding == "gzip"))
    if "small" in sizes and "large" in sizes:
        small = {page.name: page for page in sizes["small"]}
        for page in sizes["large"]:
            if page.name in SCALED_PAGES:  # rendered: what the data set's size can change
                large_share = _median(page.rendered_rps) / data_set_baseline(sizes["large"])
                small_share = _median(small[page.name].rendered_rps) / data_set_baseline(sizes["small"])
                slowdown = small_share / large_share if large_share else float("inf")
                checks.append((f"{page.name}: large ≤ {LARGE_SLOWDOWN}× small", f"{slowdown:.2f}×",
                               slowdown <= LARGE_SLOWDOWN))
    if streaming:
        checks.append(("CSV export: 10× the rows raise peak memory ≤ 20 MB",
                       f"{streaming['difference'] / 2**20:+.1f} MB ({streaming['short']['rows']:,} → "
                       f"{streaming['long']['rows']:,} rows)", streaming["difference"] <= STREAM_MEMORY_BUDGET))
    if sign_in:
        checks.append(("Sign-in: no request errors", str(sign_in["sign_in_errors"] + sign_in["errors"]),
                       sign_in["sign_in_errors"] + sign_in["errors"] == 0))
    return checks


def print_table(size: str, pages: list[Figures]) -> None:
    """One data set's figures."""
    print(f"\n{size}: medians of {len(pages[0].ratios)} runs")
    print(f"{'page':<36}{'of baseline':>12}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'rendered':>9}{'req/s':>7}"
          f"{'queries':>8}{'bytes sent':>11}{'JS gzip':>9}")
    for page in pages:
        summary = page.summary()
        print(f"{page.name:<36}{page.ratio:>12.1%}{summary['rps']:>8.0f}{summary['p50_ms']:>8.1f}"
              f"{summary['p99_ms']:>8.1f}{page.rendered_ratio:>9.1%}{summary['rendered_rps']:>7.0f}"
              f"{page.queries:>8}{page.bytes_sent:>11,}"
              f"{(str(round(page.javascript_gzip / 1000, 1)) + ' KB') if page.javascript_gzip else '':>9}")
    print(f"{'baseline (bare Flask, tiny template)':<36}{'100.0%':>12}{_median(pages[0].baseline_rps):>8.0f}")


def main() -> int:
    """Parse the options, build, measure, print, write."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="sqlite", help="sqlite (a temporary file) or a postgresql:// URL")
    parser.add_argument("--sizes", default="small,large", help="data sets to measure (small, large)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--pages", default="", help="only pages whose names contain one of these comma-separated "
                        "words (a partial run: no sign-in or memory figures)")
    args = parser.parse_args()
    if args.pages:
        words = [word.strip().lower() for word in args.pages.split(",") if word.strip()]
        PAGES[:] = [page for page in PAGES if any(word in page.name.lower() for word in words)]
    ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    baseline = start_server("bench.baseline:create_app()", {**os.environ, "PYTHONUNBUFFERED": "1"}, work)
    sizes: dict[str, list[Figures]] = {}
    streaming, sign_in, under_writes = {}, {}, []
    database = "sqlite" if args.database == "sqlite" else "postgresql"
    try:
        for name in args.sizes.split(","):
            url = f"sqlite:///{work / (name + '.db')}" if args.database == "sqlite" else args.database
            targets = dataset.create(dataset.SIZES[name], url, work / f"build-{name}")
            print(f"measuring {name}…", flush=True)
            sizes[name] = measure_pages(url, targets, baseline, work / name, args)
            print_table(name, sizes[name])
            if name == "small" and not args.pages:
                sign_in = measure_sign_in(url, targets, baseline, work / "sign-in", args)
                streaming = measure_streaming(url, targets, work / "streaming")
                under_writes = measure_under_writes(url, targets, baseline, work / "under-writes", args)
    finally:
        baseline.stop()
    checks = budgets(sizes, streaming, sign_in)
    if sign_in:
        print(f"\nsign-in (argon2id {sign_in['argon2id']}): {sign_in['sign_ins_per_second']:.1f} per second on one "
              f"worker (p50 {sign_in['sign_in_p50_ms']:.0f} ms); Home p50 {sign_in['home_p50_ms_alone']:.1f} ms alone, "
              f"{sign_in['home_p50_ms_beside_sign_ins']:.1f} ms while sign-ins run on the other worker")
    if under_writes:
        print("\ndashboard as served while the database takes writes elsewhere (each empties every kept response): "
              + ", ".join(f"{f['writes_per_second']}/s {f['ratio']:.1%}" for f in under_writes))
    print("\nbudgets")
    for label, measured, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {measured}")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    args.output.mkdir(parents=True, exist_ok=True)
    result = {"database": database, "time": stamp, "command": " ".join(sys.argv), "runs": args.runs,
              "seconds": args.seconds, "load": os.getloadavg(),
              "sizes": {name: [page.summary() for page in pages] for name, pages in sizes.items()},
              "sign_in": sign_in, "streaming": streaming, "under_writes": under_writes,
              "budgets": [{"budget": label, "measured": measured, "pass": ok} for label, measured, ok in checks]}
    json_path = args.output / f"{database}-{stamp}.json"
    json_path.write_text(json.dumps(result, indent=2, default=str))
    plot.write_svg(result, json_path.with_suffix(".svg"))
    print(f"\nwrote {json_path} and {json_path.with_suffix('.svg').name}")
    shutil.rmtree(work, ignore_errors=True)
    failed = [label for label, _measured, ok in checks if not ok]
    print(f"{len(checks) - len(failed)} of {len(checks)} budgets met" + (f"; FAILED: {len(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
