"""Federated Domains and Workspace Appearance: thin glue over csp.queries and csp.services."""

from __future__ import annotations

from flask import abort, flash, request, url_for

from ..models import IdentityDomain, Permission
from ..web import htmx
from ..web.guards import permission_required, service_provider_required
from ..web.tenancy import acting, connected_customer_or_404, scoped_or_404
from ..web.i18n import gettext
from ..workspaces.hosts import host_url
from . import bp, queries
from .forms import AddCustomerForm, SharedWorkspaceForm, ThemeForm
from .services import (
    MULTI_TENANT_THEMES,
    ServiceProviderRefused,
    add_customer_to_domain,
    remove_customer_from_domain,
    save_theme,
    set_shared_workspace,
)
from .theme import saved_colors, supports_theming
from .uploads import MAX_BYTES

# Two logos of up to 2 MB each, plus the form's other fields and multipart framing.
THEME_REQUEST_LIMIT = 2 * MAX_BYTES + 512 * 1024


def domains_required(view):
    """An active Service Provider membership and the Domains permission (full access holds it)."""
    return service_provider_required(permission_required(Permission.DOMAINS)(view))


def workspace_configuration_required(view):
    """An active Service Provider membership and the Workspace Configuration permission."""
    return service_provider_required(permission_required(Permission.WORKSPACE_CONFIGURATION)(view))


@bp.url_value_preprocessor
def _theme_uploads_may_be_larger(endpoint: str | None, values: dict | None) -> None:
    """Raise the body limit (1 MiB for the rest of the portal) for the routes that take logos.

    URL value preprocessors run before every before_request hook, so the limit is in place before
    the CSRF check reads the form; each file's own 2 MB limit is enforced by csp.uploads.
    """
    if endpoint in ("csp.theme", "csp.theme_preview") and request.method == "POST":
        request.max_content_length = THEME_REQUEST_LIMIT


# --- Federated Domains ---------------------------------------------------------------------------


def _federation_context(
    failed: tuple[int, AddCustomerForm] | None = None, shared_form: SharedWorkspaceForm | None = None, **extra
) -> dict:
    """The page's data, one add form per domain (the failed one keeps its input and errors)."""
    page = queries.federated_domains(acting().org.id)
    forms = {
        domain.id: AddCustomerForm(prefix=f"domain-{domain.id}", formdata=None)
        for location in page.locations
        for domain in location.domains
    }
    if failed:
        forms[failed[0]] = failed[1]
    shared_form = shared_form or SharedWorkspaceForm(formdata=None, data={"slug": page.shared_slug or ""})
    return {"page": page, "forms": forms, "shared_form": shared_form, **extra}


def _federation_page(status: int = 200, **context):
    """The Federated Domains page, or its domains region for htmx."""
    return htmx.render(
        "csp/federated_domains.html", block="federation", status=status, **_federation_context(**context)
    )


@bp.get("/federated-domains")
@domains_required
def federated_domains():
    """Federated Domains: each domain's customers, add and remove them, the provider's workspace URLs."""
    return _federation_page()


@bp.post("/federated-domains/<int:domain_id>/customers")
@domains_required
def add_customer(domain_id: int):
    """Add a connected customer to a domain (with a dedicated workspace URL when it has none)."""
    domain = scoped_or_404(IdentityDomain, domain_id)
    form = AddCustomerForm(prefix=f"domain-{domain.id}")
    if form.validate_on_submit():
        try:
            workspace = add_customer_to_domain(domain, form.customer.data, form.slug.data, acting().user.id)
        except ServiceProviderRefused as error:
            getattr(form, error.field or "customer").errors.append(str(error))
        else:
            message = gettext(
                "The customer was added to %(domain)s. Its users sign in at %(url)s.",
                domain=domain.name,
                url=host_url(workspace.slug),
            )
            if not htmx.is_htmx():
                flash(message, "success")
                return htmx.redirect(url_for("csp.federated_domains") + f"#domain-{domain.id}")
            return _federation_page(notice=message)
    return _federation_page(status=422, failed=(domain.id, form))


