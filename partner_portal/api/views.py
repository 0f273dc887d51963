"""JSON API routes: each one the same guard, tenancy helper, service and query as its page.

Guards are web.guards' predicates over the token's role (the creator's access narrowed to the
token's); lookups go through web.tenancy, so another organization's object is a 404; writes call
the pages' services, whose refusals become 422 problems with the field they concern.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date

from flask import current_app, jsonify, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from ..allocation.forms import AllocateForm
from ..allocation.queries import allocation_lines
from ..allocation.services import AllocationRefused, allocate as allocate_licenses
from ..connections import sharing
from ..connections.queries import active_connection_count, partner_connections
from ..connections.services import connection_limit, end_connection, ensure_invitation_token
from ..customers import queries as customer_queries
from ..extensions import csrf, db, limiter
from ..licensing import queries as licensing_queries
from ..models import Side, WebhookEndpoint
from ..notifications import queries as notification_queries, services as notification_services
from ..support.forms import FORMS as SUPPORT_FORMS, issue_type_of, request_fields
from ..support.queries import partner_requests, request_line
from ..support.services import SupportRefused, submit_request
from ..web.guards import (
    manages_licenses,
    partner_full_access,
    sees_dashboard,
    sees_notification_center,
)
from ..web.tenancy import (
    active_programs,
    acting,
    cloud_account_or_404,
    connected_customer_or_404,
    connected_entitlement_or_404,
    customer_connection_or_404,
    notification_or_404,
    scoped_or_404,
)
from ..webhooks import queries as webhook_queries
from ..webhooks.forms import EndpointForm
from ..webhooks.services import WebhookError, register_endpoint, remove_endpoint, resend
from . import bp, serializers
from ..web.i18n import DEFAULT, force_locale
from .auth import full_access, rate_limit_key, requires, sign_in_by_token
from .problems import ApiError, json_object, problem

csrf.exempt(bp)
bp.before_request(sign_in_by_token)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key, scope="api")(bp)

DASHBOARD = "This needs a partner organization and the Customer Dashboard (View Only) permission."
FULL_PARTNER = "This needs a partner organization and a full-access token."
LICENSES = "This needs a partner organization and the Licensing permission."
CENTER = "This needs a partner organization, Customer Dashboard (View Only) and Notifications."
FULL = "This needs a full-access token."
PAGE_MAX = 100


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    """A refusal as problem+json."""
    return problem(error.status, error.detail, error.errors)


@bp.errorhandler(sharing.NotShared)
def not_shared(error: sharing.NotShared):
    """What the customer does not share with this partner: 403, saying so (as the pages do)."""
    return problem(403, f"{error}.")


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Werkzeug's errors (404 from a tenancy helper, 405, 413, 429) as problem+json."""
    code = error.code or 500
    detail = error.description if isinstance(error.description, str) else ""
    if code == 404:
        detail = "There is nothing at this address, or it belongs to an organization this token can't see."
    elif code == 429:
        detail = "Too many requests with this token. Wait, then try again (see the Retry-After header)."
    return problem(code, detail)


def _field_errors(form) -> dict[str, list[str]]:
    """A WTForms form's errors, without the CSRF field (the API has no session to tie one to), in
    English (the forms' messages are translated for the pages)."""
    with force_locale(DEFAULT):
        return {name: [str(m) for m in messages] for name, messages in form.errors.items() if name != "csrf_token"}


def _json_body() -> MultiDict:
    """The request's JSON object as form data for the pages' forms; 415/400 problems otherwise."""
    body = json_object()
    return MultiDict(
        {
            key: "" if value is None else str(value)
            for key, value in body.items()
            if isinstance(value, (str, int, float)) or value is None
        }
    )


# --- the organization -------------------------------------------------------------------------


@bp.get("/organization")
def organization():
    """The token's organization, its partner programs, and what the token may do there."""
    me = acting()
    return jsonify(serializers.organization(me.org, active_programs(me.org.id), me.administrator))


# --- customers --------------------------------------------------------------------------------


def _dashboard_params() -> customer_queries.DashboardParams:
    """The dashboard's search, filters and sort; an unknown value is a 422 (the page ignores it)."""
    params = customer_queries.DashboardParams.from_args(request.args)
    errors = {
        name: [f"Unknown value {request.args[name]!r}."]
        for name in ("tenancy", "trial", "flag", "sort", "dir")
        if request.args.get(name) and request.args[name] != getattr(params, name)
    }
    if errors:
        raise ApiError(422, "Some filters were not understood.", errors)
    return params


