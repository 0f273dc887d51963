"""Sign-in and password rules."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from types import SimpleNamespace
from typing import NamedTuple

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update

from .. import jobs
from ..database import begin_serialized
from ..extensions import db
from ..mail import queue_mail
from ..models import User, UserSession, utcnow
from ..models.user_session import token_hash
from ..web.i18n import gettext, lazy_gettext, recipient_locale
from .passwords import hash_password, needs_rehash, verify_password
from .queries import live_session

MIN_PASSWORD_LENGTH = 10
# Last seen is exact to the minute: a write per minute per session, not one per request.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
# Ended and expired session records are kept this long (the user's own history), then deleted.
SESSION_RECORD_RETENTION = timedelta(days=30)
# Seconds between the right password and the code of two-factor sign-in, and the session-cookie
# key under which the browser keeps the note that the password was right.
PENDING_SIGN_IN_MAX_AGE = 300
PENDING_SIGN_IN_KEY = "two_factor_sign_in"


class AuthError(Exception):
    """A user-facing refusal (bad credentials, bad token)."""


def find_user(email: str) -> User | None:
    """Return the user with this email, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """Return the user whose credentials match; raises AuthError with one message for every failure."""
    user = find_user(email)
    # Verify even for an unknown email, so both failures take the same time.
    matches = verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        raise AuthError(gettext("That email and password don't match an account."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def password_fingerprint(user: User) -> str:
    """Changes whenever the password or session version changes: a used token stops working."""
    material = f"{user.password_hash or ''}|{user.session_version}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def signed_token(user: User, purpose: str, **extra) -> str:
    """A signed token naming `user` (plus `extra` values) for one `purpose`; it stops working
    once the user's password or session version changes, so it works once."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)
    return serializer.dumps({"u": user.id, "f": password_fingerprint(user), **extra})


# What a refused signed link says, per kind of link (expired, not valid, already used): whole
# sentences, so each language can say "this link" its own way.
TOKEN_PROBLEMS = {
    "reset link": (
        lazy_gettext("This reset link has expired."),
        lazy_gettext("This reset link is not valid."),
        lazy_gettext("This reset link has already been used."),
    ),
    "onboarding link": (
        lazy_gettext("This onboarding link has expired."),
        lazy_gettext("This onboarding link is not valid."),
        lazy_gettext("This onboarding link has already been used."),
    ),
}


def _token_problem(name: str, which: int, remedy) -> str:
    """'This <name> has expired. <remedy>' (which: 0 expired, 1 not valid, 2 used), translated."""
    known = TOKEN_PROBLEMS.get(name)
    if known is None:
        problem = (f"This {name} has expired.", f"This {name} is not valid.", f"This {name} has already been used.")[
            which
        ]
    else:
        problem = str(known[which])
    return f"{problem} {remedy}"


def user_for_signed_token(token: str, purpose: str, max_age: int, name: str, remedy) -> tuple[User, dict]:
    """The user a signed token is for, and its values; raises AuthError ("This <name> has
    expired. <remedy>") when expired, tampered with or already used."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise AuthError(_token_problem(name, 0, remedy)) from None
    except BadSignature:
        raise AuthError(_token_problem(name, 1, remedy)) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or data.get("f") != password_fingerprint(user):
        raise AuthError(_token_problem(name, 2, remedy))
    return user, data


def reset_token(user: User) -> str:
    """A signed token for resetting `user`'s password; valid once and for PASSWORD_RESET_MAX_AGE."""
    return signed_token(user, "password-reset")


def user_for_reset_token(token: str) -> User:
    """Return the user a reset token is for; raises AuthError when expired, tampered or used."""
    return user_for_signed_token(
        token,
        "password-reset",
        current_app.config["PASSWORD_RESET_MAX_AGE"],
        "reset link",
        gettext("Ask for a new one."),
    )[0]


def check_password_rules(password: str) -> None:
    """Raise AuthError when the password is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(gettext("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))


def store_password(user: User, new_hash: str) -> None:
    """Set the password hash and end every session of the user (uncommitted; the caller holds
    the user's lock, see begin_serialized)."""
    user.password_hash = new_hash
    user.session_version += 1
    _end_sessions(user.id)


def use_reset_link(token: str, password: str) -> User:
    """Set the password a reset link is for, once: the first request to store a password spends
    the link, however many arrive at once (the person's row lock, then the link checked again).
    Raises AuthError (nothing written) when the link is expired, tampered with or used, or the
    password breaks the rules."""
    user = user_for_reset_token(token)
    check_password_rules(password)
    fingerprint, user_id = password_fingerprint(user), user.id
    new_hash = hash_password(password)  # slow on purpose: before taking the lock
    begin_serialized(User, user_id)
    user = db.session.get(User, user_id, populate_existing=True)
    if password_fingerprint(user) != fingerprint:
        db.session.rollback()
        raise AuthError(_token_problem("reset link", 2, gettext("Ask for a new one.")))
    store_password(user, new_hash)
    db.session.commit()
    return user


# --- signed-in sessions ---------------------------------------------------------------------


def _lifetime(remember: bool) -> timedelta:
    """How long a session lives from sign-in: as long as the cookie that carries it."""
    # Flask refuses a session cookie signed longer than PERMANENT_SESSION_LIFETIME ago, and the
    # cookie is not re-signed on every request, so sliding the record's expiry would promise more.
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]


def open_session(email: str, password: str, remember: bool, client_address: str, user_agent: str) -> User:
    """Check the credentials, then record a new session and attach it to the user (see start_session).

    Raises AuthError with one message for every failure, and TwoFactorRequired (no session yet)
    when the account has two-factor sign-in on.
    """
    user = authenticate(email, password)
    if user.has_two_factor:
        raise TwoFactorRequired(pending_note(user, remember))
    start_session(user, remember, client_address, user_agent)
    return user


def start_session(user: User, remember: bool, client_address: str, user_agent: str) -> None:
    """Record a new session for `user` and attach it (user.get_id() becomes its secret).

    Drops the user's records that ended or expired more than SESSION_RECORD_RETENTION ago.
    """
    secret = secrets.token_urlsafe(32)
    begin_serialized(User, user.id)
    now = utcnow()
    cutoff = now - SESSION_RECORD_RETENTION
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, or_(UserSession.ended_at < cutoff, UserSession.expires_at < cutoff)
        )
    )
    record = UserSession(
        user_id=user.id,
        token_hash=token_hash(secret),
        remember=bool(remember),
        client_address=client_address[:45],
        user_agent=user_agent[:255],
        created_at=now,
        last_seen_at=now,
        expires_at=now + _lifetime(remember),
    )
    db.session.add(record)
    db.session.flush()
    user.attach_session(record.id, secret, record.expires_at)
    db.session.commit()


def signed_in_user(secret: str, client_address: str) -> User | None:
    """The user a cookie's secret signs in, with the session attached; None once it ended or expired.

    Refreshes the record's last-seen time and address when a minute has passed.
    """
    found = live_session(secret)
    if found is None:
        return None
    user, record = found
    user.attach_session(record.id, secret, record.expires_at)
    now = utcnow()
    if now - record.last_seen_at >= SESSION_TOUCH_INTERVAL:
        session_id = record.id
        begin_serialized(UserSession, session_id)
        # The condition keeps two requests of the same minute from both writing.
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.last_seen_at < now - SESSION_TOUCH_INTERVAL)
            .values(last_seen_at=now, client_address=client_address[:45])
        )
        db.session.commit()
    return user


