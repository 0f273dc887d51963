"""One world for the security tests: every role of the authorization matrix, signed in the way that
role really signs in, and real objects of several tenants, so each URL carries the id of an object
that belongs to someone (IDOR: another tenant asking for it must get a 404, never the object).

Home tenant: partner A ("Northwind", Solution Advisor and Service Provider), connected to customer C
("Contoso"). Other tenants: partner B ("Bluebird") with its own customer D, a lapsed partner L also
connected to C, and customer E whose connection with A ended. The path parameters of the matrix
(`subjects`) name A's and C's objects unless a row of matrix.toml picks another with `args`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit
from datetime import date, timedelta
from sqlalchemy import select

from partner_portal.auth.services import reset_token
from partner_portal.connections.services import end_connection
from partner_portal.csp.uploads import logo_folder
from partner_portal.extensions import db
from partner_portal.models import (
    Access, Administrator, AdministratorInvitation, AllocationStatus, ConnectionMethod, CustomerTag,
    ImportStatus, NotificationSource, Permission, Program, Side, SupportTicket, UsageImport, UserSession,
    WebhookDelivery, WebhookEndpoint, utcnow,
)
from partner_portal.models.user_session import token_hash
from partner_portal.notifications.email import unsubscribe_token
from partner_portal.onboarding.services import onboarding_token
from partner_portal.feeds.services import create_feed
from partner_portal.tokens.services import create_operator_token
from partner_portal.webhooks import signing
from partner_portal.web.assets import asset_url

from ..allocation_factories import make_allocation, make_request
from ..api_factories import make_token, stored
from ..csp_factories import add_to_domain, image_bytes, make_directory_user, make_domain
from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement, make_usage_days
from ..notification_factories import make_notification

EVERY_PERMISSION_BUT_DASHBOARD = [p for p in Permission if p is not Permission.CUSTOMER_DASHBOARD]


@dataclass
class World:
    """The tenants, the people who play each role, and the objects path parameters name."""

    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    directory_user: object = None
    # name -> value of a path parameter (ids, ORGIDs, tokens, slugs...); "@name" in matrix.toml.
    subjects: dict = field(default_factory=dict)


def _admin_id(user, org) -> int:
    return db.session.scalar(select(Administrator.id).where(Administrator.user_id == user.id,
                                                            Administrator.organization_id == org.id))


def build_world() -> World:
    """Write the world into the test's transaction and return it."""
    w = World()
    both = [Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER]
    a = w.orgs["A"] = make_partner("Northwind Partners", programs=both)
    b = w.orgs["B"] = make_partner("Bluebird Partners", programs=both)
    lapsed = w.orgs["L"] = make_partner("Lapsed Partners", lapsed=True)
    c = w.orgs["C"] = make_org("Contoso Clinics")
    d = w.orgs["D"] = make_org("Dunmore Dental")
    e = w.orgs["E"] = make_org("Eastfield Eyecare")
    link_ac = connect(a, c)
    link_bd = connect(b, d)
    connect(lapsed, c)
    link_ae = connect(a, e, ConnectionMethod.ADDED)

    u = w.users
    u["partner_full"] = make_admin(a)
    u["partner_dashboard"] = make_admin(a, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD])
    u["partner_custom"] = make_admin(a, access=Access.CUSTOM, permissions=EVERY_PERMISSION_BUT_DASHBOARD)
    u["lapsed_partner"] = make_admin(lapsed)
    u["other_partner"] = make_admin(b)
    u["customer_connected"] = make_admin(c)
    u["customer_unconnected"] = make_admin(d)
    u["operator"] = make_user(operator=True)
    # A partner administrator whose only access came through A's connection with E: ending the
    # connection ended it, so nothing is left.
    u["connection_ended"] = make_admin(e, via=link_ae)
    db.session.commit()
    end_connection(link_ae, Side.PARTNER, u["partner_full"])

    # Licensing: C's entitlements (one counts users, one is Gateway with bandwidth), and A's own.
    start = date.today() - timedelta(days=60)
    ent_c = make_entitlement(c, "daas-user", licenses_assigned=5)
    make_usage_days(ent_c, start, date.today() - timedelta(days=1))
    gateway_c = make_entitlement(c, "gateway")
    ent_d = make_entitlement(d)
    ent_a = make_entitlement(a)

    # Service provider: A's domain with C in it (C's workspace), and B's domain.
    domain_a = make_domain(a)
    workspace = add_to_domain(domain_a, c, "contoso")
    w.directory_user = make_directory_user(domain_a, c, "wren")
    domain_b = make_domain(b)
    add_to_domain(domain_b, d, "dunmore")

    # Notifications: C's (what A's center shows), A's own (mine), D's.
    note_c = make_notification(c, "Contoso license expiring")
    note_a = make_notification(a, "Northwind notice")
    make_notification(d, "Dunmore notice")

    # Administrators and invitations of A: the dashboard-only administrator is the one to edit or
    # remove; D's administrator is invited to A (so only they can accept or decline).
    invitation = AdministratorInvitation(organization_id=a.id, user_id=u["customer_unconnected"].id,
                                         access=Access.CUSTOM,
                                         permissions=frozenset({Permission.CUSTOMER_DASHBOARD.value}),
                                         invited_by_id=u["partner_full"].id)
    db.session.add(invitation)

    # A second session of A's full administrator (to sign out by id).
    other_session = UserSession(user_id=u["partner_full"].id, token_hash=token_hash("world-other-session"),
                                expires_at=utcnow() + timedelta(days=1), user_agent="Firefox/130 (Windows)")
    db.session.add(other_session)

    ticket = SupportTicket(organization_id=c.id, subject="Printer on fire", description="Smoke.",
                           opened_by_id=u["customer_connected"].id)
    db.session.add(ticket)
    request_a = make_request(a)
    allocation_a = make_allocation(a, 5, status=AllocationStatus.PROCESSING)
    usage_import = UsageImport(filename="usage.csv", stored_name="world-usage-import", size_bytes=10,
                               status=ImportStatus.IMPORTED, uploaded_by_id=u["operator"].id)
    db.session.add(usage_import)
    db.session.flush()

    w.subjects.update({
        "A.id": a.id, "B.id": b.id, "C.id": c.id,
        "C.orgid": c.orgid, "D.orgid": d.orgid, "A.orgid": a.orgid,
        "C.entitlement": ent_c.id, "C.gateway": gateway_c.id, "D.entitlement": ent_d.id, "A.entitlement": ent_a.id,
        "A.domain": domain_a.id, "B.domain": domain_b.id,
        "C.workspace_slug": workspace.slug,
        "C.notification": note_c.id, "A.notification": note_a.id,
        "A.dashboard_admin": _admin_id(u["partner_dashboard"], a), "B.admin": _admin_id(u["other_partner"], b),
        "A.invitation": invitation.id,
        "partner_full.other_session": other_session.id,
        "A-C.connection": link_ac.id,
        "C.ticket": ticket.id,
        "A.support_request": request_a.id,
        "A.allocation": allocation_a.id,
        "usage_import": usage_import.id,
        "partner_full.reset_token": reset_token(u["partner_full"]),
        "A.invitation_token": a.invitation_token,
        "partner_full.unsubscribe_token": unsubscribe_token(_admin_id(u["partner_full"], a),
                                                            NotificationSource.SERVICE),
    })
    # An onboarding link: a new partner administrator A's operator flow would create.
    newcomer = make_user(password=None)
    onboarded = make_partner("Onboarded Partner")
    make_admin(onboarded, newcomer)
    w.subjects["onboarding_token"] = onboarding_token(newcomer, onboarded)
    # A static file under its content-hashed URL, and a stored logo (logos are public files).
    digest, _, filename = urlsplit(asset_url("css/portal.css")).path.removeprefix("/assets/").partition("/")
    w.subjects.update({"asset.digest": digest, "asset.filename": filename})
    logo = "0" * 32 + ".png"
    logo_folder().mkdir(parents=True, exist_ok=True)
    (logo_folder() / logo).write_bytes(image_bytes())
    w.subjects["logo_name"] = logo
    _api_and_insights(w, link_bd)
    db.session.commit()
    return w