def _cursor_position(rows, cursor: str | None) -> int:
    """Where the page after `cursor` starts. A cursor is the last ORGID of the page before; the
    list is at most PARTNER_CONNECTION_LIMIT rows, read whole by the dashboard's query, so the
    page is cut from it here rather than by a keyset over every sort the dashboard offers."""
    if not cursor:
        return 0
    try:
        orgid = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(422, "The cursor is not one this API gave out.", {"cursor": ["Invalid cursor."]}) from None
    for position, row in enumerate(rows):
        if row.orgid == orgid:
            return position + 1
    raise ApiError(
        422, "That customer is no longer in the list: start again without a cursor.", {"cursor": ["Stale cursor."]}
    )


def _limit() -> int:
    """The page size asked for (1–100, 50 by default)."""
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= PAGE_MAX:
        raise ApiError(422, "limit must be a whole number from 1 to 100.", {"limit": ["Between 1 and 100."]})
    return int(raw)


@bp.get("/customers")
@requires(sees_dashboard, DASHBOARD)
def customers():
    """The Customer Dashboard's rows, searched, filtered and sorted as the page does, a page at a time."""
    params, limit = _dashboard_params(), _limit()
    me = acting()
    rows = customer_queries.dashboard_rows(me.org.id, me.administrator.id, params, set())
    start = _cursor_position(rows, request.args.get("cursor"))
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    next_cursor = base64.urlsafe_b64encode(page[-1].orgid.encode()).decode().rstrip("=") if more and page else None
    return jsonify(
        {"customers": [serializers.customer_row(row) for row in page], "total": len(rows), "next_cursor": next_cursor}
    )


@bp.get("/customers/count")
@requires(sees_dashboard, DASHBOARD)
def customer_count():
    """How many customers are connected, against the connection limit."""
    return jsonify({"connected": active_connection_count(acting().org.id), "limit": connection_limit()})


@bp.get("/customers/<orgid>")
@requires(sees_dashboard, DASHBOARD)
def customer(orgid: str):
    """View Customer Details: account, administrator contact, connection, entitlements and orders."""
    found, connection = connected_customer_or_404(orgid)
    details = customer_queries.customer_details(found.id, connection)
    return jsonify(
        {
            "orgid": found.orgid,
            "name": found.name,
            "tenancy": found.tenancy.value,
            "country": found.country or None,
            "administrator_contact": details["contact"],
            "connection": {
                "id": connection.id,
                "method": connection.method.value,
                "connected_since": serializers.iso(connection.created_at),
            },
            "licensing_shared": details["licensing_shared"],
            "entitlements": [
                serializers.entitlement_line(line) for _label, lines in details["entitlement_groups"] for line in lines
            ],
            "orders": [serializers.order(order, name) for order, name in details["orders"]],
        }
    )


@bp.delete("/customers/<orgid>/connection")
@requires(partner_full_access, FULL_PARTNER)
def remove_customer(orgid: str):
    """Remove Customer Connection: the connection ends (kept as history), as from the dashboard."""
    _customer, connection = connected_customer_or_404(orgid)
    end_connection(connection, Side.PARTNER, current_user)
    return "", 204


@bp.get("/customers/<orgid>/licensing")
@requires(sees_dashboard, DASHBOARD)
def licensing(orgid: str):
    """The licensing Usage summary: per service, the entitlements behind it, and the Gateway
    bandwidth summary (partners see figures, never who holds a license)."""
    found, connection = connected_customer_or_404(orgid)
    sharing.require(connection, sharing.LICENSING)
    usage = licensing_queries.usage_summary(found.id, date.today())
    gateway = usage.gateway
    return jsonify(
        {
            "services": [serializers.service_summary(row) for row in usage.services],
            "entitlements": [serializers.entitlement_line(line) for line in usage.entitlements],
            "bandwidth": None
            if gateway is None
            else {
                "plans": [serializers.standing(item) for item in gateway.plans],
                "total": serializers.standing(gateway.total),
            },
        }
    )


