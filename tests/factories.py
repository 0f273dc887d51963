"""Plain factory functions for test data."""
from __future__ import annotations

import itertools

from partner_portal.auth.passwords import hash_password
from partner_portal.extensions import db
from partner_portal.models import (
    Access, Administrator, Connection, ConnectionMethod, MembershipStatus, Organization, Program,
    ProgramMembership, Tenancy, User,
)
from partner_portal.models.organization import new_invitation_token

from .conftest import TEST_PASSWORD

_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_org(name: str | None = None, tenancy: Tenancy = Tenancy.SINGLE, programs=(), lapsed: bool = False,
             primary: bool = False) -> Organization:
    """An organization, optionally badged in `programs`."""
    org = Organization(name=name or f"Org {next(_seq)}", tenancy=tenancy, is_primary_cloud_account=primary)
    if programs:
        org.invitation_token = new_invitation_token()
    db.session.add(org)
    db.session.flush()
    for program in programs:
        db.session.add(ProgramMembership(organization_id=org.id, program=program,
                                         status=MembershipStatus.LAPSED if lapsed else MembershipStatus.ACTIVE))
    db.session.flush()
    return org


def make_partner(name: str | None = None, **kwargs) -> Organization:
    """A partner-badged organization (Solution Advisor unless programs= is given)."""
    kwargs.setdefault("programs", [Program.SOLUTION_ADVISOR])
    return make_org(name or f"Partner {next(_seq)}", **kwargs)


def make_user(email: str | None = None, password: str | None = TEST_PASSWORD, operator: bool = False) -> User:
    """A user who can sign in with `password`."""
    user = User(email=email or f"user{next(_seq)}@example.org", name="Test Person",
                password_hash=_hash(password) if password else None, is_operator=operator)
    db.session.add(user)
    db.session.flush()
    return user


def make_admin(org: Organization, user: User | None = None, access: Access = Access.FULL, permissions=(),
               via: Connection | None = None) -> User:
    """Make `user` (or a new user) an administrator of `org` (through the connection `via`, as
    Add a customer does); returns the user."""
    user = user or make_user()
    db.session.add(Administrator(user_id=user.id, organization_id=org.id, access=access,
                                 permissions=frozenset(getattr(p, "value", p) for p in permissions),
                                 via_connection_id=via.id if via else None))
    db.session.flush()
    return user


def connect(partner: Organization, customer: Organization, method: ConnectionMethod = ConnectionMethod.INVITATION) -> Connection:
    """An active connection."""
    link = Connection(partner_id=partner.id, customer_id=customer.id, method=method)
    db.session.add(link)
    db.session.flush()
    return link
