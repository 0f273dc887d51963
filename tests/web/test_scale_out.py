"""Two app servers (deploy/two_app_servers.py: gunicorn, two workers each) on two loopback ports,
sharing the suite's PostgreSQL database and the machine's Redis, as two hosts behind a load
balancer: a session made on one works on the other, sign-in limits are counted together, and with
requests split across both at the same moment the 100-customer limit and single-use links and codes
still hold, with no request erroring. Runs with TEST_DATABASE_URL (PostgreSQL) and Redis."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
import redis
from sqlalchemy import func, select

from partner_portal.auth.services import reset_token
from partner_portal.extensions import db
from partner_portal.models import Connection
from partner_portal.onboarding.services import onboarding_token

from ..conftest import TEST_PASSWORD
from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..live import ROOT, PortalSession, free_port, server_env
from ..races import requests_at_once
from .test_two_factor import code_at, enable

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]

# A database number and key prefix of these tests' own (other suites share this Redis).
REDIS_URL = "redis://127.0.0.1:6379/9"
LIVE_SECRET_KEY = server_env("")["SECRET_KEY"]
PER_ADDRESS_LIMIT = 6


@pytest.fixture(scope="module")
def servers(app, tmp_path_factory):
    """The base URLs of the two servers, started by the deployment script."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("several app servers share PostgreSQL: set TEST_DATABASE_URL")
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    work = tmp_path_factory.mktemp("scale-out")
    prefix = f"portal-scale-out-{uuid.uuid4().hex}"
    ports = [free_port(), free_port()]
    env = server_env(url, {
        "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "SIGN_IN_RATE_LIMIT": f"{PER_ADDRESS_LIMIT} per minute",
        # Jobs wait in a file nobody consumes: no worker of another run may take them.
        "JOBS_URL": f"sqlite:///{work / 'jobs.db'}", "JOBS_IN_PROCESS": "0",
        # One trusted proxy: each test counts its sign-ins under an address of its own.
        "TRUSTED_PROXIES": "1",
    })
    log = open(work / "servers.log", "w")
    process = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "two_app_servers.py"),
                                "--ports", ",".join(map(str, ports)), "--workers", "2"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        _wait_for(bases, process, work / "servers.log")
        yield bases
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


def _wait_for(bases: list[str], process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 90
    waiting = list(bases)
    while waiting and time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(waiting[0] + "/sign-in", timeout=2):
                waiting.pop(0)
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)  # polling starting servers
    assert not waiting, log.read_text()[-3000:]


def _session(base: str, address: str = "") -> PortalSession:
    """A browser on `base`; with `address`, its requests come through the proxy from there."""
    web = PortalSession(base)
    if address:
        send = web.request

        def through_proxy(method, path, data=None, *, headers=None, **kwargs):
            return send(method, path, data, headers={"X-Forwarded-For": address, **(headers or {})}, **kwargs)

        web.request = through_proxy
    return web


def test_a_session_made_on_one_server_works_on_the_other(servers, committed):
    partner = make_partner("Northwind")
    user = make_admin(partner)
    db.session.commit()
    on_first = _session(servers[0])
    on_first.sign_in(user.email, TEST_PASSWORD)
    on_second = PortalSession(servers[1], cookies=on_first.cookies)  # cookies ignore the port

    page = on_second.get("/customers")
    assert page.status == 200 and "Northwind" in page.text

    assert on_second.post("/sign-out").status == 303
    assert on_first.get("/customers").location.startswith("/sign-in")


def test_sign_in_limits_are_counted_across_both_servers(servers, committed):
    address = "198.51.100.21"
    statuses = [_session(servers[n % 2], address).post("/sign-in", {"email": f"nobody{n}@example.org",
                                                                    "password": "wrong password"}).status
                for n in range(PER_ADDRESS_LIMIT + 1)]
    assert statuses == [422] * PER_ADDRESS_LIMIT + [429]


def test_under_load_split_across_both_the_customer_limit_and_single_use_links_hold(servers, committed, app,
                                                                                     monkeypatch):
    partner = make_partner()
    for n in range(99):
        connect(partner, make_org(f"Customer {n:02d}"))
    viewer = make_admin(partner)
    newcomers = [make_admin(make_org(f"Newcomer {n}")) for n in range(4)]
    resetting = make_admin(make_org("Resetting"))
    onboarding_person = make_user(password=None)
    onboarding_org = make_org("Onboarding")
    make_admin(onboarding_org, onboarding_person)
    coded = make_admin(make_org("Two-factor"))
    db.session.commit()
    # Links and secrets as the servers sign and encrypt them.
    monkeypatch.setitem(app.config, "SECRET_KEY", LIVE_SECRET_KEY)
    secret, _codes = enable(coded)
    reset_link = f"/reset-password/{reset_token(resetting)}"
    onboarding_link = f"/onboarding/{onboarding_token(onboarding_person, onboarding_org)}"
    db.session.commit()

    def on(n: int) -> PortalSession:
        return _session(servers[n % 2], f"198.51.100.{30 + n}")

    accepting = []
    for n, newcomer in enumerate(newcomers):
        web = on(n)
        web.sign_in(newcomer.email, TEST_PASSWORD)
        accepting.append((web, "POST", f"/invitations/{partner.invitation_token}", {}))
    readers = []
    for n in range(6):
        web = on(n)
        web.sign_in(viewer.email, TEST_PASSWORD)
        readers.append((web, "GET", "/customers", None))
    new_password = {"password": "a new long password", "confirm": "a new long password"}
    resets = [(on(n), "POST", reset_link, new_password) for n in range(4)]
    onboardings = [(on(n), "POST", onboarding_link, {**new_password, "company": "Onboarding", "country": "Norway"})
                   for n in range(4)]
    coders = []
    for n in range(3):
        web = on(n)
        assert web.post("/sign-in", {"email": coded.email, "password": TEST_PASSWORD}).status == 303
        assert web.get("/sign-in/code").status == 200  # the code form, and the session's new CSRF token
        coders.append(web)
    code = code_at(secret, time.time())
    codes = [(web, "POST", "/sign-in/code", {"code": code}) for web in coders]

    answers = requests_at_once(accepting + readers + resets + onboardings + codes)

    statuses = [answer.status for answer in answers]
    assert all(status < 500 for status in statuses), statuses
    accepted, read, reset, onboarded, coded_in = (statuses[:4], statuses[4:10], statuses[10:14], statuses[14:18],
                                                  statuses[18:])
    assert sorted(accepted) == [303, 409, 409, 409], accepted
    assert read == [200] * 6, read
    # A link found spent before or under the lock: the invalid-link page (400) or the form's message (422).
    assert sorted(reset)[0] == 303 and set(sorted(reset)[1:]) <= {400, 422}, reset
    assert sorted(onboarded)[0] == 303 and set(sorted(onboarded)[1:]) <= {400, 422}, onboarded
    assert sorted(coded_in) == [303, 422, 422], coded_in
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Connection).where(
        Connection.partner_id == partner.id, Connection.ended_at.is_(None))) == 100
