"""Connection rules: the 100-customer limit, invitations, adding and ending connections."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..auth.services import find_user
from ..database import begin_serialized
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    Access, Administrator, Connection, ConnectionMethod, Organization, Side, Tenancy, User, utcnow,
)
from ..models.organization import new_invitation_token
from ..notifications.services import notify
from ..web.tenancy import active_programs


_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


EMAIL_TAKEN = ("An account already uses this business email. Invite that customer with your invitation link "
               "instead.")


class ConnectionRefused(Exception):
    """A user-facing refusal; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def connection_limit() -> int:
    """Most active connections one partner may hold (PARTNER_CONNECTION_LIMIT, default 100)."""
    return current_app.config["PARTNER_CONNECTION_LIMIT"]


def limit_message() -> str:
    """What to tell a partner at the limit, and what they can do about it."""
    limit = connection_limit()
    return (f"This partner account already has {limit} connected customers, the most it can have. "
            "Remove a customer you no longer manage, or use a separate partner account "
            "(signed up with a different email address) for the additional customers.")


def active_connection_count(partner_id: int) -> int:
    """Number of active connections of a partner."""
    return db.session.scalar(
        select(func.count()).select_from(Connection)
        .where(Connection.partner_id == partner_id, Connection.ended_at.is_(None))
    ) or 0


def active_connection(partner_id: int, customer_id: int) -> Connection | None:
    """The active connection between two organizations, if any."""
    return db.session.scalar(select(Connection).where(
        Connection.partner_id == partner_id, Connection.customer_id == customer_id, Connection.ended_at.is_(None)))


def invitation_token(partner: Organization) -> str:
    """The partner's fixed invitation token, created on first use."""
    if partner.invitation_token is None:
        # Conditional update: two first visits at once still end with one token.
        db.session.execute(update(Organization)
                           .where(Organization.id == partner.id, Organization.invitation_token.is_(None))
                           .values(invitation_token=new_invitation_token()))
        db.session.commit()
        db.session.refresh(partner)
    return partner.invitation_token


def partner_for_token(token: str) -> Organization | None:
    """The badged partner whose invitation link carries `token`, or None."""
    # Tokens are URL-safe base64; anything else (NUL bytes, slashes, huge strings) is refused
    # before it reaches the database.
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        return None
    partner = db.session.scalar(select(Organization).where(Organization.invitation_token == token))
    if partner is None or not active_programs(partner.id):
        return None
    return partner


@dataclass(frozen=True)
class InvitationCheck:
    """Whether the acting administrator can accept, and if not, why."""

    can_accept: bool
    reason: str | None = None


def check_invitation(partner: Organization, customer_admin: Administrator) -> InvitationCheck:
    """Decide whether `customer_admin`'s organization can accept `partner`'s invitation now."""
    customer_id = customer_admin.organization_id
    if customer_id == partner.id:
        return InvitationCheck(False, "This is your own organization's invitation link: an organization can't connect to itself.")
    if not customer_admin.is_full:
        return InvitationCheck(False, "Only a full-access administrator of your organization can accept a partner invitation.")
    if active_connection(partner.id, customer_id) is not None:
        return InvitationCheck(False, f"Your organization is already connected to {partner.name}.")
    if active_connection_count(partner.id) >= connection_limit():
        return InvitationCheck(False, f"{partner.name} can't take more customers right now: it has reached its limit of "
                                      f"{connection_limit()} connected customers. Ask the partner to make room.")
    return InvitationCheck(True)


def accept_invitation(partner: Organization, customer_admin: Administrator, by: User) -> Connection:
    """Connect the administrator's organization to `partner`; raises ConnectionRefused.

    The partner's row is locked first, so the limit and the "already connected" check hold
    when many acceptances arrive at once.
    """
    partner_id, customer_id, by_id = partner.id, customer_admin.organization_id, by.id
    begin_serialized(Organization, partner_id)
    admin = db.session.get(Administrator, customer_admin.id)
    if admin is None:
        db.session.rollback()
        raise ConnectionRefused("You are no longer an administrator of this organization.")
    check = check_invitation(db.session.get(Organization, partner_id), admin)
    if not check.can_accept:
        db.session.rollback()
        raise ConnectionRefused(check.reason)
    link = Connection(partner_id=partner_id, customer_id=customer_id, method=ConnectionMethod.INVITATION,
                      created_by_id=by_id)
    db.session.add(link)
    customer = db.session.get(Organization, customer_id)
    notify(partner_id, f"New customer connection: {customer.name}",
           f"{customer.name} (ORGID {customer.orgid}) accepted your invitation and now appears on your Customer Dashboard.")
    try:
        db.session.commit()
    except IntegrityError:
        # The unique index on active pairs caught a simultaneous acceptance.
        db.session.rollback()
        raise ConnectionRefused(f"Your organization is already connected to {partner.name}.") from None
    return link


