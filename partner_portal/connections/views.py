"""Invitation acceptance, and the customer side of connections in Account Settings."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Organization, Side
from ..web import htmx
from ..web.guards import full_access_required, unauthorized
from ..web.i18n import gettext, lazy_gettext
from ..web.tenancy import active_programs, customer_connection_or_404, load_acting
from . import bp, sharing
from .queries import partner_for_token
from .services import ConnectionRefused, accept_invitation, change_sharing, check_invitation, end_connection

# What a connected partner can see, listed on the invitation page.
PARTNER_SEES = [
    lazy_gettext("Your basic account information: name, ORGID and administrator contact"),
    lazy_gettext("Your orders, service entitlements and trials, with license counts and expiration dates"),
    lazy_gettext("Summaries of license assignment and active use, and their trends (never individual users)"),
    lazy_gettext("Your notifications and the number of your open support tickets"),
]


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The page an invitation link opens: who invites, what they will see, and Accept."""
    partner = partner_for_token(token)
    if partner is None:
        return htmx.render("connections/invitation_invalid.html", status=404)
    if not current_user.is_authenticated:
        return unauthorized()
    me = load_acting()
    if me is None:
        abort(
            403,
            description=gettext("Your account does not administer any organization, so it can't accept invitations."),
        )
    check = check_invitation(partner, me.administrator)
    if request.method == "POST":
        try:
            accept_invitation(partner, me.administrator, current_user, sharing.from_form(request.form))
        except ConnectionRefused as error:
            return htmx.render(
                "connections/invitation.html",
                status=409,
                partner=partner,
                customer=me.org,
                programs=active_programs(partner.id),
                check=check,
                error=str(error),
                partner_sees=PARTNER_SEES,
                scopes=sharing.SCOPES,
            )
        flash(gettext("You are now connected to %(name)s.", name=partner.name), "success")
        return htmx.redirect(url_for("accounts.settings") + "#partner-connections")
    return htmx.render(
        "connections/invitation.html",
        partner=partner,
        customer=me.org,
        programs=active_programs(partner.id),
        check=check,
        error=None,
        partner_sees=PARTNER_SEES,
        scopes=sharing.SCOPES,
    )


@bp.route("/account/partners/<int:connection_id>/remove", methods=["GET", "POST"])
@full_access_required
def remove_partner(connection_id: int):
    """Customer side: Remove a partner connection, after Confirm."""
    link = customer_connection_or_404(connection_id)
    partner = db.session.get(Organization, link.partner_id)
    if request.method == "POST":
        end_connection(link, Side.CUSTOMER, current_user)
        flash(gettext("%(name)s no longer has access to your account information.", name=partner.name), "success")
        return htmx.redirect(url_for("accounts.settings") + "#partner-connections")
    return htmx.render(
        "connections/remove_partner.html", block="remove_dialog", link=link, partner=partner, as_dialog=htmx.is_htmx()
    )


@bp.post("/account/partners/<int:connection_id>/sharing")
@full_access_required
def change_partner_sharing(connection_id: int):
    """Customer side: choose what this partner sees (the partner is told, the log records it)."""
    link = customer_connection_or_404(connection_id)
    partner = db.session.get(Organization, link.partner_id)
    try:
        changed = change_sharing(link, sharing.from_form(request.form), current_user)
    except ConnectionRefused as error:
        flash(str(error), "error")
    else:
        flash(
            gettext("%(name)s now sees what you chose.", name=partner.name) if changed else gettext("Nothing changed."),
            "success",
        )
    return htmx.redirect(url_for("accounts.settings") + "#partner-connections")


@bp.app_errorhandler(sharing.NotShared)
def not_shared(error: sharing.NotShared):
    """A partner page or export of data the customer does not share: say so (403)."""
    return htmx.render("connections/not_shared.html", status=403, scope_label=sharing.SCOPES_IN_SENTENCE[error.scope])
