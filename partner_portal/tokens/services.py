"""API token rules: who may create a token with which permissions, revoking, and recognising a
token presented to the API.

A token acts as the administrator who created it, in the organization it was created in, with the
permissions it names — and never more than that administrator holds at the moment of use: a token
whose creator lost a permission loses it too, and one whose creator is no longer an administrator
there (or whose organization is gone) stops working.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import Access, Administrator, ApiToken, Organization, Permission, User, utcnow
from ..web.i18n import gettext

# A public marker of the kind of token (not a secret itself): ruff S105 and bandit B105 misread it.
TOKEN_PREFIX = "ppt_"  # noqa: S105  # nosec B105
EXPIRY_DAYS = (7, 30, 90, 365)
# last_used_at is written at most once a minute per token: scripts polling the API must not turn
# every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(Exception):
    """A user-facing refusal, with the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class TokenRefused(Exception):
    """The presented credential does not authenticate (unknown, malformed, expired, revoked, or its
    creator no longer administers the organization); the message says which, without secrets."""


def hash_token(raw: str) -> str:
    """SHA-256 (hex) of a token: enough for a 256-bit random secret, and cheap for every request."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _checked_name(name: str, days: int) -> str:
    """The token's name, trimmed; raises TokenError without one or for an expiry not offered."""
    name = name.strip()
    if not name:
        raise TokenError(gettext("Give the token a name."), "name")
    if days not in EXPIRY_DAYS:
        raise TokenError(gettext("Choose one of the expiry periods offered."), "expires")
    return name


def create_token(actor: Administrator, name: str, access: Access, permissions, days: int) -> tuple[ApiToken, str]:
    """Create a token for `actor`'s organization; returns it with its secret (shown once, never
    stored). Raises TokenError when it would hold more than `actor` does, or on a bad expiry."""
    name = _checked_name(name, days)
    if access is Access.FULL:
        if not actor.is_full:
            raise TokenError(gettext("Only full-access administrators can create full-access tokens."), "access")
        codes = frozenset()
    else:
        known = {p.value for p in Permission}
        codes = frozenset(code for code in permissions if code in known)
        missing = [p.label for p in Permission if p.value in codes and not actor.can(p)]
        if missing:
            raise TokenError(
                gettext(
                    "A token can't hold more than you do: you don't have %(permissions)s.",
                    permissions=", ".join(str(label) for label in missing),
                ),
                "permissions",
            )
    token, raw = _new_token(actor.organization_id, actor.user_id, name, access, codes, days)
    db.session.commit()
    return token, raw


def create_operator_token(user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """Create a customer-service operator's token (no organization: the operator API routes only);
    returns it with its secret. Raises TokenError for a person who is not an operator, or bad input."""
    if not user.is_operator:
        raise TokenError(gettext("Only customer-service operators can create operator tokens."))
    token, raw = _new_token(None, user.id, _checked_name(name, days), Access.CUSTOM, frozenset(), days)
    db.session.commit()
    return token, raw


def _new_token(
    org_id: int | None, user_id: int, name: str, access: Access, codes: frozenset, days: int
) -> tuple[ApiToken, str]:
    """A new token row (uncommitted) and its secret."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organization_id=org_id,
        user_id=user_id,
        name=name[:80],
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(raw),
        access=access,
        permissions=codes,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    return token, raw


def can_revoke_own(user: User, token: ApiToken) -> bool:
    """True when `user` may revoke the operator token `token` (their own)."""
    return token.for_operator and token.user_id == user.id


def can_revoke(actor: Administrator, token: ApiToken) -> bool:
    """True when `actor` may revoke `token`: its creator, or any full-access administrator of the
    organization."""
    return token.organization_id == actor.organization_id and (actor.is_full or token.user_id == actor.user_id)


def revoke_token(actor: Administrator | None, token: ApiToken, by: User) -> None:
    """Revoke `token` now (idempotent): `actor` acting in its organization, or with actor None
    an operator their own operator token. Raises TokenError when they may not."""
    allowed = can_revoke_own(by, token) if actor is None else can_revoke(actor, token)
    if not allowed:
        raise TokenError(gettext("Only the token's creator or a full-access administrator can revoke it."))
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by_id = utcnow(), by.id
    db.session.commit()


@dataclass(frozen=True)
class TokenRole:
    """The creator's administrator role as seen through a token: the same person and organization,
    with access no larger than both the token's and the creator's current one. Services read
    `id`, `user_id`, `organization_id` and friends through it; permission checks use `can` and
    `is_full` as they do on an Administrator."""

    administrator: Administrator
    token: ApiToken

    @property
    def is_full(self) -> bool:
        """Full access only when both the token and its creator have it."""
        return self.token.is_full and self.administrator.is_full

    def can(self, permission: Permission) -> bool:
        """Held by the token and by its creator now."""
        token_holds = self.token.is_full or permission.value in self.token.permissions
        return token_holds and self.administrator.can(permission)

    @property
    def permissions(self) -> frozenset[str]:
        """The permission codes this role holds (for display)."""
        return frozenset(p.value for p in Permission if self.can(p))

    @property
    def access(self) -> Access:
        """FULL or CUSTOM, as for an Administrator."""
        return Access.FULL if self.is_full else Access.CUSTOM

    def __getattr__(self, name):
        return getattr(self.administrator, name)


def authenticate(raw: str) -> tuple[TokenRole | None, Organization | None, User, ApiToken]:
    """The role, organization and person a presented token acts as (no role or organization for an
    operator's token), and the token; records its use. Raises TokenRefused (unknown, expired,
    revoked, creator no longer an administrator there, or no longer an operator)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise TokenRefused("The bearer token is not a Partner Portal API token.")
    row = db.session.execute(
        select(ApiToken, Administrator, Organization, User)
        .join(
            Administrator,
            (Administrator.user_id == ApiToken.user_id) & (Administrator.organization_id == ApiToken.organization_id),
            isouter=True,
        )
        .join(Organization, Organization.id == ApiToken.organization_id, isouter=True)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(raw))
    ).first()
    if row is None:
        raise TokenRefused("The bearer token is not valid.")
    token, administrator, org, user = row
    now = utcnow()
    if token.revoked_at is not None:
        raise TokenRefused("The bearer token was revoked.")
    if token.expires_at <= now:
        raise TokenRefused("The bearer token has expired.")
    if token.for_operator and not user.is_operator:
        raise TokenRefused("The token's creator is no longer a customer-service operator.")
    if not token.for_operator and administrator is None:
        raise TokenRefused("The token's creator no longer administers its organization.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
        token.last_used_at = now
    return (None if token.for_operator else TokenRole(administrator, token)), org, user, token
