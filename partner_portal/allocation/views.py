"""Manage Licenses: Cloud Licenses (with Allocate) and Orders tabs."""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, request, url_for
from wtforms.fields.choices import SelectChoice

from ..web import htmx
from ..web.guards import licenses_required
from ..web.i18n import format_number, gettext
from ..web.tenancy import acting, cloud_account_or_404
from . import bp, queries
from .forms import AllocateForm
from .services import AllocationRefused, allocate as allocate_licenses


def _cloud_context() -> dict:
    """What the Cloud Licenses tab shows."""
    partner_id = acting().org.id
    return {
        "products": queries.products(partner_id, current_app.config["ALLOCATION_CUTOVER"]),
        "accounts": queries.cloud_accounts(partner_id, date.today()),
        "allocations": queries.allocation_lines(partner_id),
        "cutover": current_app.config["ALLOCATION_CUTOVER"],
    }


@bp.get("")
@licenses_required
def cloud_licenses():
    """Manage Licenses → Cloud Licenses: per product purchased, allocated and to allocate; the
    partner's cloud accounts and what each holds; the allocations."""
    return htmx.render("allocation/cloud.html", block="licenses_main", **_cloud_context())


@bp.get("/orders")
@licenses_required
def orders():
    """Manage Licenses → Orders: the partner's multi-tenant orders."""
    cutover = current_app.config["ALLOCATION_CUTOVER"]
    return htmx.render(
        "allocation/orders.html",
        block="licenses_main",
        cutover=cutover,
        orders=queries.partner_orders(acting().org.id, cutover),
    )


@bp.route("/allocate", methods=["GET", "POST"])
@licenses_required
def allocate():
    """Allocate (a dialog over Cloud Licenses, or a page without JavaScript): account, product, quantity."""
    context = _cloud_context()
    form = AllocateForm()
    form.account.choices = [SelectChoice(a.orgid, f"{a.name} · {a.kind}") for a in context["accounts"]]
    form.product.choices = [
        SelectChoice(
            p.code,
            gettext("%(product)s (%(amount)s to allocate)", product=p.name, amount=format_number(p.to_allocate)),
        )
        for p in context["products"]
    ]
    if request.method == "GET":
        form.account.data = request.args.get("account") or next(
            (a.orgid for a in context["accounts"] if a.can_receive), None
        )
    else:
        account = cloud_account_or_404(request.form.get("account", ""))
        if form.validate():
            try:
                allocation = allocate_licenses(
                    acting().org, account, form.product.data, form.quantity.data, acting().user
                )
            except AllocationRefused as error:
                getattr(form, error.field or "account").errors.append(str(error))
            else:
                notice = gettext(
                    "Allocated %(amount)s licenses to %(account)s. The allocation is processing.",
                    amount=format_number(allocation.quantity),
                    account=account.name,
                )
                if htmx.is_htmx():
                    return htmx.render(
                        "allocation/cloud.html",
                        block="allocated",
                        oob=("cloud_content",),
                        notice=notice,
                        **_cloud_context(),
                    )
                flash(notice, "success")
                return htmx.redirect(url_for("allocation.cloud_licenses"))
    status = 422 if form.errors else 200
    return htmx.render(
        "allocation/allocate.html",
        block="allocate_dialog",
        status=status,
        form=form,
        as_dialog=htmx.is_htmx(),
        **context,
    )
