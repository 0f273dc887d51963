"""Rate limits: failed sign-ins per address and per account, Forgot password?, reset, trusted proxies."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from partner_portal import config as config_module
from partner_portal.extensions import db
from partner_portal.models import UserSession
from partner_portal.web.ratelimits import gunicorn_workers, memory_storage_warning, trust_proxies

from ..conftest import TEST_PASSWORD, htmx_headers
from ..factories import make_admin, make_org, make_user

ADDRESS_MESSAGE = "Too many failed attempts came from your network. Wait a minute, then try again."
ACCOUNT_MESSAGE = "Too many failed sign-ins for this account. Wait 15 minutes"


@pytest.fixture
def limit(app) -> int:
    """Failed attempts allowed per address and per account (the defaults are equal)."""
    per_address = int(app.config["SIGN_IN_RATE_LIMIT"].split()[0])
    assert per_address == int(app.config["SIGN_IN_ACCOUNT_RATE_LIMIT"].split()[0])
    return per_address


def _sign_in(client, email: str, password: str, address: str, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


def test_failures_from_one_address_lock_that_address_not_another_account_elsewhere(client, limit):
    make_user("a@example.org")
    make_user("b@example.org")
    for _ in range(limit):
        assert _sign_in(client, "a@example.org", "wrong", "192.0.2.1").status_code == 422
    assert _sign_in(client, "a@example.org", TEST_PASSWORD, "192.0.2.1").status_code == 429
    assert _sign_in(client, "b@example.org", TEST_PASSWORD, "192.0.2.2").status_code == 303
    # The address that guessed is held back whatever account it tries next.
    refused = _sign_in(client, "b@example.org", TEST_PASSWORD, "192.0.2.1")
    assert refused.status_code == 429 and ADDRESS_MESSAGE in refused.get_data(as_text=True)


def test_failures_from_many_addresses_lock_the_account(client, limit):
    make_user("a@example.org")
    make_user("b@example.org")
    for attempt in range(limit):
        # The account is counted by its normalised email, whatever the case or spaces.
        email = "a@example.org" if attempt % 2 else " A@Example.ORG "
        assert _sign_in(client, email, "wrong", f"192.0.2.{attempt + 1}").status_code == 422
    refused = _sign_in(client, "a@example.org", TEST_PASSWORD, "198.51.100.7")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert ACCOUNT_MESSAGE in body and "Forgot password?" in body and "Too many attempts" in body
    assert refused.headers["Retry-After"]
    # The fresh address is not held back for another account.
    assert _sign_in(client, "b@example.org", TEST_PASSWORD, "198.51.100.7").status_code == 303


def test_the_429_answers_htmx_with_the_message_too(client, limit):
    for attempt in range(limit):
        _sign_in(client, "a@example.org", "wrong", f"192.0.2.{attempt + 1}")
    refused = _sign_in(client, "a@example.org", "wrong", "198.51.100.7", headers=htmx_headers())
    assert refused.status_code == 429 and ACCOUNT_MESSAGE in refused.get_data(as_text=True)


def test_successful_sign_ins_count_against_nobody(client, limit):
    make_user("a@example.org")
    for _ in range(limit - 1):
        assert _sign_in(client, "a@example.org", "wrong", "192.0.2.1").status_code == 422
    for _ in range(limit + 2):
        assert _sign_in(client, "a@example.org", TEST_PASSWORD, "192.0.2.1").status_code == 303
    assert _sign_in(client, "a@example.org", "wrong", "192.0.2.1").status_code == 422
    assert _sign_in(client, "a@example.org", TEST_PASSWORD, "192.0.2.1").status_code == 429


def test_page_views_count_against_nobody(client, limit):
    make_user("a@example.org")
    for _ in range(limit + 2):
        assert client.get("/sign-in", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200
    assert _sign_in(client, "a@example.org", TEST_PASSWORD, "192.0.2.1").status_code == 303


def test_forgot_password_counts_every_request_per_email_and_per_address(client, limit):
    make_user("a@example.org")
    for attempt in range(limit):
        response = client.post("/forgot-password", data={"email": "a@example.org"},
                               environ_base={"REMOTE_ADDR": f"192.0.2.{attempt + 1}"})
        assert response.status_code == 303
    refused = client.post("/forgot-password", data={"email": "a@example.org"},
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert refused.status_code == 429
    assert "A link for this email was asked for too often." in refused.get_data(as_text=True)
    # Per address: the same count, whatever the emails.
    for attempt in range(limit):
        client.post("/forgot-password", data={"email": f"x{attempt}@example.org"},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    refused = client.post("/forgot-password", data={"email": "y@example.org"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert refused.status_code == 429 and ADDRESS_MESSAGE in refused.get_data(as_text=True)


def test_failed_resets_count_per_address(client, limit):
    for _ in range(limit):
        response = client.post("/reset-password/not-a-token", data={"password": "x" * 12, "confirm": "x" * 12},
                               environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert response.status_code == 400
    assert client.post("/reset-password/not-a-token", data={},
                       environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 429
    assert client.post("/reset-password/not-a-token", data={},
                       environ_base={"REMOTE_ADDR": "192.0.2.2"}).status_code == 400


# --- trusted proxies ---------------------------------------------------------------------

def _recorded_address(email: str) -> str:
    db.session.expire_all()
    from partner_portal.auth.services import find_user

    return db.session.scalar(select(UserSession.client_address).where(UserSession.user_id == find_user(email).id))


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(client, app, limit):
    assert app.config["TRUSTED_PROXIES"] == 0 and not isinstance(app.wsgi_app, ProxyFix)
    for attempt in range(limit):
        response = _sign_in(client, f"nobody{attempt}@example.org", "wrong", "192.0.2.1",
                            headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}"})
        assert response.status_code == 422
    refused = _sign_in(client, "other@example.org", "wrong", "192.0.2.1",
                       headers={"X-Forwarded-For": "203.0.113.200"})
    assert refused.status_code == 429

    make_admin(make_org(), make_user("a@example.org"))
    _sign_in(client, "a@example.org", TEST_PASSWORD, "192.0.2.50", headers={"X-Forwarded-For": "203.0.113.9"})
    assert _recorded_address("a@example.org") == "192.0.2.50"


def test_with_one_trusted_proxy_the_client_address_comes_from_its_header(client, app, limit, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # restored after the test
    trust_proxies(app)
    proxy = "10.0.0.2"
    # Each request comes through the one proxy; the client forges the entry in front of the one
    # the proxy appended. Only the proxy's entry (the last one) counts.
    for attempt in range(limit):
        response = _sign_in(client, f"nobody{attempt}@example.org", "wrong", proxy,
                            headers={"X-Forwarded-For": f"198.51.100.{attempt}, 203.0.113.{attempt + 1}"})
        assert response.status_code == 422
    assert _sign_in(client, "x@example.org", "wrong", proxy,
                    headers={"X-Forwarded-For": "203.0.113.200"}).status_code == 422
    for attempt in range(limit - 1):
        _sign_in(client, f"again{attempt}@example.org", "wrong", proxy,
                 headers={"X-Forwarded-For": f"198.51.100.{attempt}, 203.0.113.200"})
    assert _sign_in(client, "x@example.org", "wrong", proxy,
                    headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.200"}).status_code == 429

    make_admin(make_org(), make_user("a@example.org"))
    _sign_in(client, "a@example.org", TEST_PASSWORD, proxy, headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
    assert _recorded_address("a@example.org") == "203.0.113.9"


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_create_app_trusts_the_configured_number_of_proxies(make_app, proxies):
    application = make_app(TRUSTED_PROXIES=proxies)
    if proxies:
        assert isinstance(application.wsgi_app, ProxyFix)
        assert application.wsgi_app.x_for == proxies and application.wsgi_app.x_proto == proxies
    else:
        assert not isinstance(application.wsgi_app, ProxyFix)


def test_trusted_proxies_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert config_module.load(str(tmp_path))["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    assert config_module.load(str(tmp_path))["TRUSTED_PROXIES"] == 2


# --- several workers, memory counters --------------------------------------------------------

@pytest.mark.parametrize("argv, environ, workers", [
    (["gunicorn", "-w", "4", "app:app"], {}, 4),
    (["gunicorn", "-w4", "app:app"], {}, 4),
    (["gunicorn", "--workers=3", "app:app"], {}, 3),
    (["gunicorn", "app:app"], {"GUNICORN_CMD_ARGS": "--workers 5"}, 5),
    (["gunicorn", "app:app"], {"WEB_CONCURRENCY": "6"}, 6),
    (["gunicorn", "app:app"], {}, 1),
    (["gunicorn", "-c", "gunicorn.py", "app:app"], {}, None),
])
def test_gunicorn_workers(argv, environ, workers):
    assert gunicorn_workers(argv, environ) == workers


@pytest.mark.parametrize("storage, argv, environ, warns", [
    ("memory://", ["/srv/venv/bin/gunicorn", "-w", "4", "app:app"], {}, "4 gunicorn workers"),
    ("memory://", ["gunicorn", "-c", "conf.py", "app:app"], {}, "Several gunicorn workers"),
    ("memory://", ["gunicorn", "app:app"], {"WEB_CONCURRENCY": "2"}, "2 gunicorn workers"),
    ("memory://", ["gunicorn", "app:app"], {}, None),
    ("redis://cache:6379/0", ["gunicorn", "-w", "4", "app:app"], {}, None),
    ("memory://", ["flask", "run"], {}, None),
])
def test_memory_storage_warning(storage, argv, environ, warns):
    message = memory_storage_warning(storage, argv, environ)
    if warns:
        assert message.startswith(warns) and "REDIS_URL" in message
    else:
        assert message is None


def test_the_warning_is_logged_at_start(app, monkeypatch, caplog):
    """Start-up (which tests skip) logs it when gunicorn starts several memory-counting workers."""
    from partner_portal import _start_up

    monkeypatch.setattr("sys.argv", ["/srv/venv/bin/gunicorn", "-w", "4", "app:app"])
    monkeypatch.setitem(app.config, "PORTAL_AUTO_MIGRATE", False)
    monkeypatch.setitem(app.config, "JOBS_IN_PROCESS", False)  # the suite runs jobs inline
    with caplog.at_level("WARNING"):
        _start_up(app)
    assert any("4 gunicorn workers" in record.getMessage() for record in caplog.records)
