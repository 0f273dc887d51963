"""Browser-test infrastructure: the real app served by a subprocess on its own SQLite file, Debian's
Chromium for pytest-playwright, the `e2e` marker on every test here, and a sign-in helper.

Run with `pytest -m e2e`; the default run deselects these tests.
"""
from __future__ import annotations


import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Error, Locator, Page, expect

from ..mailbox import Recorder, SMTPServer, free_port

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
START_TIMEOUT = 90.0  # seconds: migrations plus the demo world on an empty database
# Settings the server must not inherit from the shell running the tests (a developer's database,
# Redis, SMTP server or secure-cookie flag would leak into the run or break it over plain http).
INHERITED_SETTINGS = ("DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "REDIS_URL", "TRUSTED_HOSTS",
                      "TRUSTED_PROXIES", "SIGN_IN_RATE_LIMIT", "SIGN_IN_ACCOUNT_RATE_LIMIT", "FLASK_APP",
                      "FLASK_DEBUG", "FLASK_RUN_PORT", "FLASK_RUN_HOST")
INHERITED_PREFIXES = ("PORTAL_", "MAIL_", "JOBS_", "TWO_FACTOR_", "REQUIRE_TWO_FACTOR", "SECRET_KEY_")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test under tests/e2e with `e2e` (before -m deselects by marker)."""
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


def server_env(work_dir: Path, mail_port: int | None = None) -> dict[str, str]:
    """Environment for the server: this shell's, minus app settings, plus a fresh database (and
    mail to the loopback SMTP server on `mail_port`, when given)."""
    env = {
        name: value for name, value in os.environ.items()
        if name not in INHERITED_SETTINGS and not name.startswith(INHERITED_PREFIXES)
    }
    env.update({
        "DATABASE_URL": f"sqlite:///{work_dir / 'e2e.db'}",
        "JOBS_URL": f"sqlite:///{work_dir / 'jobs.db'}",
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "PORTAL_DEMO": "1",
        "PORTAL_AUTO_MIGRATE": "1",
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "SIGN_IN_RATE_LIMIT": "1000 per minute",
        "SIGN_IN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "PYTHONUNBUFFERED": "1",
    })
    if mail_port:
        env.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mail_port), "MAIL_USE_TLS": "0"})
    return env


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The e2e server exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling the server, not waiting in a test
    raise RuntimeError(f"The e2e server did not answer {url} within {timeout:.0f}s:\n{log_path.read_text()[-4000:]}")


def start_server(work_dir: Path, mail_port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `flask run` on a free port with a fresh database; return the process and base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = work_dir / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port),
             "--no-reload", "--no-debugger"],
            cwd=ROOT, env=server_env(work_dir, mail_port), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(f"{base_url}/sign-in", process, log_path, START_TIMEOUT)
    except BaseException:
        stop_server(process)
        raise
    return process, base_url


def stop_server(process: subprocess.Popen) -> None:
    """Terminate the server, killing it if it does not exit within a few seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Recorder]:
    """What the live server's emails deliver to: a real SMTP server on loopback for the session."""
    server = SMTPServer(free_port())
    server.start()
    yield server.recorder
    server.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, mailbox) -> Iterator[str]:
    """Base URL of the real app, served by a subprocess for the whole session; its mail goes to
    `mailbox`."""
    process, base_url = start_server(tmp_path_factory.mktemp("e2e-server"), mail_port=mailbox.port)
    yield base_url
    stop_server(process)


@pytest.fixture(autouse=True)
def _rollback():
    """No per-test transaction: the browser drives the live server, never the suite's app."""
    # The suite's `_rollback` would build that app, which empties TEST_DATABASE_URL's schema.
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    """Launch Debian's Chromium (`playwright install` cannot download browsers here)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": browser_type_launch_args.get("headless", True),
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """The live server as every page's base URL (pytest-playwright's browser_context_args uses it)."""
    # Also replaces pytest-playwright's fallback `base_url`, an instance-method session fixture that
    # pytest 9 deprecates with a warning, which filterwarnings = error turns into a setup error.
    return live_server


def sign_in(page: Page, email: str, password: str) -> None:
    """Open Sign in and submit the form with `email` and `password`."""
    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page, account: tuple[str, str]) -> None:
    """Sign in with `account` (email, password) and wait for the home page."""
    sign_in(page, *account)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#customer-menu summary")).to_be_visible()


def work_in(page: Page, org_name: str) -> None:
    """Make `org_name` the current organization (via the customer menu switcher when needed)."""
    summary = page.locator("#customer-menu summary")
    if summary.inner_text().strip().startswith(org_name):
        return
    summary.click()
    page.locator("#customer-menu .switcher button", has_text=org_name).click()
    expect(page.locator("#flashes")).to_contain_text(f"You are now working in {org_name}")
    expect(summary).to_have_text(re.compile(rf"^\s*{re.escape(org_name)}"))


def watch_console(page: Page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions from now on (CSP violations included)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        """Keep console messages of type error."""
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_page_error(error: Error) -> None:
        """Keep uncaught exceptions."""
        errors.append(f"pageerror: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return errors


def table_cells(table: Locator) -> list[list[str]]:
    """A table's header row followed by its body rows, as the page writes them."""
    # textContent, not inner_text: the stylesheet upper-cases header cells on screen.
    return table.locator("tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.textContent.trim()))")


def dashboard_customers(page: Page, leave_out: set[str]) -> list[tuple[str, str]]:
    """Open My Customers; (name, orgid) of every row from the top, without the names in `leave_out`."""
    page.goto("/customers")
    expect(page.locator("#customer-table tbody tr").first).to_be_visible()
    rows = page.locator("#customer-table tbody tr").evaluate_all(
        "rows => rows.map(row => [row.querySelector('th.customer-name').firstChild.textContent.trim(),"
        " row.id.replace(/^row-/, '')])")
    customers = [(name, orgid) for name, orgid in rows if name not in leave_out]
    assert customers and all(re.fullmatch(r"\d{10}", orgid) for _, orgid in customers), rows
    return customers
