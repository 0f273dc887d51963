"""Sign-in and password rules."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from .. import jobs
from ..extensions import db
from ..mail import queue_mail
from ..models import User
from .passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 10


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
        raise AuthError("That email and password don't match an account.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    """Changes whenever the password or session version changes: a used token stops working."""
    material = f"{user.password_hash or ''}|{user.session_version}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def reset_token(user: User) -> str:
    """A signed token for resetting `user`'s password; valid once and for PASSWORD_RESET_MAX_AGE."""
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token: str) -> User:
    """Return the user a reset token is for; raises AuthError when expired, tampered or used."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise AuthError("This reset link has expired. Ask for a new one.") from None
    except BadSignature:
        raise AuthError("This reset link is not valid. Ask for a new one.") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user):
        raise AuthError("This reset link has already been used. Ask for a new one.")
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password and sign out every other session of this user."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.commit()


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
    to, token = user.email, reset_token(user)
    # End the read before writing: on SQLite, a transaction that read and then writes fails
    # outright when another connection wrote in between.
    db.session.commit()
    link = jobs.site_url(site_root, "auth.reset_password", token=token)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    queue_mail(
        to,
        "Set your Partner Portal password",
        f"Someone asked to set the password of the Partner Portal account for {to}.\n\n"
        f"Open this link within {minutes} minutes to choose a password:\n{link}\n\n"
        "The link works once. If you did not ask for it, ignore this email.",
    )
    db.session.commit()
