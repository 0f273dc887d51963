"""The current organization, and lookups scoped to it: another organization's object is a 404."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.queries import active_programs as load_programs
from ..connections.queries import connected_customer
from ..extensions import db
from ..licensing.queries import entitlement_or_none
from ..models import Administrator, Connection, Notification, Organization
from ..notifications.queries import customer_notification, own_notification

SESSION_ORG_KEY = "org_id"


@dataclass(frozen=True)
class Acting:
    """Who acts: the signed-in user as an administrator of the current organization."""

    administrator: Administrator
    # Kept apart from administrator.organization: after a service commits, that relationship
    # is expired and (lazy="raise") would not reload, while a plain object refreshes itself.
    org: Organization

    @property
    def user(self):
        """The signed-in user."""
        return current_user


def load_acting() -> Acting | None:
    """Return the acting administrator for this request (cached on g), or None.

    The organization kept in the session is used when the user still administers it; otherwise
    the first organization the user administers (so a revoked role can never be kept).
    """
    if "acting" in g:
        return g.acting
    acting = None
    if current_user.is_authenticated:
        rows = db.session.scalars(
            select(Administrator)
            .options(joinedload(Administrator.organization))
            .where(Administrator.user_id == current_user.id)
            .order_by(Administrator.id)
        ).all()
        g.administered = rows
        wanted = session.get(SESSION_ORG_KEY)
        chosen = next((a for a in rows if a.organization_id == wanted), rows[0] if rows else None)
        if chosen is not None:
            acting = Acting(chosen, chosen.organization)
    g.acting = acting
    return acting


def administered() -> list[Administrator]:
    """Every administrator role of the signed-in user, with organizations loaded."""
    load_acting()
    return g.get("administered", [])


def acting() -> Acting:
    """The acting administrator; 403 when the user administers no organization."""
    value = load_acting()
    if value is None:
        abort(403, description="Your account does not administer any organization.")
    return value


def switch_to(org_id: int) -> Organization:
    """Make org_id the current organization; 404 unless the user administers it."""
    admin = db.session.scalar(
        select(Administrator)
        .options(joinedload(Administrator.organization))
        .where(Administrator.user_id == current_user.id, Administrator.organization_id == org_id)
    )
    if admin is None:
        abort(404)
    session[SESSION_ORG_KEY] = admin.organization_id
    g.pop("acting", None)
    return admin.organization


def scoped_or_404(model, object_id: int, *criteria, org_column: str = "organization_id"):
    """Load `model` by id only if it belongs to the current organization (and meets `criteria`);
    otherwise 404."""
    column = getattr(model, org_column)
    obj = db.session.scalar(select(model).where(model.id == object_id, column == acting().org.id, *criteria))
    if obj is None:
        abort(404)
    return obj


def own_or_404(model, object_id: int, *criteria, user_column: str = "user_id"):
    """Load `model` by id only if it belongs to the signed-in person (not to an organization) and
    meets `criteria`; otherwise 404."""
    column = getattr(model, user_column)
    obj = db.session.scalar(select(model).where(model.id == object_id, column == current_user.id, *criteria))
    if obj is None:
        abort(404)
    return obj


def connected_customer_or_404(orgid: str) -> tuple[Organization, Connection]:
    """The acting partner's connected customer with this ORGID and its active connection; 404 for
    any other organization (not connected, connection ended, another partner's customer)."""
    found = connected_customer(acting().org.id, orgid)
    if found is None:
        abort(404)
    return found


def operator_or_404(model, object_id: int, *criteria):
    """Load `model` by id for a customer-service operator, whose work spans organizations (the
    operator guard is the scope); 404 when there is none."""
    obj = db.session.scalar(select(model).where(model.id == object_id, *criteria))
    if obj is None:
        abort(404)
    return obj


def cloud_account_or_404(orgid: str) -> Organization:
    """An account the acting partner may name when allocating: its own organization or one of its
    connected customers, by ORGID; 404 for any other (whether the allocation is allowed is the
    service's rule)."""
    me = acting().org
    if orgid == me.orgid:
        return me
    return connected_customer_or_404(orgid)[0]


def customer_connection_or_404(connection_id: int) -> Connection:
    """An active connection of the current organization as the customer; 404 otherwise."""
    return scoped_or_404(Connection, connection_id, Connection.ended_at.is_(None), org_column="customer_id")


def entitlement_or_404(org: Organization, entitlement_id: int):
    """`org`'s entitlement with its service (org: the acting one, or a customer loaded through
    connected_customer_or_404); 404 for any other organization's."""
    found = entitlement_or_none(org.id, entitlement_id)
    if found is None:
        abort(404)
    return found


def notification_or_404(scope: str, notification_id: int) -> Notification:
    """scope "mine": one of the current organization's notifications addressed to all its
    administrators or to the acting one. scope "customers": a notification of a customer connected
    to the acting partner now, of a kind partners see. 404 for anything else."""
    me = acting()
    if scope == "customers":
        found = customer_notification(me.org.id, notification_id)
    else:
        found = own_notification(me.administrator.id, me.org.id, notification_id)
    if found is None:
        abort(404)
    return found


def active_programs(org_id: int) -> list:
    """Programs in which the organization holds an active membership (cached per request)."""
    cache = g.setdefault("programs", {})
    if org_id not in cache:
        cache[org_id] = load_programs(org_id)
    return cache[org_id]
