"""The operator console (customer-service operators only): support queue, allocations,
partner-program memberships, usage imports."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.services import set_membership
from ..allocation.services import AllocationRefused, finish_allocation
from ..audit.services import CUSTOMER_SERVICE
from ..models import Allocation, Organization, Program, RequestStatus, SupportRequest, UsageImport
from ..support import queries as support_queries
from ..support.services import SupportRefused, decline_request, resolve_request
from ..web import htmx
from ..web.guards import operator_required
from ..web.i18n import format_number, gettext
from ..web.tenancy import operator_or_404
from ..web.uploads import UploadMissing, reads_own_body, receive_upload
from . import bp, queries
from .forms import MembershipForm, ReasonForm, ResolveForm
from .services import queue_usage_import, read_progress, upload_folder

# --- support queue ------------------------------------------------------------------------------


@bp.get("")
@operator_required
def queue():
    """The support queue: open requests oldest first (or the requests in another status)."""
    wanted = request.args.get("status", RequestStatus.OPEN.value)
    current = next((s for s in RequestStatus if s.value == wanted), None)
    return htmx.render(
        "operator/queue.html",
        current=current,
        counts=support_queries.status_counts(),
        lines=support_queries.queue(current),
        statuses=list(RequestStatus),
    )


def _request_page(request_id: int, status: int = 200, **context):
    """The request page (or its panel for htmx) with its forms."""
    context.setdefault("resolve_form", ResolveForm())
    context.setdefault("decline_form", ReasonForm())
    return htmx.render(
        "operator/request.html",
        block="request_panel",
        status=status,
        line=support_queries.request_line(request_id),
        **context,
    )


@bp.get("/requests/<int:request_id>")
@operator_required
def support_request(request_id: int):
    """One support request, with Resolve and Decline while it is open."""
    return _request_page(operator_or_404(SupportRequest, request_id).id)


def _answered(request_id: int, message: str):
    """After a resolution: the updated panel for htmx, otherwise back to the request page."""
    if htmx.is_htmx():
        return _request_page(request_id, notice=message)
    flash(message, "success")
    return htmx.redirect(url_for("operator.support_request", request_id=request_id))


@bp.post("/requests/<int:request_id>/resolve")
@operator_required
def resolve(request_id: int):
    """Resolve a request (once): create the Org ID, record the allocation, or answer."""
    found = operator_or_404(SupportRequest, request_id)
    form = ResolveForm()
    if form.validate():
        try:
            resolve_request(found.id, current_user, form.note.data or "")
        except SupportRefused as refused:
            return _request_page(
                request_id, status=422 if refused.field else 409, resolve_form=form, error=str(refused)
            )
        return _answered(request_id, gettext("Request #%(id)s is resolved; the partner was told.", id=request_id))
    return _request_page(request_id, status=422, resolve_form=form)


@bp.post("/requests/<int:request_id>/decline")
@operator_required
def decline(request_id: int):
    """Decline a request (once), with the reason the partner sees."""
    found = operator_or_404(SupportRequest, request_id)
    form = ReasonForm()
    if form.validate():
        try:
            decline_request(found.id, current_user, form.reason.data)
        except SupportRefused as refused:
            return _request_page(request_id, status=409, decline_form=form, error=str(refused))
        return _answered(request_id, gettext("Request #%(id)s is declined; the partner was told.", id=request_id))
    return _request_page(request_id, status=422, decline_form=form)


# --- allocations ----------------------------------------------------------------------------------


@bp.get("/allocations")
@operator_required
def allocations():
    """Processing allocations to complete or fail, then the latest finished ones."""
    return htmx.render("operator/allocations.html", lines=queries.allocations(), errors={})


@bp.post("/allocations/<int:allocation_id>/<any(complete, fail):outcome>")
@operator_required
def finish(allocation_id: int, outcome: str):
    """Complete a processing allocation, or fail it with a reason (once)."""
    found = operator_or_404(Allocation, allocation_id)
    form = ReasonForm()
    completed = outcome == "complete"
    error, status = None, 200
    if completed or form.validate():
        try:
            finish_allocation(
                found.id, completed=completed, reason=form.reason.data or "", by=current_user, label=CUSTOMER_SERVICE
            )
        except AllocationRefused as refused:
            error, status = str(refused), 409
    else:
        error, status = form.reason.errors[0], 422
    if status == 200 and not htmx.is_htmx():
        if completed:
            flash(gettext("Allocation %(id)s is completed.", id=allocation_id), "success")
        else:
            flash(gettext("Allocation %(id)s is failed.", id=allocation_id), "success")
        return htmx.redirect(url_for("operator.allocations"))
    return htmx.render(
        "operator/allocations.html",
        block="allocation_row",
        status=status,
        errors={found.id: error} if error else {},
        line=queries.allocations(allocation_id=found.id)[0],
        lines=queries.allocations(),
    )


# --- memberships -----------------------------------------------------------------------------------


@bp.get("/memberships")
@operator_required
def memberships():
    """Find an organization by ORGID or name; see and change its partner-program memberships."""
    q = request.args.get("q", "")
    return htmx.render(
        "operator/memberships.html",
        block="results" if htmx.target() == "results" else None,
        q=q,
        rows=queries.organizations(q),
        programs=list(Program),
    )


@bp.post("/memberships/<int:org_id>")
@operator_required
def set_program(org_id: int):
    """Grant or lapse one program membership of an organization (adds or removes the badge and access)."""
    org = operator_or_404(Organization, org_id)
    form = MembershipForm()
    if not form.validate():
        abort(422, description=" ".join(str(error) for errors in form.errors.values() for error in errors))
    program = Program(form.program.data)
    set_membership(org, program, active=form.status.data == "active", by=current_user, label=CUSTOMER_SERVICE)
    if form.status.data == "active":
        message = gettext("%(program)s membership of %(name)s is active.", program=program.label, name=org.name)
    else:
        message = gettext("%(program)s membership of %(name)s is lapsed.", program=program.label, name=org.name)
    if htmx.is_htmx():
        return htmx.render(
            "operator/memberships.html", block="org_row", row=queries.organization(org_id), notice=message
        )
    flash(message, "success")
    return htmx.redirect(url_for("operator.memberships", q=org.orgid))


# --- usage imports -----------------------------------------------------------------------------------


@bp.get("/imports")
@operator_required
def imports():
    """The last usage imports, and the upload form."""
    return htmx.render(
        "operator/imports.html",
        imports=queries.last_imports(),
        limit_mib=current_app.config["USAGE_UPLOAD_MAX_BYTES"] // (1024 * 1024),
    )


@bp.post("/imports")
@reads_own_body
@operator_required
def upload():
    """Upload a usage CSV (streamed to disk under its own size limit); a background job imports it."""
    limit = current_app.config["USAGE_UPLOAD_MAX_BYTES"]
    try:
        received = receive_upload("file", upload_folder(), limit, suffix=".csv")
    except RequestEntityTooLarge:
        abort(
            413,
            description=gettext(
                "The file is larger than the upload limit of %(limit)s MiB (USAGE_UPLOAD_MAX_BYTES). "
                "Nothing was stored.",
                limit=format_number(limit // (1024 * 1024)),
            ),
        )
    except UploadMissing:
        return htmx.render(
            "operator/imports.html",
            status=422,
            error=gettext("Choose a CSV file to upload."),
            imports=queries.last_imports(),
            limit_mib=limit // (1024 * 1024),
        )
    started = queue_usage_import(
        received.path, received.filename, received.size, partial=received.form.get("partial") == "y", by=current_user
    )
    return htmx.redirect(url_for("operator.usage_import", import_id=started.id))


@bp.get("/imports/<int:import_id>")
@operator_required
def usage_import(import_id: int):
    """One import: its progress while it runs (polled by htmx), then its report."""
    found = operator_or_404(UsageImport, import_id)
    progress = None if found.status.is_finished else read_progress(found.stored_name)
    return htmx.render(
        "operator/import.html",
        block="import_status",
        record=found,
        progress=progress,
        rejected=found.rejected.splitlines(),
    )
