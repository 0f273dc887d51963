"""Connection rules: the 100-customer limit, invitations, adding and ending connections, and the
administrator access that a connection grants."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.services import find_user
from ..database import begin_serialized
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    Access,
    ActivityKind,
    Administrator,
    AdministratorInvitation,
    Connection,
    ConnectionMethod,
    NotificationSource,
    Organization,
    Side,
    Tenancy,
    User,
    utcnow,
    WebhookEvent,
)
from ..models.organization import new_invitation_token
from ..notifications.messages import joined, stored_message
from ..notifications.services import notify
from ..web.i18n import force_locale, format_number, gettext, lazy_gettext, recipient_locale
from ..webhooks.services import emit
from . import sharing
from .queries import active_connection, active_connection_count

EMAIL_TAKEN = lazy_gettext(
    "An account already uses this business email. Invite that customer with your invitation link instead."
)
# Notifications and activity-log entries are stored once for every reader of an organization, so
# they are written in English (the source language), whatever the language of the request.
STORED = "en"


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
    return gettext(
        "This partner account already has %(limit)s connected customers, the most it can have. "
        "Remove a customer you no longer manage, or use a separate partner account "
        "(signed up with a different email address) for the additional customers.",
        limit=format_number(connection_limit()),
    )


def ensure_invitation_token(partner_id: int) -> None:
    """Give the partner its fixed invitation link if it has none yet (committed by the caller).

    Called when an organization joins a partner program, so that showing the link never writes.
    """
    # Conditional update: two grants at once still end with one token.
    db.session.execute(
        update(Organization)
        .where(Organization.id == partner_id, Organization.invitation_token.is_(None))
        .values(invitation_token=new_invitation_token())
    )


@dataclass(frozen=True)
class InvitationCheck:
    """Whether the acting administrator can accept, and if not, why."""

    can_accept: bool
    reason: str | None = None


def _administers(user_id: int, org_id: int) -> bool:
    """True when the user is an administrator of the organization."""
    return (
        db.session.scalar(
            select(Administrator.id).where(Administrator.user_id == user_id, Administrator.organization_id == org_id)
        )
        is not None
    )


def check_invitation(partner: Organization, customer_admin: Administrator) -> InvitationCheck:
    """Decide whether `customer_admin`'s organization can accept `partner`'s invitation now.

    Only the customer's own full-access administrators decide: never an administrator whose
    access came through a partner, nor one who also administers the inviting partner (the
    partner would be consenting on the customer's behalf).
    """
    customer_id = customer_admin.organization_id
    if customer_id == partner.id:
        return InvitationCheck(
            False, gettext("This is your own organization's invitation link: an organization can't connect to itself.")
        )
    if not customer_admin.is_full:
        return InvitationCheck(
            False, gettext("Only a full-access administrator of your organization can accept a partner invitation.")
        )
    if customer_admin.is_via_partner or _administers(customer_admin.user_id, partner.id):
        return InvitationCheck(
            False,
            gettext(
                "You also work for %(name)s, so you can't accept its invitation for this "
                "organization. Ask one of the organization's own full-access administrators "
                "to accept it.",
                name=partner.name,
            ),
        )
    if active_connection(partner.id, customer_id) is not None:
        return InvitationCheck(False, gettext("Your organization is already connected to %(name)s.", name=partner.name))
    if active_connection_count(partner.id) >= connection_limit():
        return InvitationCheck(
            False,
            gettext(
                "%(name)s can't take more customers right now: it has reached its limit of "
                "%(limit)s connected customers. Ask the partner to make room.",
                name=partner.name,
                limit=format_number(connection_limit()),
            ),
        )
    return InvitationCheck(True)


def accept_invitation(
    partner: Organization, customer_admin: Administrator, by: User, scopes: dict[str, bool] | None = None
) -> Connection:
    """Connect the administrator's organization to `partner`, sharing `scopes` (default: all);
    raises ConnectionRefused.

    The partner's row is locked first, so the limit and the "already connected" check hold
    when many acceptances arrive at once.
    """
    partner_id, customer_id, by_id = partner.id, customer_admin.organization_id, by.id
    begin_serialized(Organization, partner_id)
    admin = db.session.get(Administrator, customer_admin.id)
    if admin is None:
        db.session.rollback()
        raise ConnectionRefused(gettext("You are no longer an administrator of this organization."))
    check = check_invitation(db.session.get(Organization, partner_id), admin)
    if not check.can_accept:
        db.session.rollback()
        raise ConnectionRefused(check.reason)
    link = Connection(
        partner_id=partner_id, customer_id=customer_id, method=ConnectionMethod.INVITATION, created_by_id=by_id
    )
    sharing.apply(link, scopes or {})
    db.session.add(link)
    customer = db.session.get(Organization, customer_id)
    with force_locale(STORED):
        withheld = sharing.withheld_text(link)
    withheld_message = sharing.withheld_message(link)
    partner = db.session.get(Organization, partner_id)
    by = db.session.get(User, by_id)
    _log_connection(
        partner,
        customer,
        "connected",
        by,
        f"{customer.name} (ORGID {customer.orgid}) accepted the invitation link and connected.{withheld}",
        f"Accepted the invitation of {partner.name} (ORGID {partner.orgid}) and connected.{withheld}",
    )
    try:
        # Inside the try: the notification and the webhook events may flush the new connection.
        notify(
            partner_id,
            stored_message("New customer connection: %(name)s", name=customer.name),
            joined(
                [
                    stored_message(
                        "%(name)s (ORGID %(orgid)s) accepted your invitation and now appears on your Customer "
                        "Dashboard.",
                        name=customer.name,
                        orgid=customer.orgid,
                    ),
                    withheld_message,
                ]
            ),
            source=NotificationSource.CONNECTION,
        )
        _emit_connection(WebhookEvent.CONNECTION_CREATED, link, partner, customer)
        db.session.commit()
    except IntegrityError:
        # The unique index on active pairs caught a simultaneous acceptance.
        db.session.rollback()
        raise ConnectionRefused(
            gettext("Your organization is already connected to %(name)s.", name=partner.name)
        ) from None
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
    partner administrator one of its administrators through that connection (the access ends
    when the connection does). Raises ConnectionRefused (nothing written)."""
    partner_id, by_id = partner.id, by.id
    begin_serialized(Organization, partner_id)
    if find_user(details.email) is not None:
        db.session.rollback()
        raise ConnectionRefused(str(EMAIL_TAKEN), "email")
    if active_connection_count(partner_id) >= connection_limit():
        db.session.rollback()
        raise ConnectionRefused(limit_message())
    try:
        customer = _create_added_customer(db.session.get(Organization, partner_id), by_id, details)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # Someone signed up with the same email between our check and the insert.
        raise ConnectionRefused(str(EMAIL_TAKEN), "email") from None
    return customer


def _create_added_customer(partner: Organization, by_id: int, details: NewCustomer) -> Organization:
    """Write the account, its contact, the connection, both administrators, the notifications and
    the welcome email (uncommitted; a duplicate email raises IntegrityError at a flush)."""
    customer = Organization(
        name=details.company, tenancy=Tenancy.MULTI, contact_phone=details.phone, country=details.country
    )
    contact = User(email=details.email, name=f"{details.first_name} {details.last_name}".strip())
    db.session.add_all([customer, contact])
    db.session.flush()
    link = Connection(
        partner_id=partner.id, customer_id=customer.id, method=ConnectionMethod.ADDED, created_by_id=by_id
    )
    db.session.add(link)
    db.session.flush()
    db.session.add_all(
        [
            Administrator(user_id=contact.id, organization_id=customer.id, access=Access.FULL, added_by_id=by_id),
            Administrator(
                user_id=by_id,
                organization_id=customer.id,
                access=Access.FULL,
                added_by_id=by_id,
                via_connection_id=link.id,
            ),
        ]
    )
    notify(
        customer.id,
        stored_message("%(name)s was added as an administrator", name=partner.name),
        stored_message(
            "%(name)s (ORGID %(orgid)s) created this account for %(company)s and was added as an administrator. "
            "Set your password with Forgot password? on the Sign in page, using %(email)s.",
            name=partner.name,
            orgid=partner.orgid,
            company=details.company,
            email=details.email,
        ),
        source=NotificationSource.CONNECTION,
    )
    notify(
        partner.id,
        stored_message("New customer connection: %(name)s", name=customer.name),
        stored_message(
            "You added %(name)s (ORGID %(orgid)s); it now appears on your Customer Dashboard.",
            name=customer.name,
            orgid=customer.orgid,
        ),
        source=NotificationSource.CONNECTION,
    )
    _emit_connection(WebhookEvent.CONNECTION_CREATED, link, partner, customer)
    by = db.session.get(User, by_id)
    _log_connection(
        partner,
        customer,
        "added",
        by,
        f"Added the customer {customer.name} (ORGID {customer.orgid}) with Add a customer and connected "
        f"it; {by.email} administers it through the connection.",
        f"{partner.name} (ORGID {partner.orgid}) created this account with Add a customer and connected "
        f"it; {by.email} administers it through the connection.",
    )
    # Written with the account and sent after the commit: no request waits on the mail server.
    with recipient_locale(contact):
        subject = gettext("%(partner)s created your Partner Portal account", partner=partner.name)
        body = gettext(
            "Hello %(first_name)s,\n\n%(partner)s created a Partner Portal account for %(company)s "
            "(ORGID %(orgid)s) and was added as an administrator of it.\n\n"
            "To sign in, set your password: open %(url)s and enter %(email)s.\n",
            first_name=details.first_name,
            partner=partner.name,
            company=details.company,
            orgid=customer.orgid,
            url=url_for("auth.forgot_password", _external=True),
            email=details.email,
        )
    queue_mail(details.email, subject, body)
    return customer


def end_connection(link: Connection, side: Side, by: User) -> None:
    """End an active connection (kept as history), end every administrator access and pending
    invitation it granted, and notify the other side: one transaction."""
    link_id, by_id = link.id, by.id
    # Locked, so two removals at once (one from each side) end it once, with one notification.
    begin_serialized(Connection, link_id)
    link = db.session.get(Connection, link_id, populate_existing=True)
    if link.ended_at is not None:
        db.session.rollback()
        return
    link.ended_at = utcnow()
    link.ended_by_id = by_id
    link.ended_by_side = side
    ended_access = db.session.execute(delete(Administrator).where(Administrator.via_connection_id == link.id)).rowcount
    db.session.execute(delete(AdministratorInvitation).where(AdministratorInvitation.via_connection_id == link.id))
    partner = db.session.get(Organization, link.partner_id)
    customer = db.session.get(Organization, link.customer_id)
    who = "your organization" if side is Side.PARTNER else "the customer"
    access = (
        f" {ended_access} administrator access{'es' if ended_access != 1 else ''} granted through it ended."
        if ended_access
        else ""
    )
    _log_connection(
        partner,
        customer,
        "ended",
        db.session.get(User, by_id),
        f"The connection with {customer.name} (ORGID {customer.orgid}) was ended by {who}.{access}",
        f"The connection with {partner.name} (ORGID {partner.orgid}) was ended by "
        f"{'your organization' if side is Side.CUSTOMER else 'the partner'}.{access}",
    )
    if side is Side.CUSTOMER:
        notify(
            partner.id,
            stored_message("%(name)s removed its connection", name=customer.name),
            stored_message(
                "%(name)s (ORGID %(orgid)s) ended its connection with your organization. It no longer appears on "
                "your Customer Dashboard, and your administrators no longer have access to its account.",
                name=customer.name,
                orgid=customer.orgid,
            ),
            source=NotificationSource.CONNECTION,
        )
    else:
        notify(
            customer.id,
            stored_message("%(name)s removed its connection", name=partner.name),
            stored_message(
                "%(name)s (ORGID %(orgid)s) ended its connection with your organization and no longer sees your "
                "account information.",
                name=partner.name,
                orgid=partner.orgid,
            ),
            source=NotificationSource.CONNECTION,
        )
    _emit_connection(WebhookEvent.CONNECTION_ENDED, link, partner, customer)
    db.session.commit()


def change_sharing(link: Connection, scopes: dict[str, bool], by: User) -> bool:
    """Set what the customer shares with the connection's partner; the partner is notified and
    both activity logs say what changed. Returns False (and writes nothing) when nothing changed."""
    link_id, by_id = link.id, by.id
    begin_serialized(Connection, link_id)
    link = db.session.get(Connection, link_id, populate_existing=True)
    if link.ended_at is not None:
        db.session.rollback()
        raise ConnectionRefused(gettext("This connection has ended."))
    before = sharing.scopes_of(link)
    sharing.apply(link, scopes)
    after = sharing.scopes_of(link)
    if before == after:
        db.session.rollback()
        return False
    partner = db.session.get(Organization, link.partner_id)
    customer = db.session.get(Organization, link.customer_id)
    with force_locale(STORED):
        change = sharing.change_text(before, after)
    notify(
        partner.id,
        stored_message("%(name)s changed what it shares with you", name=customer.name),
        stored_message(
            "%(name)s (ORGID %(orgid)s) changed what your organization sees: %(change)s.",
            name=customer.name,
            orgid=customer.orgid,
            change=sharing.change_message(before, after),
        ),
        source=NotificationSource.CONNECTION,
    )
    _log_connection(
        partner,
        customer,
        "sharing-changed",
        db.session.get(User, by_id),
        f"{customer.name} (ORGID {customer.orgid}) changed what it shares: {change}.",
        f"Changed what {partner.name} (ORGID {partner.orgid}) sees: {change}.",
    )
    db.session.commit()
    return True


def _log_connection(
    partner: Organization,
    customer: Organization,
    action: str,
    by: User | None,
    partner_summary: str,
    customer_summary: str,
) -> None:
    """Write a connection change into both organizations' activity logs (uncommitted)."""
    record(
        partner.id,
        ActivityKind.CONNECTION,
        action,
        partner_summary,
        by=by,
        target=f"{customer.name} ({customer.orgid})",
    )
    record(
        customer.id,
        ActivityKind.CONNECTION,
        action,
        customer_summary,
        by=by,
        target=f"{partner.name} ({partner.orgid})",
    )


def _emit_connection(event: WebhookEvent, link: Connection, partner: Organization, customer: Organization) -> None:
    """Tell both organizations' webhook endpoints that the connection began or ended (uncommitted)."""

    def data() -> dict:
        db.session.flush()
        return {
            "connection_id": link.id,
            "method": link.method.value,
            "partner": {"orgid": partner.orgid, "name": partner.name},
            "customer": {"orgid": customer.orgid, "name": customer.name},
            "ended_by": link.ended_by_side.value if link.ended_by_side else None,
        }

    emit((partner.id, customer.id), event, data)
