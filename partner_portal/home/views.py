"""Home page."""
from flask import url_for

from ..models import Permission
from ..web import htmx
from ..web.guards import login_required
from ..web.tenancy import active_programs, load_acting
from . import bp


@bp.get("/")
@login_required
def index():
    """Show the shortcuts that fit the current organization and role."""
    acting = load_acting()
    programs = active_programs(acting.org.id) if acting else []
    shortcuts = []
    if acting and programs and acting.administrator.can(Permission.CUSTOMER_DASHBOARD):
        shortcuts.append(("My Customers", url_for("customers.index"), "Status of every connected customer at a glance."))
    if acting and acting.administrator.can(Permission.LICENSING):
        shortcuts.append(("Licensing", url_for("licensing.own_summary"),
                          "Your organization's licenses, active use and trends."))
    if acting:
        shortcuts.append(("Account Settings", url_for("accounts.settings"),
                          "Your company account, partner connections and administrators."))
    return htmx.render("home/index.html", acting=acting, programs=programs, shortcuts=shortcuts)
