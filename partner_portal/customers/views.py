"""Customer Dashboard views: thin glue over queries and services."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, request, url_for

from ..connections import sharing
from ..connections.queries import active_connection_count, connection_history
from ..connections.services import (
    ConnectionRefused,
    NewCustomer,
    add_customer,
    connection_limit,
    end_connection,
    ensure_invitation_token,
)
from ..extensions import db
from ..models import Side
from ..models.entitlement import STATE_LABELS
from ..web import downloads, htmx
from ..web.guards import dashboard_required, partner_full_access_required, sees_notification_center
from ..web.i18n import gettext, lazy_gettext
from ..web.kept_responses import keep_response
from ..web.labels import Labels
from ..web.tenancy import acting, administered, connected_customer_or_404
from . import bp, queries, services
from . import rows as _row_html  # noqa: F401 (registers the customer_rows template global)
from .forms import AddCustomerForm


def _dashboard_context(params: queries.DashboardParams) -> dict:
    """Rows, counter and flags for the dashboard page."""
    me = acting()
    mine = {a.organization_id for a in administered()}
    rows = queries.dashboard_rows(me.org.id, me.administrator.id, params, mine)
    total = active_connection_count(me.org.id) if params.is_filtered else len(rows)
    return {
        "rows": rows,
        "params": params,
        "total": total,
        "limit": connection_limit(),
        "can_manage": me.administrator.is_full,
        "today": date.today(),
        "unread_total": sum(row.unread for row in rows),
        "open_tickets_total": sum(row.open_tickets for row in rows),
        "links_to_center": sees_notification_center(me),
        "trial_filters": queries.TRIAL_FILTERS,
        "flag_filters": queries.FLAG_FILTERS,
        "score_filters": queries.hs.BANDS,
        "bulk_actions": {
            key: label for key, label in services.ACTIONS.items() if key == services.EXPORT or me.administrator.is_full
        },
    }


@bp.get("")
@keep_response
@dashboard_required
def index():
    """My Customers: the Customer Dashboard (the table alone for htmx search, filter and sort)."""
    if htmx.is_htmx() and htmx.target() == "customer-panel":
        # Close on a panel: the panel empties and the address is the dashboard's again (with
        # its search and filters), while the table stays as it is.
        return htmx.push_url(htmx.render("customers/index.html", block="customer_panel"), request.full_path.rstrip("?"))
    context = _dashboard_context(queries.DashboardParams.from_args(request.args))
    # The table alone for search, filter, sort and refresh; the counter and the hidden sort
    # inputs of the filter form follow out of band so they never go stale.
    return htmx.render(
        "customers/index.html",
        block="customer_table" if htmx.target() == "customer-table" else None,
        oob=("counter", "sort_inputs"),
        **context,
    )


CSV_HEADER = (
    lazy_gettext("Customer"),
    "ORGID",
    lazy_gettext("Tenancy"),
    lazy_gettext("Connected since"),
    lazy_gettext("Administrator contact"),
    lazy_gettext("Services"),
    lazy_gettext("Licenses purchased"),
    lazy_gettext("Licenses assigned"),
    lazy_gettext("Assigned %"),
    lazy_gettext("Earliest expiry within 90 days"),
    lazy_gettext("Unread notifications"),
    lazy_gettext("Open support tickets"),
    lazy_gettext("Health score"),
    lazy_gettext("Health deductions"),
    lazy_gettext("Tags"),
)


# The header as text per language (web/labels.py).
CSV_HEADER_TEXT = Labels(dict(enumerate(CSV_HEADER)))


def _csv(rows: list[queries.CustomerRow], name: str):
    """Dashboard rows as a CSV download."""
    # In the request's language, as text now: the body is written after the request. Labels are
    # fetched once for all rows, not translated per cell.
    not_shared = str(sharing.NOT_SHARED)
    licensing_withheld = (not_shared,) * 5
    states = STATE_LABELS.texts()
    lines = []
    for row in rows:
        shares = row.shares
        if shares[sharing.LICENSING]:
            percent = row.percent_whole
            licensing = (
                "; ".join([f"{s.name} ({states[s.state]})" for s in row.services]),
                row.purchased,
                row.assigned,
                "" if percent is None else percent,
                row.expiring_on.isoformat() if row.expiring_on else "",
            )
        else:
            licensing = licensing_withheld
        score = row.score
        lines.append(
            (
                row.name,
                row.orgid,
                row.tenancy.value,
                row.connected_since.date().isoformat(),
                row.contact or "",
                *licensing,
                row.unread if shares[sharing.NOTIFICATIONS] else not_shared,
                row.open_tickets if shares[sharing.TICKETS] else not_shared,
                score.score,
                score.summary,
                "; ".join(row.tags),
            )
        )
    filename = f"{name}-{acting().org.orgid}-{date.today().isoformat()}.csv"
    header = list(CSV_HEADER_TEXT.texts().values())
    return downloads.csv_download(filename, header, lambda: lines)


@bp.get("/export.csv")
@keep_response
@dashboard_required
def export():
    """The customer list (with the current search and filters) as CSV."""
    me = acting()
    rows = queries.dashboard_rows(
        me.org.id, me.administrator.id, queries.DashboardParams.from_args(request.args), set()
    )
    return _csv(rows, "customers")


def _selection(args) -> list[queries.CustomerRow]:
    """The selected rows: every customer matching the dashboard's filters ("select all N
    matching"), or the ticked ORGIDs among the partner's connected customers."""
    me = acting()
    params = queries.DashboardParams.from_args(args)
    if args.get("all") == "1":
        return queries.dashboard_rows(me.org.id, me.administrator.id, params, set())
    orgids = args.getlist("orgid")[: connection_limit()]
    return queries.dashboard_rows(me.org.id, me.administrator.id, queries.DashboardParams(), set(), orgids=orgids)