@bp.get("/customers/<orgid>/entitlements/<int:entitlement_id>/usage")
@requires(sees_dashboard, DASHBOARD)
def entitlement_usage(orgid: str, entitlement_id: int):
    """View Usage Trend's figures: every recorded day of one entitlement (licenses, or for a
    Gateway entitlement bandwidth per day, source and site), aggregates only."""
    _customer, entitlement, service = connected_entitlement_or_404(orgid, entitlement_id)
    if service.is_bandwidth:
        days = [
            # The day comes as ISO text (licensing.series.day_text).
            {"day": day, "source": source.value, "site": site, "megabytes": megabytes}
            for day, source, site, megabytes in licensing_queries.bandwidth_history(entitlement.id)
        ]
        return jsonify({"entitlement_id": entitlement.id, "service": service.name, "kind": "bandwidth", "days": days})
    days = [
        {
            "day": day,  # ISO text already (licensing.series.day_text)
            "assigned": assigned,
            "newly_assigned": new,
            "daily_active": daily,
            "monthly_active": monthly,
            "peak_concurrent": peak,
        }
        for day, assigned, new, daily, monthly, peak in licensing_queries.daily_history(entitlement.id)
    ]
    return jsonify({"entitlement_id": entitlement.id, "service": service.name, "kind": "licenses", "days": days})


# --- notifications and support tickets --------------------------------------------------------


@bp.get("/notifications")
@requires(sees_notification_center, CENTER)
def notifications():
    """View all notifications: connected customers' notifications, newest first, 50 a page,
    filtered by customer (ORGID), severity and show (as the center)."""
    me = acting()
    viewer = notification_queries.Viewer(me.administrator.id, me.org.id, True, date.today())
    params = notification_queries.ListParams.parse(
        request.args, notification_queries.connected_customer_choices(me.org.id)
    )
    if params.errors:
        raise ApiError(422, "Some filters were not understood.", {k: [v] for k, v in params.errors.items()})
    page = viewer.page(params)
    return jsonify(
        {
            "notifications": [serializers.notification(row) for row in page.rows],
            "total": page.total,
            "page": params.page,
            "has_next": page.has_next,
        }
    )


@bp.post("/notifications/<int:notification_id>/dismiss")
@requires(sees_notification_center, CENTER)
def dismiss_notification(notification_id: int):
    """Dismiss a customer's notification for the token's administrator (others still see it)."""
    note = notification_or_404("customers", notification_id)
    notification_services.dismiss(acting().administrator.id, note.id)
    return "", 204


@bp.get("/support-tickets/counts")
@requires(sees_dashboard, DASHBOARD)
def ticket_counts():
    """Open support tickets per connected customer: counts only, as the dashboard shows partners."""
    me = acting()
    rows = customer_queries.dashboard_rows(me.org.id, me.administrator.id, customer_queries.DashboardParams(), set())
    return jsonify(
        {
            "open_total": sum(row.open_tickets for row in rows),
            "customers": [{"orgid": row.orgid, "open": row.open_tickets} for row in rows if row.open_tickets],
        }
    )


# --- connections and onboarding ----------------------------------------------------------------


@bp.get("/connections")
def connections():
    """This organization's partners (as a customer): active connections with their badges."""
    return jsonify(
        {
            "connections": [
                serializers.partner_connection(link, org, programs)
                for link, org, programs in partner_connections(acting().org.id)
            ]
        }
    )


@bp.delete("/connections/<int:connection_id>")
@requires(full_access, FULL)
def remove_partner(connection_id: int):
    """End a partner's connection to this organization (as Account Settings → Partner Connections)."""
    end_connection(customer_connection_or_404(connection_id), Side.CUSTOMER, current_user)
    return "", 204


@bp.get("/invitation-link")
@requires(partner_full_access, FULL_PARTNER)
def invitation_link():
    """The partner's fixed invitation link (null for an account that never got one: Invite or Add
    creates it)."""
    token = acting().org.invitation_token
    return jsonify({"link": url_for("connections.invitation", token=token, _external=True) if token else None})


# --- Manage Licenses and the Partner Support Center ---------------------------------------------


@bp.get("/allocations")
@requires(manages_licenses, LICENSES)
def allocations():
    """The partner's latest allocations, newest first."""
    return jsonify({"allocations": [serializers.allocation(line) for line in allocation_lines(acting().org.id)]})


