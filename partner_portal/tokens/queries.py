"""Reads for the API tokens page."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Administrator, ApiToken, User


def tokens_for(actor: Administrator) -> list[tuple[ApiToken, str]]:
    """Tokens of `actor`'s organization with their creator's email: all of them for full access,
    else the actor's own; newest first, revoked ones included (their history stays visible)."""
    stmt = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.organization_id == actor.organization_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if not actor.is_full:
        stmt = stmt.where(ApiToken.user_id == actor.user_id)
    return [(token, email) for token, email in db.session.execute(stmt)]


def operator_tokens(user_id: int) -> list[tuple[ApiToken, str]]:
    """A customer-service operator's own operator tokens with their email, newest first."""
    stmt = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.organization_id.is_(None), ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [(token, email) for token, email in db.session.execute(stmt)]
