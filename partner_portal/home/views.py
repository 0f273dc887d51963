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
        shortcuts.append(("My Customers", "customers.index", "Status of every connected customer at a glance."))
    if acting:
        shortcuts.append(("Account Settings", "accounts.settings", "Your company account, partner connections and administrators."))
    shortcuts = [(label, url_for(endpoint), text) for label, endpoint, text in shortcuts if _has_endpoint(endpoint)]
    return htmx.render("home/index.html", acting=acting, programs=programs, shortcuts=shortcuts)


def _has_endpoint(endpoint: str) -> bool:
    """True when the endpoint is registered (features arrive blueprint by blueprint)."""
    from flask import current_app

    return endpoint in current_app.view_functions
