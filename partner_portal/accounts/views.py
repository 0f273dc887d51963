"""Account Settings, administrators, organization switcher."""
from __future__ import annotations

from flask import flash, url_for

from ..auth.queries import active_sessions
from ..connections.services import partner_connections
from ..extensions import db
from ..models import Access, Administrator
from ..web import htmx
from ..web.guards import full_access_required, login_required
from ..web.tenancy import acting, scoped_or_404, switch_to
from . import bp, queries
from .forms import AccessForm, AddAdministratorForm
from .services import AccountError, add_administrator, change_access


def _settings_context(**extra) -> dict:
    """Everything the Account Settings page shows."""
    me = acting()
    context = {
        "org": queries.company_account(me.org.id),
        "admins": queries.administrators(me.org.id),
        "can_manage_admins": me.administrator.is_full,
        "partner_connections": partner_connections(me.org.id),
        "sessions": active_sessions(me.user.id, me.user.session_id),
    }
    context.update(extra)
    return context


@bp.get("/settings")
@login_required
def settings():
    """Account Settings: company account, partner connections, administrators, your signed-in sessions."""
    return htmx.render("accounts/settings.html", block="settings_main", **_settings_context())


@bp.route("/administrators/new", methods=["GET", "POST"])
@full_access_required
def add_admin():
    """Add an administrator (full-access administrators only)."""
    form = AddAdministratorForm()
    if form.validate_on_submit():
        try:
            add_administrator(acting().org, form.email.data, form.name.data, Access(form.access.data),
                              form.permissions.data, acting().user)
        except AccountError as error:
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            flash(f"{form.email.data} is now an administrator.", "success")
            return htmx.redirect(url_for("accounts.settings"))
    status = 422 if form.errors else 200
    return htmx.render("accounts/add_admin.html", block="admin_form", status=status, form=form)


@bp.route("/administrators/<int:admin_id>/access", methods=["GET", "POST"])
@full_access_required
def edit_access(admin_id: int):
    """Change an administrator's access and permissions (full-access administrators only)."""
    admin = scoped_or_404(Administrator, admin_id)
    form = AccessForm(data={"access": admin.access.value, "permissions": sorted(admin.permissions)})
    if form.validate_on_submit():
        try:
            change_access(admin, Access(form.access.data), form.permissions.data)
        except AccountError as error:
            form.access.errors.append(str(error))
        else:
            flash("Access updated.", "success")
            return htmx.redirect(url_for("accounts.settings"))
    status = 422 if form.errors else 200
    from ..models import User

    person = db.session.get(User, admin.user_id)
    return htmx.render("accounts/edit_access.html", block="admin_form", status=status, form=form, admin=admin, person=person)


@bp.post("/switch/<int:org_id>")
@login_required
def switch(org_id: int):
    """Make another administered organization the current one (404 if the user doesn't administer it)."""
    org = switch_to(org_id)
    flash(f"You are now working in {org.name}.", "info")
    return htmx.redirect(url_for("home.index"))
