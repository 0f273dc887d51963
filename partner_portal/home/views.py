"""Home page."""

from flask import url_for
from flask_login import current_user

from ..accounts.queries import invitations_for
from ..models import Permission
from ..web import htmx
from ..web.guards import login_required, sees_dashboard
from ..web.i18n import gettext
from ..web.kept_responses import keep_response
from ..web.tenancy import active_programs, load_acting
from . import bp


@bp.get("/")
@keep_response
@login_required
def index():
    """Show the shortcuts that fit the current organization and role, and invitations waiting."""
    acting = load_acting()
    if acting is None and current_user.is_operator:
        # Operators administer no organization: their home is the operator console.
        return htmx.redirect(url_for("operator.queue"))
    programs = active_programs(acting.org.id) if acting else []
    shortcuts = []
    if acting and sees_dashboard(acting):
        shortcuts.append(
            (
                gettext("My Customers"),
                url_for("customers.index"),
                gettext("Status of every connected customer at a glance."),
            )
        )
    if acting and acting.administrator.can(Permission.LICENSING):
        shortcuts.append(
            (
                gettext("Licensing"),
                url_for("licensing.own_summary"),
                gettext("Your organization's licenses, active use and trends."),
            )
        )
    if acting:
        shortcuts.append(
            (
                gettext("Account Settings"),
                url_for("accounts.settings"),
                gettext("Your company account, partner connections and administrators."),
            )
        )
    return htmx.render(
        "home/index.html",
        acting=acting,
        programs=programs,
        shortcuts=shortcuts,
        invitations=invitations_for(current_user.id),
    )
