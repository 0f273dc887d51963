"""Creating and revoking an administrator's calendar feed URL."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete

from ..extensions import db
from ..models import Administrator, CalendarFeed


def token_hash(token: str) -> str:
    """The stored form of a feed token (a leaked database reveals no working URL)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(administrator: Administrator) -> str:
    """Give the administrator a new feed URL token, replacing (and so revoking) any earlier one;
    returns the token, which is never stored and so shown only now."""
    revoke_feed(administrator)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(administrator_id=administrator.id, token_hash=token_hash(token)))
    db.session.flush()
    return token


def revoke_feed(administrator: Administrator) -> None:
    """Stop the administrator's feed URL from working (nothing happens without one)."""
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.administrator_id == administrator.id))
