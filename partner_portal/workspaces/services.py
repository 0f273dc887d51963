"""Workspace sign-in for directory users, and their sessions.

Directory users are not portal users: their credentials live in `directory_user` (hashed with the
portal's argon2id helper) and their session is a signed token of its own, one per workspace, never
the portal's Flask-Login session.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..auth.passwords import hash_password, needs_rehash, verify_password
from ..extensions import db
from ..models import DirectoryUser
from ..web.i18n import lazy_gettext
from .queries import Site, allowed_user, directory_user_named

BAD_CREDENTIALS = lazy_gettext("That user name and password don't match an account of this workspace's domains.")
NOT_ALLOWED = lazy_gettext(
    "Your account can't sign in to this workspace: your organization has no access to it through "
    "your domain. Ask your service provider, or use the workspace address it gave you."
)


class WorkspaceSignInError(Exception):
    """A user-facing refusal of a workspace sign-in."""


def sign_in_directory_user(site: Site, sign_in_name: str, password: str) -> DirectoryUser:
    """Return the directory user whose credentials match and who may use `site`; raises
    WorkspaceSignInError (one message for every credential failure, a clear one for a user the
    workspace does not admit)."""
    user = directory_user_named(sign_in_name)
    # Verify even for an unknown name, so both failures take the same time.
    matches = verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        raise WorkspaceSignInError(str(BAD_CREDENTIALS))
    # Said only to someone who knows the password, so it reveals nothing to a guesser.
    if allowed_user(site, user.id) is None:
        raise WorkspaceSignInError(str(NOT_ALLOWED))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def _serializer(site: Site) -> URLSafeTimedSerializer:
    # The salt names the workspace: a token made for one workspace means nothing to another.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"workspace-session:{site.slug}")


def _fingerprint(user: DirectoryUser) -> str:
    """Changes with the password, so a new password ends the user's workspace sessions."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:32]


def session_token(site: Site, user: DirectoryUser) -> str:
    """A signed workspace session for `user` at `site`."""
    return _serializer(site).dumps({"w": site.id, "u": user.id, "f": _fingerprint(user)})


def session_user(site: Site, token: str | None) -> DirectoryUser | None:
    """The user a workspace session token stands for, if it is genuine, recent, and the user may still
    use the workspace (checked on every request, so a removal takes effect at once); else None."""
    if not token:
        return None
    try:
        data = _serializer(site).loads(
            token, max_age=int(current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
        )
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("w") != site.id or not isinstance(data.get("u"), int):
        return None
    user = allowed_user(site, data["u"])
    if user is None or data.get("f") != _fingerprint(user):
        return None
    return user