@dataclass
class NewCustomer:
    """Business contact details of a customer the partner adds."""

    company: str
    first_name: str
    last_name: str
    email: str
    phone: str
    country: str


def add_customer(partner: Organization, by: User, details: NewCustomer) -> Organization:
    """Create a multi-tenant customer account for `details`, connect it, and make the acting
    partner administrator one of its administrators. Raises ConnectionRefused (nothing written)."""
    partner_id, by_id = partner.id, by.id
    begin_serialized(Organization, partner_id)
    if find_user(details.email) is not None:
        db.session.rollback()
        raise ConnectionRefused(EMAIL_TAKEN, "email")
    if active_connection_count(partner_id) >= connection_limit():
        db.session.rollback()
        raise ConnectionRefused(limit_message())
    partner = db.session.get(Organization, partner_id)
    customer = Organization(name=details.company, tenancy=Tenancy.MULTI)
    contact = User(email=details.email, name=f"{details.first_name} {details.last_name}".strip())
    db.session.add_all([customer, contact])
    db.session.flush()
    db.session.add_all([
        Administrator(user_id=contact.id, organization_id=customer.id, access=Access.FULL, added_by_id=by_id),
        Administrator(user_id=by_id, organization_id=customer.id, access=Access.FULL, added_by_id=by_id),
        Connection(partner_id=partner_id, customer_id=customer.id, method=ConnectionMethod.ADDED, created_by_id=by_id),
    ])
    notify(customer.id, f"{partner.name} was added as an administrator",
           f"{partner.name} (ORGID {partner.orgid}) created this account for {details.company} and was added as an "
           f"administrator. Set your password with Forgot password? on the Sign in page, using {details.email}.")
    notify(partner_id, f"New customer connection: {customer.name}",
           f"You added {customer.name} (ORGID {customer.orgid}); it now appears on your Customer Dashboard.")
    # Written with the account and sent after the commit: no request waits on the mail server.
    queue_mail(details.email, f"{partner.name} created your Partner Portal account",
               f"Hello {details.first_name},\n\n{partner.name} created a Partner Portal account for {details.company} "
               f"(ORGID {customer.orgid}) and was added as an administrator of it.\n\n"
               f"To sign in, set your password: open {url_for('auth.forgot_password', _external=True)} and enter "
               f"{details.email}.\n")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # Someone signed up with the same email between our check and the insert.
        raise ConnectionRefused(EMAIL_TAKEN, "email") from None
    return customer


def end_connection(link: Connection, side: Side, by: User) -> None:
    """End an active connection (kept as history) and notify the other side."""
    if link.ended_at is not None:
        return
    link.ended_at = utcnow()
    link.ended_by_id = by.id
    link.ended_by_side = side
    partner = db.session.get(Organization, link.partner_id)
    customer = db.session.get(Organization, link.customer_id)
    if side is Side.CUSTOMER:
        notify(partner.id, f"{customer.name} removed its connection",
               f"{customer.name} (ORGID {customer.orgid}) ended its connection with your organization. "
               "It no longer appears on your Customer Dashboard.")
    else:
        notify(customer.id, f"{partner.name} removed its connection",
               f"{partner.name} (ORGID {partner.orgid}) ended its connection with your organization and no longer "
               "sees your account information.")
    db.session.commit()


def partner_connections(customer_id: int) -> list[tuple[Connection, Organization, list]]:
    """Active partners of a customer with their badges: two queries whatever the count."""
    from ..models import MembershipStatus, ProgramMembership

    rows = db.session.execute(
        select(Connection, Organization).join(Organization, Organization.id == Connection.partner_id)
        .where(Connection.customer_id == customer_id, Connection.ended_at.is_(None))
        .order_by(Organization.name)
    ).all()
    badges: dict[int, list] = {}
    if rows:
        for org_id, program in db.session.execute(
            select(ProgramMembership.organization_id, ProgramMembership.program)
            .where(ProgramMembership.organization_id.in_([org.id for _, org in rows]),
                   ProgramMembership.status == MembershipStatus.ACTIVE)
            .order_by(ProgramMembership.program)
        ):
            badges.setdefault(org_id, []).append(program)
    return [(link, org, badges.get(org.id, [])) for link, org in rows]