@bp.route("/federated-domains/<int:domain_id>/customers/<orgid>/remove", methods=["GET", "POST"])
@domains_required
def remove_customer(domain_id: int, orgid: str):
    """Remove a customer from a domain, after a confirm step: its users of that domain lose access at once."""
    domain = scoped_or_404(IdentityDomain, domain_id)
    member = queries.domain_member(domain.id, orgid)
    if member is None:
        abort(404)
    customer, slug = member
    if request.method == "POST":
        remove_customer_from_domain(domain, customer)
        message = gettext(
            "%(customer)s was removed from %(domain)s. Its users of that domain can no longer sign in.",
            customer=customer.name,
            domain=domain.name,
        )
        if not htmx.is_htmx():
            flash(message, "success")
            return htmx.redirect(url_for("csp.federated_domains") + f"#domain-{domain.id}")
        return _federation_page(notice=message)
    return htmx.render(
        "csp/remove_customer.html",
        block="remove_dialog",
        domain=domain,
        customer=customer,
        slug=slug,
        as_dialog=htmx.is_htmx(),
    )


@bp.post("/federated-domains/shared-workspace")
@domains_required
def shared_workspace():
    """Set or rename the provider's shared workspace URL."""
    form = SharedWorkspaceForm()
    if form.validate_on_submit():
        try:
            workspace = set_shared_workspace(acting().org.id, form.slug.data, acting().user.id)
        except ServiceProviderRefused as error:
            form.slug.errors.append(str(error))
        else:
            flash(gettext("Your shared workspace is at %(url)s.", url=host_url(workspace.slug)), "success")
            return htmx.redirect(url_for("csp.federated_domains"))
    return _federation_page(status=422, shared_form=form)


# --- Workspace Appearance ------------------------------------------------------------------------


@bp.get("/workspace-appearance")
@workspace_configuration_required
def appearance():
    """Workspace Appearance: every connected customer, and whether its workspace can take a theme."""
    return htmx.render("csp/appearance.html", rows=queries.appearance_rows(acting().org.id))


def _theme_page(customer, form: ThemeForm | None = None, status: int = 200, block: str | None = None):
    """The theme page (or its preview for htmx): the form (the saved theme when none is given) and a
    preview of the form's valid colors and newly chosen logos over the saved ones."""
    theme, slug = queries.customer_theme(acting().org.id, customer.id)
    saved = saved_colors(theme)
    form = form or ThemeForm(formdata=None, data=ThemeForm.initial(saved))
    stored = {
        name: url_for("workspaces.logo", name=getattr(theme, name)) if theme and getattr(theme, name) else None
        for name in ("logo", "sign_in_logo")
    }
    can_theme = supports_theming(customer.tenancy)
    # A multi-tenant customer has no preview: its page (the explanation) answers every request.
    return htmx.render(
        "csp/theme.html",
        block=block if can_theme else None,
        status=status,
        customer=customer,
        form=form,
        slug=slug,
        colors=form.shown_colors(saved),
        logos=form.shown_logos(stored),
        stored=stored,
        can_theme=can_theme,
        not_supported=str(MULTI_TENANT_THEMES),
    )


@bp.route("/workspace-appearance/<orgid>", methods=["GET", "POST"])
@workspace_configuration_required
def theme(orgid: str):
    """A customer's workspace theme: colors, logos, live preview, Save (single-tenant customers only)."""
    customer, _ = connected_customer_or_404(orgid)
    if request.method == "GET":
        return _theme_page(customer)
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            save_theme(acting().org.id, customer, form.change(), acting().user.id)
        except ServiceProviderRefused as error:
            form.form_errors.append(str(error))
        else:
            flash(gettext("The theme of %(customer)s's workspace is saved.", customer=customer.name), "success")
            return htmx.redirect(url_for("csp.theme", orgid=customer.orgid))
    return _theme_page(customer, form, status=422)


@bp.post("/workspace-appearance/<orgid>/preview")
@workspace_configuration_required
def theme_preview(orgid: str):
    """Preview a theme without saving anything: the whole page without JavaScript, the preview alone for htmx."""
    customer, _ = connected_customer_or_404(orgid)
    form = ThemeForm()
    valid = form.validate_on_submit() and supports_theming(customer.tenancy)
    return _theme_page(customer, form, status=200 if valid else 422, block="theme_preview")