@bp.get("/bulk")
@dashboard_required
def bulk():
    """A bulk action on the selected customers: the export at once; any change as a preview of
    exactly what it will do, with Confirm (full access only)."""
    action = request.args.get("action", "")
    rows = _selection(request.args)
    if action == services.EXPORT:
        return _csv(rows, "customers-selection")
    if action not in services.CHANGES:
        abort(404)
    if not acting().administrator.is_full:
        abort(403)
    error, label = None, ""
    if not rows:
        error = gettext("Select at least one customer.")
    elif action in (services.ADD_TAG, services.REMOVE_TAG):
        try:
            label = services.clean_tag(request.args.get("tag", ""))
        except services.TagRefused as refused:
            error = str(refused)
    planned = [] if error else services.plan(action, rows, label)
    return htmx.render(
        "customers/bulk_preview.html",
        status=422 if error else 200,
        action=action,
        action_label=services.ACTIONS[action],
        label=label,
        planned=planned,
        error=error,
        back_url=url_for("customers.index") + _filters_query(request.args),
    )


def _filters_query(args) -> str:
    """The dashboard's search and filters from `args`, as a query string to go back to."""
    query = queries.DashboardParams.from_args(args).query_string()
    return f"?{query}" if query else ""


@bp.post("/bulk")
@partner_full_access_required
def bulk_confirm():
    """Carry out a previewed bulk action on the customers it listed; the result per customer."""
    action = request.form.get("action", "")
    if action not in services.CHANGES:
        abort(400)
    label = ""
    if action in (services.ADD_TAG, services.REMOVE_TAG):
        try:
            label = services.clean_tag(request.form.get("tag", ""))
        except services.TagRefused:
            abort(400)
    orgids = list(dict.fromkeys(request.form.getlist("orgid")))[: connection_limit()]
    outcomes = services.carry_out(action, acting().org.id, orgids, acting().user, label)
    return htmx.render(
        "customers/bulk_result.html", action_label=services.ACTIONS[action], label=label, outcomes=outcomes
    )