def _end_sessions(user_id: int, *conditions) -> int:
    """Mark the user's live sessions matching `conditions` as ended (no commit); returns how many."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None), *conditions)
        .values(ended_at=utcnow())
    )
    return result.rowcount


def end_session(user_id: int, session_id: int) -> None:
    """Sign out one session of the user: its session and remember cookies stop working."""
    begin_serialized(User, user_id)
    _end_sessions(user_id, UserSession.id == session_id)
    db.session.commit()


def end_other_sessions(user_id: int, keep_id: int) -> int:
    """Sign out every session of the user except `keep_id`; returns how many ended."""
    begin_serialized(User, user_id)
    ended = _end_sessions(user_id, UserSession.id != keep_id)
    db.session.commit()
    return ended


# --- between the password and the code (two-factor sign-in, see two_factor.py) ------------------


class TwoFactorRequired(Exception):
    """The password was right and the account asks for a code: carries the pending sign-in note."""

    def __init__(self, note: str):
        super().__init__("A code is needed to finish signing in.")
        self.note = note


class SignInExpired(AuthError):
    """The pending sign-in is missing, tampered with, too old, or its password changed since."""


class PendingSignIn(NamedTuple):
    """A sign-in whose password was right, waiting for its code."""

    user: User
    remember: bool


def _pending_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="two-factor-sign-in")


def pending_note(user: User, remember: bool) -> str:
    """A signed, timestamped note that `user` just gave the right password; the browser keeps it
    in its session cookie, and it opens nothing but the code step."""
    return _pending_serializer().dumps({"u": user.id, "f": password_fingerprint(user), "r": bool(remember)})


def pending_user_id(note: str | None) -> int | None:
    """The user a note names, when its signature holds (whatever its age); None otherwise."""
    try:
        data = _pending_serializer().loads(note) if note else None
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) else None


def pending_sign_in(note: str | None) -> PendingSignIn:
    """The sign-in a note stands for; raises SignInExpired when the note is missing, tampered
    with or older than PENDING_SIGN_IN_MAX_AGE, or the password changed since."""
    try:
        data = _pending_serializer().loads(note or "", max_age=PENDING_SIGN_IN_MAX_AGE)
    except BadSignature:  # SignatureExpired included
        data = None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != password_fingerprint(user):
        raise SignInExpired(gettext("Your sign-in took too long or was interrupted. Sign in again."))
    return PendingSignIn(user, bool(data.get("r")))


def request_password_reset(email: str, site_root: str) -> None:
    """Queue a reset link for `email`. The job looks the account up, so the request does the same
    work, in the same time, whether or not an account uses that email."""
    jobs.enqueue(send_reset_link.s(email, site_root))


@jobs.task(retries=3, retry_delay=10)
def send_reset_link(email: str, site_root: str) -> None:
    """Email a link to set the password of the account using `email`, if there is one."""
    user = find_user(email)
    if user is None:
        return
    to, token, locale = user.email, reset_token(user), user.locale
    # End the read before writing: on SQLite, a transaction that read and then writes fails
    # outright when another connection wrote in between.
    db.session.commit()
    link = jobs.site_url(site_root, "auth.reset_password", token=token)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with recipient_locale(SimpleNamespace(locale=locale)):  # the user is expired: no read
        subject = gettext("Set your Partner Portal password")
        body = gettext(
            "Someone asked to set the password of the Partner Portal account for %(email)s.\n\n"
            "Open this link within %(minutes)d minutes to choose a password:\n%(link)s\n\n"
            "The link works once. If you did not ask for it, ignore this email.",
            email=to,
            minutes=minutes,
            link=link,
        )
    queue_mail(to, subject, body)
    db.session.commit()