@bp.post("/allocations")
@requires(manages_licenses, LICENSES)
def allocate():
    """Allocate licenses to the partner's primary cloud account: the Allocate form's checks and
    the allocation service's rules (201, processing), or a 422 with the field at fault."""
    body = _json_body()
    form = AllocateForm(formdata=body, meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, "The allocation could not be made.", _field_errors(form))
    account = cloud_account_or_404(form.account.data)
    try:
        made = allocate_licenses(acting().org, account, form.product.data, form.quantity.data, current_user)
    except AllocationRefused as refused:
        raise ApiError(422, str(refused), {refused.field or "account": [str(refused)]}) from None
    line = next(line for line in allocation_lines(acting().org.id) if line.allocation.id == made.id)
    return jsonify(serializers.allocation(line)), 201


@bp.get("/support-requests")
@requires(partner_full_access, FULL_PARTNER)
def support_requests():
    """The partner's requests to customer service with their status."""
    return jsonify(
        {"support_requests": [serializers.support_request(line) for line in partner_requests(acting().org.id)]}
    )


@bp.post("/support-requests")
@requires(partner_full_access, FULL_PARTNER)
def new_support_request():
    """A request to customer service: the Partner Support Center form of its issue_type, the same
    checks (201), or a 422 with the fields at fault."""
    body = _json_body()
    issue_type = issue_type_of(body.get("issue_type"))
    if issue_type is None:
        raise ApiError(422, "Choose an issue type.", {"issue_type": ["Unknown issue type."]})
    form = SUPPORT_FORMS[issue_type](formdata=body, meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, "The request could not be sent.", _field_errors(form))
    orgid = body.get("customer", "") if "customer" in form else ""
    customer = connected_customer_or_404(orgid)[0] if orgid else None
    try:
        filed = submit_request(acting().org, current_user, issue_type, request_fields(form, customer))
    except SupportRefused as refused:
        raise ApiError(422, str(refused), {refused.field or "details": [str(refused)]}) from None
    return jsonify(serializers.support_request(request_line(filed.id))), 201


@bp.post("/invitation-link")
@requires(partner_full_access, FULL_PARTNER)
def create_invitation_link():
    """Create the partner's invitation link if it has none (as Invite or Add does); the link."""
    ensure_invitation_token(acting().org.id)
    db.session.commit()
    return invitation_link()


# --- webhooks ------------------------------------------------------------------------------------


@bp.get("/webhooks")
@requires(full_access, FULL)
def webhooks():
    """The organization's webhook endpoints (their secrets are never shown again)."""
    return jsonify(
        {"webhooks": [serializers.endpoint(endpoint) for endpoint in webhook_queries.endpoints(acting().org.id)]}
    )


@bp.post("/webhooks")
@requires(full_access, FULL)
def register_webhook():
    """Register an endpoint for event types (201 with its signing secret, shown this once)."""
    body = json_object()
    events = body.get("events")
    formdata = MultiDict(
        [("url", str(body.get("url") or ""))]
        + [("events", str(e)) for e in (events if isinstance(events, list) else [])]
    )
    form = EndpointForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, "The endpoint could not be registered.", _field_errors(form))
    try:
        endpoint, secret = register_endpoint(acting().org.id, form.url.data, form.events.data or [], current_user)
    except WebhookError as refused:
        raise ApiError(422, str(refused), {refused.field or "url": [str(refused)]}) from None
    return jsonify({**serializers.endpoint(endpoint), "secret": secret}), 201


@bp.delete("/webhooks/<int:endpoint_id>")
@requires(full_access, FULL)
def remove_webhook(endpoint_id: int):
    """Remove an endpoint and its delivery records."""
    remove_endpoint(scoped_or_404(WebhookEndpoint, endpoint_id))
    return "", 204


@bp.get("/webhooks/deliveries")
@requires(full_access, FULL)
def webhook_deliveries():
    """The latest deliveries with their status, newest first."""
    return jsonify(
        {
            "deliveries": [
                serializers.delivery(delivery) for delivery, _url in webhook_queries.recent_deliveries(acting().org.id)
            ]
        }
    )


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
@requires(full_access, FULL)
def resend_webhook(delivery_id: int):
    """Send a delivery again: the same event and body, signed anew (202: it goes in the background)."""
    delivery = webhook_queries.delivery_of(acting().org.id, delivery_id)
    if delivery is None:
        raise ApiError(404, "There is nothing at this address, or it belongs to an organization this token can't see.")
    resend(delivery)
    return "", 202


from . import docs, operator  # noqa: E402,F401 - the document's and the operators' routes
