"""Reads about connections, shared by the partner and customer sides."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.orm import aliased

from ..accounts.queries import active_programs
from ..extensions import db
from ..models import Connection, ConnectionMethod, MembershipStatus, Organization, ProgramMembership, Side, User
from ..web.i18n import gettext

# Invitation tokens are URL-safe base64 (see models.organization.new_invitation_token).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def connected_customer(partner_id: int, orgid: str) -> tuple[Organization, Connection] | None:
    """The customer with `orgid` and its active connection to the partner, or None."""
    row = db.session.execute(_connected_customer_statement(), {"partner_id": partner_id, "orgid": orgid}).first()
    return (row[0], row[1]) if row else None


@functools.cache
def _connected_customer_statement():
    """Built once: every page about one customer starts with it."""
    return (
        select(Organization, Connection)
        .join(Connection, Connection.customer_id == Organization.id)
        .where(
            Organization.orgid == bindparam("orgid", type_=String),
            Connection.partner_id == bindparam("partner_id"),
            Connection.ended_at.is_(None),
        )
    )


def active_connection_count(partner_id: int) -> int:
    """Number of active connections of a partner."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Connection)
            .where(Connection.partner_id == partner_id, Connection.ended_at.is_(None))
        )
        or 0
    )


def active_connection(partner_id: int, customer_id: int) -> Connection | None:
    """The active connection between two organizations, if any."""
    return db.session.scalar(
        select(Connection).where(
            Connection.partner_id == partner_id, Connection.customer_id == customer_id, Connection.ended_at.is_(None)
        )
    )


def partner_for_token(token: str) -> Organization | None:
    """The badged partner whose invitation link carries `token`, or None."""
    # Anything that is not token-shaped (NUL bytes, slashes, huge strings) is refused before it
    # reaches the database.
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        return None
    partner = db.session.scalar(select(Organization).where(Organization.invitation_token == token))
    if partner is None or not active_programs(partner.id):
        return None
    return partner


def partner_connections(customer_id: int) -> list[tuple[Connection, Organization, list]]:
    """Active partners of a customer with their badges: two queries whatever the count."""
    rows = db.session.execute(
        select(Connection, Organization)
        .join(Organization, Organization.id == Connection.partner_id)
        .where(Connection.customer_id == customer_id, Connection.ended_at.is_(None))
        .order_by(Organization.name)
    ).all()
    badges: dict[int, list] = {}
    if rows:
        for org_id, program in db.session.execute(
            select(ProgramMembership.organization_id, ProgramMembership.program)
            .where(
                ProgramMembership.organization_id.in_([org.id for _, org in rows]),
                ProgramMembership.status == MembershipStatus.ACTIVE,
            )
            .order_by(ProgramMembership.program)
        ):
            badges.setdefault(org_id, []).append(program)
    return [(link, org, badges.get(org.id, [])) for link, org in rows]


@dataclass(frozen=True)
class HistoryLine:
    """One connection, active or ended: who created it and how, who ended it and from which side."""

    partner: str
    customer: str
    method: ConnectionMethod
    created_at: datetime
    created_by: str | None
    ended_at: datetime | None
    ended_by: str | None
    ended_by_side: Side | None

    @property
    def how(self) -> str:
        """How the connection came about, in words."""
        return (
            gettext("Invitation accepted")
            if self.method is ConnectionMethod.INVITATION
            else gettext("Added by the partner")
        )

    @property
    def is_active(self) -> bool:
        """True while the connection lasts."""
        return self.ended_at is None

    @property
    def ended_by_label(self) -> str:
        """Which side ended it, in words: "by the partner" ("" while active)."""
        if self.ended_by_side is Side.PARTNER:
            return gettext("by the partner")
        if self.ended_by_side is Side.CUSTOMER:
            return gettext("by the customer")
        return ""


def connection_history(customer_id: int, partner_id: int | None = None) -> list[HistoryLine]:
    """Every connection of the customer (with `partner_id` only, when given), newest first: one query."""
    partner, creator, ender = aliased(Organization), aliased(User), aliased(User)
    customer = aliased(Organization)
    stmt = (
        select(
            partner.name,
            customer.name,
            Connection.method,
            Connection.created_at,
            creator.email,
            Connection.ended_at,
            ender.email,
            Connection.ended_by_side,
        )
        .join(partner, partner.id == Connection.partner_id)
        .join(customer, customer.id == Connection.customer_id)
        .outerjoin(creator, creator.id == Connection.created_by_id)
        .outerjoin(ender, ender.id == Connection.ended_by_id)
        .where(Connection.customer_id == customer_id)
        .order_by(Connection.created_at.desc(), Connection.id.desc())
    )
    if partner_id is not None:
        stmt = stmt.where(Connection.partner_id == partner_id)
    return [HistoryLine(*row) for row in db.session.execute(stmt)]
