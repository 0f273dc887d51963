"""API tokens for tests, made through the service the API tokens page uses."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import Access, Administrator, ApiToken, utcnow
from partner_portal.tokens.services import create_token


def make_token(user, org, access: Access = Access.FULL, permissions=(), days: int = 30, expired: bool = False,
               revoked: bool = False) -> str:
    """A token of `user` (an administrator of `org`); returns its secret."""
    administrator = db.session.scalar(select(Administrator).where(Administrator.user_id == user.id,
                                                                  Administrator.organization_id == org.id))
    token, secret = create_token(administrator, "test token", access, [getattr(p, "value", p) for p in permissions],
                                 days)
    if expired:
        token.expires_at = utcnow() - timedelta(seconds=1)
    if revoked:
        token.revoked_at = utcnow()
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {secret}"}


def stored(secret: str) -> ApiToken:
    """The stored token row of a secret."""
    from partner_portal.tokens.services import hash_token

    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
