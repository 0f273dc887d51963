"""Reads for Account Settings."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Administrator, Organization


def company_account(org_id: int) -> Organization:
    """The organization with its program memberships loaded."""
    return db.session.scalar(
        select(Organization).options(selectinload(Organization.memberships)).where(Organization.id == org_id)
    )


def administrators(org_id: int) -> list[Administrator]:
    """The organization's administrators with their users, ordered by email."""
    from ..models import User

    return list(db.session.scalars(
        select(Administrator).join(Administrator.user)
        .options(joinedload(Administrator.user))
        .where(Administrator.organization_id == org_id)
        .order_by(User.email)
    ))
