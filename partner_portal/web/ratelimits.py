"""Rate limits on Sign in, Forgot password? and reset: what is counted, per whom, and the 429 text.

Sign in counts only failed attempts, separately per client address (SIGN_IN_RATE_LIMIT) and per
account (SIGN_IN_ACCOUNT_RATE_LIMIT, keyed by the normalised email): guessing one password from
many addresses locks that account, guessing from one address locks that address, and nobody is
charged for a right password. Forgot password? has no failure (its answer must not tell whether
the email has an account), so every submission counts, per address and per email so nobody can
flood one inbox. A reset counts its failures (a bad link, a rejected form) per address.

Two-factor sign-in counts failures only too: wrong codes at sign-in, and wrong codes or passwords
on the forms that turn it on or off or renew recovery codes, per client address (with the
failed sign-ins: SIGN_IN_RATE_LIMIT) and per person (TWO_FACTOR_ACCOUNT_RATE_LIMIT, keyed by the
user id of the pending sign-in or of the signed-in person).

The client address is request.remote_addr: the peer, or with TRUSTED_PROXIES set, the address
Werkzeug's ProxyFix takes from that many X-Forwarded-For entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from flask import Flask, Response, current_app, request, session
from flask_login import current_user
from limits import parse
from werkzeug.middleware.proxy_fix import ProxyFix

from ..auth.services import PENDING_SIGN_IN_KEY, pending_user_id
from ..extensions import limiter
from .i18n import gettext, ngettext


def trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from TRUSTED_PROXIES reverse proxies (none by default)."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _address_key() -> str:
    return request.remote_addr or "unknown"


def _account_key() -> str:
    # Hashed: keys stay short whatever is posted, and Redis never holds an email.
    email = request.form.get("email", "").strip().lower()
    return "account-" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _person_key() -> str:
    # The person whose codes are guessed: signed in, or waiting at the code step.
    user_id = current_user.id if current_user.is_authenticated else pending_user_id(session.get(PENDING_SIGN_IN_KEY))
    return f"person-{user_id}"


def _not_post() -> bool:
    return request.method != "POST"


def _failed(response: Response) -> bool:
    """A refused submission: bad credentials or form (422), or a bad reset link (400)."""
    return response.status_code in (400, 422)


def _setting(name: str):
    return lambda: current_app.config[name]


def _window(setting: str) -> str:
    """The limit's window in words: "a minute", "15 minutes", "an hour" (in the current language)."""
    seconds = parse(current_app.config[setting]).get_expiry()
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("an hour", "%(num)d hours", hours)
    minutes = max(1, seconds // 60)
    return ngettext("a minute", "%(num)d minutes", minutes)


def _address_message() -> str:
    return gettext(
        "Too many failed attempts came from your network. Wait %(wait)s, then try again.",
        wait=_window("SIGN_IN_RATE_LIMIT"),
    )


def _account_message() -> str:
    return gettext(
        "Too many failed sign-ins for this account. Wait %(wait)s, then try again, or set a new password "
        "with Forgot password?.",
        wait=_window("SIGN_IN_ACCOUNT_RATE_LIMIT"),
    )


def _mailbox_message() -> str:
    return gettext(
        "A link for this email was asked for too often. Wait %(wait)s, then try again.",
        wait=_window("SIGN_IN_ACCOUNT_RATE_LIMIT"),
    )


def _person_message() -> str:
    return gettext(
        "Too many wrong codes or passwords for this account. Wait %(wait)s, then try again.",
        wait=_window("TWO_FACTOR_ACCOUNT_RATE_LIMIT"),
    )


def _per_address(failures_only: bool):
    return limiter.limit(
        _setting("SIGN_IN_RATE_LIMIT"),
        key_func=_address_key,
        scope="address",
        exempt_when=_not_post,
        deduct_when=_failed if failures_only else None,
        error_message=_address_message,
    )


def _per_account(failures_only: bool, message):
    return limiter.limit(
        _setting("SIGN_IN_ACCOUNT_RATE_LIMIT"),
        key_func=_account_key,
        scope="account",
        exempt_when=_not_post,
        deduct_when=_failed if failures_only else None,
        error_message=message,
    )


def sign_in_limits(view):
    """Limit failed sign-ins per client address and per account."""
    return _per_address(True)(_per_account(True, _account_message)(view))


def forgot_password_limits(view):
    """Limit Forgot password? submissions per client address and per email."""
    return _per_address(False)(_per_account(False, _mailbox_message)(view))


def reset_limits(view):
    """Limit failed password resets per client address."""
    return _per_address(True)(view)


def two_factor_limits(view):
    """Limit wrong codes (and confirming passwords) of two-factor sign-in per client address and per person."""
    # Shared: one count per person across the code step and the Account Settings forms.
    per_person = limiter.shared_limit(
        _setting("TWO_FACTOR_ACCOUNT_RATE_LIMIT"),
        scope="two-factor",
        key_func=_person_key,
        exempt_when=_not_post,
        deduct_when=_failed,
        error_message=_person_message,
    )
    return _per_address(True)(per_person(view))


def gunicorn_workers(argv: Sequence[str], environ: Mapping[str, str]) -> int | None:
    """The worker count a gunicorn command line asks for; None when a config file may set it."""
    from gunicorn.config import Config

    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", "")) + list(argv[1:])
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            options, _ = Config().parser().parse_known_args(args)
    except SystemExit:  # argparse's answer to a value it can't read
        return None
    if options.config or Path("gunicorn.conf.py").exists():
        return None
    if options.workers:
        return options.workers
    concurrency = environ.get("WEB_CONCURRENCY", "1")
    return int(concurrency) if concurrency.isdigit() else None


def memory_storage_warning(storage_uri: str, argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """A warning when gunicorn runs (or may run) several workers that each count in their own memory."""
    if not storage_uri.startswith("memory://") or "gunicorn" not in Path(argv[0] if argv else "").name:
        return None
    workers = gunicorn_workers(argv, environ)
    if workers == 1:
        return None
    many = f"{workers} gunicorn workers" if workers else "Several gunicorn workers (see your gunicorn config)"
    return (
        f"{many} each keep their own sign-in rate-limit counters in memory, so the limits are that many "
        "times looser. Set REDIS_URL to share them."
    )
