"""Partner Support Center: the partner's requests, a new request, one request's history."""

from __future__ import annotations

from flask import flash, request, url_for
from wtforms.fields.choices import SelectChoice

from ..models import IssueType, SupportRequest
from ..web import htmx
from ..web.guards import partner_full_access_required
from ..web.i18n import gettext, lazy_gettext
from ..web.tenancy import acting, connected_customer_or_404, scoped_or_404
from . import bp, queries
from .forms import FORMS, AllocationRequestForm, issue_type_of, request_fields
from .services import SupportRefused, submit_request

UNSUPPORTED = lazy_gettext("Choose an issue type from the list.")


@bp.get("")
@partner_full_access_required
def index():
    """The partner's support requests with their status."""
    return htmx.render("support/index.html", lines=queries.partner_requests(acting().org.id))


@bp.route("/new", methods=["GET", "POST"])
@partner_full_access_required
def new():
    """A new request: choose the Issue Type, then fill in the fields it needs."""
    issue_type = issue_type_of(request.values.get("type"))
    form = FORMS[issue_type]() if issue_type else None
    if isinstance(form, AllocationRequestForm):
        form.customer.choices = [
            SelectChoice(c.orgid, f"{c.name} ({c.orgid})") for c in queries.single_tenant_customers(acting().org.id)
        ]
        form.product.choices = [SelectChoice(s.code, s.name) for s in queries.licensed_products()]
    error = None
    if request.method == "POST" and form is None:
        error = UNSUPPORTED
    elif request.method == "POST":
        orgid = request.form.get("customer", "") if isinstance(form, AllocationRequestForm) else ""
        customer = connected_customer_or_404(orgid)[0] if orgid else None
        if form.validate():
            try:
                filed = submit_request(acting().org, acting().user, issue_type, request_fields(form, customer))
            except SupportRefused as refused:
                form[refused.field or "details"].errors.append(str(refused))
            else:
                flash(
                    gettext(
                        "Request #%(id)s was sent to customer service, who answers within five business days.",
                        id=filed.id,
                    ),
                    "success",
                )
                return htmx.redirect(url_for("support.detail", request_id=filed.id))
    status = 422 if error or (form is not None and form.errors) else 200
    return htmx.render(
        "support/new.html",
        block="request_form" if htmx.target() == "request-form" else None,
        status=status,
        issue_type=issue_type,
        issue_types=list(IssueType),
        form=form,
        error=error,
    )


@bp.get("/<int:request_id>")
@partner_full_access_required
def detail(request_id: int):
    """One request: what was asked, its status and history, and the next step."""
    found = scoped_or_404(SupportRequest, request_id, org_column="partner_id")
    return htmx.render("support/detail.html", line=queries.request_line(found.id))
