"""The current organization, and lookups scoped to it: another organization's object is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, g, session
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.queries import active_programs as load_programs, roles_of
from ..connections.queries import connected_customer
from ..extensions import db
from .i18n import gettext
from ..licensing.queries import connected_entitlement, entitlement_or_none
from ..models import Administrator, Connection, Notification, Organization
from ..notifications.queries import customer_notification, own_notification

SESSION_ORG_KEY = "org_id"
PREVIOUS_ORG_KEY = "previous_org_id"  # where the last switch came from (to offer switching back)


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


# Each worker's copy of signed-in people's roles (administrators with their organizations, detached
# from any session) and those organizations' programs, under the person's frame version. The
# version is read with the session record on every request (auth.queries.live_session) and changes,
# by database triggers, with any change to those rows made anywhere, so a copy is used only while it
# is exactly what the database holds: no other worker or host needs telling.
_FRAMES: dict[int, tuple[int, list[tuple[Administrator, list]]]] = {}
FRAME_CACHE_SIZE = 10_000


def _roles() -> list[tuple[Administrator, list]]:
    """The signed-in person's roles and their organizations' programs: from this worker's copy while
    the frame version matches, else one query (whose snapshot's version files the new copy)."""
    user = current_user
    cached = _FRAMES.get(user.id) if current_app.config["FRAME_CACHE"] else None
    if cached is not None and cached[0] == user.frame_version:
        return cached[1]
    version, roles = roles_of(user.id)
    for administrator, _programs in roles:
        db.session.expunge(administrator.organization)
        db.session.expunge(administrator)
    if len(_FRAMES) >= FRAME_CACHE_SIZE:
        _FRAMES.pop(next(iter(_FRAMES)))
    _FRAMES[user.id] = (version, roles)
    return roles


def load_acting() -> Acting | None:
    """Return the acting administrator for this request (cached on g), or None.

    The organization kept in the session is used when the user still administers it; otherwise
    the first organization the user administers (so a revoked role can never be kept). The
    administrator and organization join this request's database session without a query.
    """
    if "acting" in g:
        return g.acting
    acting = None
    if current_user.is_authenticated:
        roles = _roles()
        g.administered = [administrator for administrator, _programs in roles]
        g.programs = {administrator.organization_id: programs for administrator, programs in roles}
        wanted = session.get(SESSION_ORG_KEY)
        chosen = next(
            (a for a in g.administered if a.organization_id == wanted), g.administered[0] if g.administered else None
        )
        if chosen is not None:
            chosen = db.session.merge(chosen, load=False)
            acting = Acting(chosen, chosen.organization)
    g.acting = acting
    return acting


def administered() -> list[Administrator]:
    """Every administrator role of the signed-in user, with organizations loaded (read-only copies:
    not in the request's database session)."""
    load_acting()
    return g.get("administered", [])


def acting() -> Acting:
    """The acting administrator; 403 when the user administers no organization."""
    value = load_acting()
    if value is None:
        abort(403, description=gettext("Your account does not administer any organization."))
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
    current = load_acting()
    if current is not None and current.org.id != admin.organization_id:
        session[PREVIOUS_ORG_KEY] = current.org.id
    session[SESSION_ORG_KEY] = admin.organization_id
    g.pop("acting", None)
    return admin.organization


def previous_org() -> Organization | None:
    """The organization the user worked in before the last switch, if they still administer it
    and it is not the current one (a 403 after Back offers to switch back to it)."""
    wanted = session.get(PREVIOUS_ORG_KEY)
    current = load_acting()
    if not wanted or current is None or wanted == current.org.id:
        return None
    return next((a.organization for a in administered() if a.organization_id == wanted), None)


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


def connected_entitlement_or_404(orgid: str, entitlement_id: int):
    """The acting partner's connected customer with this ORGID, one of its entitlements and that
    entitlement's service, in one query; 404 for any other organization or entitlement."""
    found = connected_entitlement(acting().org.id, orgid, entitlement_id)
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
    """Programs in which the organization holds an active membership (cached per request; the
    signed-in person's own organizations' come with their roles)."""
    if current_user.is_authenticated:
        load_acting()
    cache = g.setdefault("programs", {})
    if org_id not in cache:
        cache[org_id] = load_programs(org_id)
    return cache[org_id]