def _webhook(org, user) -> tuple[WebhookEndpoint, WebhookDelivery]:
    """An endpoint of `org` with one recorded delivery (never sent: no job runs in the tests)."""
    endpoint = WebhookEndpoint(organization_id=org.id, url=f"https://hooks.example.com/{org.orgid}",
                               events=frozenset({"connection.created"}), secret=signing.seal(signing.new_secret()),
                               created_by_id=user.id)
    db.session.add(endpoint)
    db.session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event="connection.created", event_id=f"{org.id:036d}",
                               body="{}")
    db.session.add(delivery)
    db.session.flush()
    return endpoint, delivery


def _api_and_insights(w: World, link_bd) -> None:
    """The objects of the JSON API and the insights: API tokens (the API roles' bearer tokens, and
    ones to revoke by id), webhook endpoints and deliveries, calendar feeds, customer tags."""
    a, b, c, d = (w.orgs[name] for name in "ABCD")
    u = w.users
    tokens = {
        "api.full": make_token(u["partner_full"], a),
        "api.dashboard": make_token(u["partner_full"], a, Access.CUSTOM, [Permission.CUSTOMER_DASHBOARD]),
        "api.no_scope": make_token(u["partner_full"], a, Access.CUSTOM, []),
        "api.expired": make_token(u["partner_full"], a, expired=True),
        "api.revoked": make_token(u["partner_full"], a, revoked=True),
        "api.other_org": make_token(u["other_partner"], b),
        "api.customer": make_token(u["customer_connected"], c),
        "api.operator": create_operator_token(u["operator"], "world operator token", 30)[1],
    }
    # With and without each permission (scope): a token holding only it, and one holding all others.
    for permission in Permission:
        others = [p for p in Permission if p is not permission]
        tokens[f"api.only.{permission.value}"] = make_token(u["partner_full"], a, Access.CUSTOM, [permission])
        tokens[f"api.without.{permission.value}"] = make_token(u["partner_full"], a, Access.CUSTOM, others)
    w.subjects.update(tokens)
    # Tokens to revoke by id: one of A's full administrator, one of B's (another tenant's), and
    # the operator's own.
    w.subjects["A.token"] = stored(make_token(u["partner_full"], a)).id
    w.subjects["B.token"] = stored(make_token(u["other_partner"], b)).id
    w.subjects["operator.token"] = stored(tokens["api.operator"]).id
    endpoint_a, delivery_a = _webhook(a, u["partner_full"])
    endpoint_b, delivery_b = _webhook(b, u["other_partner"])
    endpoint_c, delivery_c = _webhook(c, u["customer_connected"])
    w.subjects.update({"A.webhook": endpoint_a.id, "A.delivery": delivery_a.id,
                       "B.webhook": endpoint_b.id, "B.delivery": delivery_b.id,
                       "C.webhook": endpoint_c.id, "C.delivery": delivery_c.id})
    # Calendar feeds: A's full administrator's and B's (the URL is the key).
    w.subjects["A.feed"] = create_feed(db.session.get(Administrator, _admin_id(u["partner_full"], a)))
    w.subjects["B.feed"] = create_feed(db.session.get(Administrator, _admin_id(u["other_partner"], b)))
    # Partner-private tags: A's on C, B's on D.
    db.session.add_all([CustomerTag(partner_id=a.id, customer_id=c.id, label="world-a"),
                        CustomerTag(partner_id=b.id, customer_id=d.id, label="world-b")])
    w.subjects["B-D.connection"] = link_bd.id
    # Customer F, connected to A, shares nothing with it (sharing scopes): its licensing is a 403
    # ("not shared by the customer") on every page, export and API route, never the data.
    f = w.orgs["F"] = make_org("Fairview Footcare")
    link_af = connect(a, f)
    link_af.share_licensing = link_af.share_notifications = link_af.share_tickets = False
    ent_f = make_entitlement(f, "daas-user", licenses_assigned=3)
    make_usage_days(ent_f, date.today() - timedelta(days=10), date.today() - timedelta(days=1))
    note_f = make_notification(f, "Fairview private notice")
    w.subjects.update({"F.orgid": f.orgid, "F.entitlement": ent_f.id, "F.notification": note_f.id})
    db.session.flush()