@bp.get("/invite-or-add")
@partner_full_access_required
def invite_or_add():
    """Invite or Add: choose how to onboard a customer, then Continue (to Invite or to Add)."""
    choice = request.args.get("choice")
    if choice in ("invite", "add"):
        view, address = (invite, url_for("customers.invite")) if choice == "invite" else (add, url_for("customers.add"))
        # In the panel the chosen step swaps in at once; without JavaScript the browser goes there.
        return htmx.push_url(view(), address) if htmx.is_htmx() else htmx.redirect(address)
    missing = "continue" in request.args
    return htmx.render(
        "customers/invite_or_add.html", block="customer_panel", status=422 if missing else 200, missing=missing
    )


@bp.route("/invite", methods=["GET", "POST"])
@partner_full_access_required
def invite():
    """Invite a customer: the partner's fixed invitation link, with a copy button.

    Partners get their link when they join a program; POST creates it for an account that has
    none (one made before links existed), so that showing the page never writes.
    """
    org = acting().org
    if request.method == "POST":
        ensure_invitation_token(org.id)
        db.session.commit()
        return htmx.redirect(url_for("customers.invite"))
    token = org.invitation_token
    link = url_for("connections.invitation", token=token, _external=True) if token else None
    return htmx.render("customers/invite.html", block="customer_panel", link=link)


@bp.route("/add", methods=["GET", "POST"])
@partner_full_access_required
def add():
    """Add a customer: business contact details, then Finish creates and connects the account."""
    form = AddCustomerForm()
    if form.validate_on_submit():
        try:
            customer = add_customer(
                acting().org,
                acting().user,
                NewCustomer(
                    company=form.company.data.strip(),
                    first_name=form.first_name.data.strip(),
                    last_name=form.last_name.data.strip(),
                    email=form.email.data.strip(),
                    phone=form.phone.data.strip(),
                    country=form.country.data.strip(),
                ),
            )
        except ConnectionRefused as error:
            target = getattr(form, error.field) if error.field else None
            (target.errors if target is not None else form.form_errors).append(str(error))
        else:
            flash(
                gettext(
                    "%(name)s was added (ORGID %(orgid)s) and is connected. Its contact can set a "
                    "password with Forgot password?.",
                    name=customer.name,
                    orgid=customer.orgid,
                ),
                "success",
            )
            return htmx.redirect(url_for("customers.index"))
    status = 422 if form.errors or form.form_errors else 200
    return htmx.render("customers/add.html", block="customer_panel", status=status, form=form)


@bp.get("/<orgid>")
@dashboard_required
def details(orgid: str):
    """View Customer Details: account information, orders, entitlements."""
    customer, connection = connected_customer_or_404(orgid)
    return htmx.render(
        "customers/details.html",
        block="customer_panel",
        customer=customer,
        connection=connection,
        history=connection_history(customer.id, partner_id=connection.partner_id),
        health=queries.customer_health(connection.partner_id, acting().administrator.id, customer.id),
        withheld=[sharing.SCOPES[s] for s, on in sharing.scopes_of(connection).items() if not on],
        **queries.customer_details(customer.id, connection),
    )


@bp.route("/<orgid>/remove", methods=["GET", "POST"])
@partner_full_access_required
def remove(orgid: str):
    """Remove Customer Connection: confirm, then end the connection (the row leaves the table)."""
    customer, connection = connected_customer_or_404(orgid)
    if request.method == "POST":
        end_connection(connection, Side.PARTNER, acting().user)
        if htmx.is_htmx():
            # The row swaps to nothing and the dialog closes; the table then refreshes itself
            # (counts, counter) on the customers-changed event.
            return htmx.trigger(
                htmx.render("customers/index.html", block="removed", removed_name=customer.name), "customers-changed"
            )
        flash(gettext("%(name)s was removed from your customers.", name=customer.name), "success")
        return htmx.redirect(url_for("customers.index"))
    return htmx.render("customers/remove.html", block="remove_dialog", customer=customer, as_dialog=htmx.is_htmx())
