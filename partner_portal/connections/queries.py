"""Reads about connections shared by the partner-side features."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Connection, Organization


def connected_customer(partner_id: int, orgid: str) -> tuple[Organization, Connection] | None:
    """The customer with `orgid` and its active connection to the partner, or None."""
    row = db.session.execute(
        select(Organization, Connection)
        .join(Connection, Connection.customer_id == Organization.id)
        .where(Organization.orgid == orgid, Connection.partner_id == partner_id, Connection.ended_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None
