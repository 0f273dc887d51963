"""Reads for Account Settings, and the organization facts other features check (programs)."""

from __future__ import annotations

import functools

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from ..extensions import db
from ..models import (
    Administrator,
    AdministratorInvitation,
    Connection,
    MembershipStatus,
    Organization,
    ProgramMembership,
    User,
)


def active_programs(org_id: int) -> list:
    """Programs in which the organization holds an active membership, in a stable order."""
    return list(
        db.session.scalars(
            select(ProgramMembership.program)
            .where(ProgramMembership.organization_id == org_id, ProgramMembership.status == MembershipStatus.ACTIVE)
            .order_by(ProgramMembership.program)
        )
    )


def roles_of(user_id: int) -> tuple[int, list[tuple[Administrator, list]]]:
    """The person's frame version and every administrator role, with its organization loaded and
    that organization's active programs (in active_programs' order), by administrator id: one query,
    so the version and the roles come from the same snapshot."""
    active = and_(
        ProgramMembership.organization_id == Administrator.organization_id,
        ProgramMembership.status == MembershipStatus.ACTIVE,
    )
    rows = db.session.execute(
        select(User.frame_version, Administrator, ProgramMembership.program)
        .join(Administrator, Administrator.user_id == User.id, isouter=True)
        .join(Administrator.organization, isouter=True)
        .join(ProgramMembership, active, isouter=True)
        .options(contains_eager(Administrator.organization))
        .where(User.id == user_id)
        .order_by(Administrator.id, ProgramMembership.program)
    ).all()
    version = rows[0][0] if rows else 0
    roles: dict[int, tuple[Administrator, list]] = {}
    for _version, administrator, program in rows:
        if administrator is not None:
            programs = roles.setdefault(administrator.id, (administrator, []))[1]
            if program is not None:
                programs.append(program)
    return version, list(roles.values())


def company_account(org_id: int) -> Organization:
    """The organization with its program memberships loaded."""
    return db.session.scalar(
        select(Organization).options(selectinload(Organization.memberships)).where(Organization.id == org_id)
    )


def administrators(org_id: int) -> list[tuple[Administrator, str | None]]:
    """The organization's administrators with their users, ordered by email, each with the name of
    the partner whose connection granted the access (None for the organization's own)."""
    partner = aliased(Organization)
    return [
        tuple(row)
        for row in db.session.execute(
            select(Administrator, partner.name)
            .join(Administrator.user)
            .outerjoin(Connection, Connection.id == Administrator.via_connection_id)
            .outerjoin(partner, partner.id == Connection.partner_id)
            .options(joinedload(Administrator.user))
            .where(Administrator.organization_id == org_id)
            .order_by(User.email)
        )
    ]


def pending_invitations(org_id: int) -> list[AdministratorInvitation]:
    """Invitations to join the organization that their people have not answered yet."""
    return list(
        db.session.scalars(
            select(AdministratorInvitation)
            .join(AdministratorInvitation.user)
            .options(joinedload(AdministratorInvitation.user))
            .where(AdministratorInvitation.organization_id == org_id)
            .order_by(User.email)
        )
    )


def invitations_for(user_id: int) -> list[tuple[AdministratorInvitation, Organization]]:
    """Invitations waiting for this person, with the organizations that sent them."""
    return [tuple(row) for row in db.session.execute(_invitations_for_statement(), {"user_id": user_id})]


@functools.cache
def _invitations_for_statement():
    """Built once: Home runs it on every visit."""
    return (
        select(AdministratorInvitation, Organization)
        .join(Organization, Organization.id == AdministratorInvitation.organization_id)
        .where(AdministratorInvitation.user_id == bindparam("user_id"))
        .order_by(Organization.name)
    )
