"""Configuration read from environment variables, with safe defaults for a local start."""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _megabytes(name: str, default_gb: str) -> int:
    """Read a size in gigabytes (decimals allowed) as whole megabytes (1 GB = 1,000 MB)."""
    return round(float(os.environ.get(name) or default_gb) * 1000)


def database_url(instance_path: str) -> str:
    """Return the SQLAlchemy URL: DATABASE_URL (PostgreSQL through psycopg 3) or SQLite in instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "portal.db")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver spelled out.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/secret_key."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start at once, the first one's key wins and the other re-reads it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load(instance_path: str) -> dict:
    """Build the configuration mapping for create_app()."""
    redis_url = os.environ.get("REDIS_URL") or None
    secure = _flag("PORTAL_SECURE_COOKIES", False)
    jobs_url = os.environ.get("JOBS_URL") or redis_url or "sqlite:///" + str(Path(instance_path) / "jobs.db")
    # Dedicated workspaces answer at <slug>.<this domain>; *.localhost reaches this machine with no set-up.
    workspace_domain = os.environ.get("WORKSPACE_BASE_DOMAIN", "").strip().strip(".").lower() or "localhost"
    url = database_url(instance_path)
    return {
        "SECRET_KEY": instance_secret_key(instance_path),
        # Earlier keys, still accepted for what they signed or encrypted (sessions, TOTP secrets),
        # so SECRET_KEY can be rotated.
        "SECRET_KEY_FALLBACKS": _list("SECRET_KEY_FALLBACKS", []),
        "SQLALCHEMY_DATABASE_URI": url,
        # A pooled PostgreSQL connection is tested before use (one round trip), so a restarted
        # server costs no failed request; an SQLite file has no connection to lose.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not url.startswith("sqlite")},
        "PORTAL_DEMO": _flag("PORTAL_DEMO", True),
        "PORTAL_AUTO_MIGRATE": _flag("PORTAL_AUTO_MIGRATE", True),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Keeps this deployment's counters apart from others sharing the Redis database.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        # Failed sign-ins per client address, and per account (see web/ratelimits.py).
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute"),
        "SIGN_IN_ACCOUNT_RATE_LIMIT": os.environ.get("SIGN_IN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes"),
        # Wrong codes (and passwords confirming two-factor changes) per person: a 6-digit code
        # falls to guessing only if it is tried often enough.
        "TWO_FACTOR_ACCOUNT_RATE_LIMIT": os.environ.get("TWO_FACTOR_ACCOUNT_RATE_LIMIT", "5 per 15 minutes"),
        # Requests per API token (web/ratelimits' storage; per client address without a token).
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute"),
        # Webhooks go to https URLs on public addresses; this lets loopback, private and plain-http
        # endpoints in (development and tests only).
        "WEBHOOKS_ALLOW_PRIVATE": _flag("WEBHOOKS_ALLOW_PRIVATE", False),
        "WEBHOOK_RETRIES": int(os.environ.get("WEBHOOK_RETRIES", "8")),
        "WEBHOOK_RETRY_DELAY": int(os.environ.get("WEBHOOK_RETRY_DELAY", "30")),
        "WEBHOOK_RETRY_BACKOFF": float(os.environ.get("WEBHOOK_RETRY_BACKOFF", "2")),
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", "10")),
        # Every person who signs in must turn two-factor sign-in on before anything else.
        "REQUIRE_TWO_FACTOR": _flag("REQUIRE_TWO_FACTOR", False),
        # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto are believed; with
        # none, a forged X-Forwarded-For changes nothing.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Partner Portal <no-reply@localhost>"),
        "MAIL_RETRIES": int(os.environ.get("MAIL_RETRIES", "10")),
        "MAIL_RETRY_DELAY": int(os.environ.get("MAIL_RETRY_DELAY", "30")),
        "MAIL_RETRY_BACKOFF": float(os.environ.get("MAIL_RETRY_BACKOFF", "2")),
        "JOBS_URL": jobs_url,
        # On SQLite every serving process runs a consumer thread (huey's dequeue is atomic, so each
        # job still runs once); with Redis, `flask --app app worker` processes do the work.
        "JOBS_IN_PROCESS": _flag("JOBS_IN_PROCESS", jobs_url.startswith("sqlite:")),
        "JOBS_IMMEDIATE": False,
        # A request whose Host header is not listed gets a 400, so a forged host can never reach
        # the links we put in emails.
        # The leading dot admits every workspace host under the base domain (Werkzeug's wildcard);
        # those hosts only ever reach workspace pages (workspaces/hosts.py), never one that sends mail.
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS", ["localhost", "127.0.0.1"]) + [f".{workspace_domain}"],
        "WORKSPACE_BASE_DOMAIN": workspace_domain,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600")),
        "PARTNER_CONNECTION_LIMIT": int(os.environ.get("PARTNER_CONNECTION_LIMIT", "100")),
        # Gateway bandwidth allotments (docs/bandwidth.md): per user and month, and a trial's pool.
        "BANDWIDTH_MB_PER_USER_MONTH": _megabytes("BANDWIDTH_GB_PER_USER_MONTH", "1"),
        "BANDWIDTH_TRIAL_MB": _megabytes("BANDWIDTH_TRIAL_GB", "50"),
        # Multi-tenant orders dated after this day must be allocated to the partner's primary cloud account.
        "ALLOCATION_CUTOVER": date.fromisoformat(os.environ.get("ALLOCATION_CUTOVER", "2024-09-26")),
        "ACTIVITY_RETENTION_DAYS": int(os.environ.get("ACTIVITY_RETENTION_DAYS", "90")),
        # The usage-file upload of the operator console; every other request keeps MAX_CONTENT_LENGTH.
        "USAGE_UPLOAD_MAX_BYTES": int(os.environ.get("USAGE_UPLOAD_MAX_BYTES", str(512 * 1024 * 1024))),
        "ONBOARDING_LINK_MAX_AGE": int(os.environ.get("ONBOARDING_LINK_MAX_AGE", str(7 * 24 * 3600))),
        # Links in emails sent outside a request (notification commands, the email sweeper).
        "PORTAL_URL": os.environ.get("PORTAL_URL", "http://localhost:5000/").rstrip("/") + "/",
        "NOTIFICATION_RETENTION_DAYS": int(os.environ.get("NOTIFICATION_RETENTION_DAYS", "90")),
        # Each worker keeps signed-in people's roles in memory under their frame version (web/tenancy.py).
        "FRAME_CACHE": True,
        # Each worker keeps rendered parts of pages under everything they show (web/fragments.py):
        # the frame's navigation and customer menu, the dashboard's rows.
        "HTML_CACHE": os.environ.get("HTML_CACHE", "1") != "0",
        "HTML_CACHE_SIZE": int(os.environ.get("HTML_CACHE_SIZE", "5000")),
        # Each worker keeps whole responses of the most opened pages while the database has not
        # changed since (web/kept_responses.py): at most this long, in this much memory.
        "RESPONSE_CACHE": os.environ.get("RESPONSE_CACHE", "1") != "0",
        "RESPONSE_CACHE_SECONDS": int(os.environ.get("RESPONSE_CACHE_SECONDS", "60")),
        "RESPONSE_CACHE_BYTES": int(os.environ.get("RESPONSE_CACHE_MB", "32")) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": secure,
    }
