"""Account Settings, administrators, invitations to join, organization switcher."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user

from ..auth.queries import active_sessions
from ..connections import sharing
from ..connections.queries import connection_history, partner_connections
from ..extensions import db
from ..feeds.queries import feed_created_at, sees_customers
from ..support.queries import requesting_partner
from ..models import Access, Administrator, AdministratorInvitation, User
from ..web import htmx
from ..web.guards import full_access_required, login_required
from ..web.safety import local_path
from ..web.tenancy import acting, own_or_404, scoped_or_404, switch_to
from . import bp, queries
from .forms import AccessForm, AddAdministratorForm, LanguageForm
from .services import (
    AccountError,
    accept_admin_invitation,
    add_administrator,
    can_manage,
    change_access,
    remove_administrator,
    set_language,
    withdraw_admin_invitation,
)
from ..web import i18n
from ..web.i18n import gettext


def _settings_context(**extra) -> dict:
    """Everything the Account Settings page shows."""
    me = acting()
    context = {
        "org": queries.company_account(me.org.id),
        "admins": [
            (admin, via, can_manage(me.administrator, admin)) for admin, via in queries.administrators(me.org.id)
        ],
        "pending": queries.pending_invitations(me.org.id) if me.administrator.is_full else [],
        "can_manage_admins": me.administrator.is_full,
        "partner_connections": partner_connections(me.org.id),
        "link_scopes": sharing.scopes_of,
        "scope_labels": sharing.SCOPES,
        "connection_history": connection_history(me.org.id),
        "can_read_activity": me.administrator.is_full,
        "requested_by": requesting_partner(me.org.id, unconnected_only=True),
        "sessions": active_sessions(me.user.id, me.user.session_id),
        "calendar_feed_since": feed_created_at(me.administrator.id),
        "calendar_with_customers": sees_customers(me.administrator),
        "language_form": LanguageForm(language=me.user.locale or ""),
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
    """Add an administrator: a new person at once, an existing one by invitation (full access only)."""
    form = AddAdministratorForm()
    if form.validate_on_submit():
        try:
            result = add_administrator(
                acting().org,
                form.email.data,
                form.name.data,
                Access(form.access.data),
                form.permissions.data,
                acting().administrator,
            )
        except AccountError as error:
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            if isinstance(result, AdministratorInvitation):
                flash(
                    gettext(
                        "%(email)s already has an account: we sent an invitation. They become an "
                        "administrator when they accept it.",
                        email=form.email.data,
                    ),
                    "success",
                )
            else:
                flash(gettext("%(email)s is now an administrator.", email=form.email.data), "success")
            return htmx.redirect(url_for("accounts.settings") + "#administrators")
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
            change_access(admin, Access(form.access.data), form.permissions.data, acting().administrator)
        except AccountError as error:
            form.access.errors.append(str(error))
        else:
            flash(gettext("Access updated."), "success")
            return htmx.redirect(url_for("accounts.settings") + "#administrators")
    status = 422 if form.errors else 200
    return htmx.render(
        "accounts/edit_access.html", block="admin_form", status=status, form=form, admin=admin, person=_person(admin)
    )


def _person(admin: Administrator) -> User:
    """The user behind an administrator role."""
    return db.session.get(User, admin.user_id)


@bp.route("/administrators/<int:admin_id>/remove", methods=["GET", "POST"])
@full_access_required
def remove_admin(admin_id: int):
    """Remove an administrator, after a confirm step (full-access administrators only)."""
    admin = scoped_or_404(Administrator, admin_id)
    person = _person(admin)
    error = None
    if request.method == "POST":
        leaving = admin.user_id == current_user.id
        try:
            remove_administrator(admin, acting().administrator)
        except AccountError as refused:
            error = str(refused)
        else:
            flash(gettext("%(email)s is no longer an administrator of this account.", email=person.email), "success")
            return htmx.redirect(url_for("home.index") if leaving else url_for("accounts.settings") + "#administrators")
    return htmx.render(
        "accounts/remove_admin.html",
        block="remove_dialog",
        status=409 if error else 200,
        admin=admin,
        person=person,
        error=error,
        as_dialog=htmx.is_htmx(),
    )


@bp.post("/invitations/<int:invitation_id>/withdraw")
@full_access_required
def withdraw_invitation(invitation_id: int):
    """Withdraw an invitation this organization sent that has not been answered."""
    invitation = scoped_or_404(AdministratorInvitation, invitation_id)
    withdraw_admin_invitation(invitation, current_user)
    flash(gettext("The invitation was withdrawn."), "success")
    return htmx.redirect(url_for("accounts.settings") + "#administrators")


@bp.post("/settings/language")
@login_required
def language():
    """Choose the portal's language for the signed-in person, or let the browser's decide."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return htmx.render(
            "accounts/settings.html", block="language_panel", status=422, **_settings_context(language_form=form)
        )
    set_language(current_user, form.language.data or None)
    i18n.refresh()
    # Said in the language just chosen: the next page is the first in it.
    flash(gettext("Your language is saved."), "success")
    return htmx.reload(url_for("accounts.settings") + "#language-settings")


@bp.get("/invitations")
@login_required
def invitations():
    """Invitations to administer other organizations, waiting for the signed-in person."""
    return htmx.render("accounts/invitations.html", invitations=queries.invitations_for(current_user.id))


@bp.post("/invitations/<int:invitation_id>/accept")
@login_required
def accept_invitation(invitation_id: int):
    """Accept an invitation: the person becomes an administrator of the inviting organization."""
    try:
        admin = accept_admin_invitation(own_or_404(AdministratorInvitation, invitation_id))
    except AccountError as error:
        flash(str(error), "error")
        return htmx.redirect(url_for("accounts.invitations"))
    switch_to(admin.organization_id)
    flash(gettext("You are now an administrator of this account."), "success")
    return htmx.redirect(url_for("accounts.settings"))


@bp.post("/invitations/<int:invitation_id>/decline")
@login_required
def decline_invitation(invitation_id: int):
    """Decline an invitation; the inviting organization no longer sees it as pending."""
    withdraw_admin_invitation(own_or_404(AdministratorInvitation, invitation_id), current_user)
    flash(gettext("You declined the invitation."), "info")
    return htmx.redirect(url_for("accounts.invitations"))


@bp.post("/switch/<int:org_id>")
@login_required
def switch(org_id: int):
    """Make another administered organization the current one (404 if the user doesn't administer it)."""
    org = switch_to(org_id)
    flash(gettext("You are now working in %(name)s.", name=org.name), "info")
    # "Switch back" on a refused page returns to that page.
    return htmx.redirect(local_path(request.form.get("next")) or url_for("home.index"))
