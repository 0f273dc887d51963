"""Reads for signed-in sessions and two-factor sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..models import RecoveryCode, User, UserSession, utcnow
from ..models.user_session import token_hash


def live():
    """Conditions of a session that still signs its browser in."""
    return UserSession.ended_at.is_(None), UserSession.expires_at > utcnow()


class LiveSession(NamedTuple):
    """What a signed-in request needs of its session record."""

    id: int
    last_seen_at: datetime
    expires_at: datetime


def live_session(secret: str) -> tuple[User, LiveSession] | None:
    """The user, and the id, last-seen and expiry times of the session record, that a cookie's
    secret stands for while the record is live (one query, on every signed-in request; the user's
    frame_version comes with it, see web/tenancy.py). The record's three columns, not the whole
    record: loading one entity per request instead of two is measurably cheaper."""
    if not secret:
        return None
    row = db.session.execute(_LIVE_SESSION, {"token_hash": token_hash(secret), "now": utcnow()}).one_or_none()
    return (row[0], LiveSession(row[1], row[2], row[3])) if row else None


# Built once: every signed-in request runs it.
_LIVE_SESSION = (
    select(User, UserSession.id, UserSession.last_seen_at, UserSession.expires_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.ended_at.is_(None),
        UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
    )
)


class SessionRow(NamedTuple):
    """A live session in the Account Settings list."""

    session: UserSession
    is_current: bool


class SessionList(NamedTuple):
    """The Account Settings list of a user's live sessions."""

    rows: list[SessionRow]

    @property
    def has_others(self) -> bool:
        """True when a session other than this one is signed in."""
        return any(not row.is_current for row in self.rows)


def active_sessions(user_id: int, current_id: int | None) -> SessionList:
    """The user's live sessions, this one first, then the most recently seen."""
    records = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, *live())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    rows = [SessionRow(record, record.id == current_id) for record in records]
    return SessionList(sorted(rows, key=lambda row: not row.is_current))


class RecoveryCodesLeft(NamedTuple):
    """How many recovery codes a person has unused, of how many they were given."""

    unused: int
    issued: int

    @property
    def running_low(self) -> bool:
        """True when two or fewer remain: time to generate new ones."""
        return self.unused <= 2


def recovery_codes_left(user_id: int) -> RecoveryCodesLeft:
    """The user's unused and issued recovery codes (one query)."""
    unused, issued = db.session.execute(
        select(func.count(RecoveryCode.id).filter(RecoveryCode.used_at.is_(None)), func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user_id
        )
    ).one()
    return RecoveryCodesLeft(unused, issued)
