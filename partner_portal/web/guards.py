"""Guard decorators for views: signed in, partner badge, Service Provider membership, permission, full
access, operator."""

from __future__ import annotations

from functools import wraps

from flask import abort, request, url_for
from flask_login import current_user

from ..models import Permission, Program
from ..notifications.queries import sees_customer_notifications
from . import htmx
from .i18n import gettext
from .safety import local_path
from .tenancy import active_programs, acting


def login_required(view):
    """Require a signed-in user; others go to Sign in (htmx requests by HX-Redirect)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthorized()
        return view(*args, **kwargs)

    return wrapped


def unauthorized():
    """Send the visitor to Sign in, remembering where they were going."""
    if htmx.is_request():
        # An expired session must not swap the sign-in form into a fragment: navigate instead,
        # back to the page the user was on (not to the fragment's URL).
        return htmx.redirect(url_for("auth.sign_in", next=local_path(htmx.current_url()) or None))
    return htmx.redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def partner_required(view):
    """Require a partner-badged current organization (an active program membership)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthorized()
        if not active_programs(acting().org.id):
            abort(403, description="partner-only")
        return view(*args, **kwargs)

    return wrapped


def is_service_provider(org_id: int) -> bool:
    """True when the organization holds an active Service Provider membership (another program's
    badge is not enough: federated domains and workspaces are service-provider features)."""
    return Program.SERVICE_PROVIDER in active_programs(org_id)


def service_provider_required(view):
    """Require a current organization with an active Service Provider membership."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthorized()
        if not is_service_provider(acting().org.id):
            abort(
                403,
                description=gettext(
                    "This page is for Service Provider partners: your organization has no active "
                    "Service Provider membership."
                ),
            )
        return view(*args, **kwargs)

    return wrapped


def sees_service_provider_page(me, permission: Permission) -> bool:
    """True when the acting administrator may open a service-provider page guarded by `permission`."""
    return is_service_provider(me.org.id) and me.administrator.can(permission)


def sees_dashboard(me) -> bool:
    """True when the acting administrator may open the Customer Dashboard and what hangs off it:
    a partner-badged organization, and full access or Customer Dashboard (View Only)."""
    return bool(active_programs(me.org.id)) and me.administrator.can(Permission.CUSTOMER_DASHBOARD)


def sees_notification_center(me) -> bool:
    """True when the acting administrator may open the partner notification center (customers'
    notifications, Dismiss, Assign, Snooze): see notifications.queries.sees_customer_notifications."""
    return sees_customer_notifications(me.administrator, badged=bool(active_programs(me.org.id)))


def permission_required(permission: Permission):
    """Require full access or a custom-access administrator holding `permission`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return unauthorized()
            if not acting().administrator.can(permission):
                abort(
                    403,
                    description=gettext(
                        "You need the %(permission)s permission for this page.", permission=permission.label
                    ),
                )
            return view(*args, **kwargs)

        return wrapped

    return decorator


def full_access_required(view):
    """Require a full-access administrator of the current organization."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthorized()
        if not acting().administrator.is_full:
            abort(403, description=gettext("Only full-access administrators can do this."))
        return view(*args, **kwargs)

    return wrapped


def operator_required(view):
    """Require a platform operator (customer service)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthorized()
        if not current_user.is_operator:
            abort(403, description=gettext("Only customer-service operators can open this page."))
        return view(*args, **kwargs)

    return wrapped


def dashboard_required(view):
    """Require a partner-badged organization and the Customer Dashboard permission (full access
    holds it): the guard of the dashboard and of every customer page that hangs off it."""
    return partner_required(permission_required(Permission.CUSTOMER_DASHBOARD)(view))


def notification_center_required(view):
    """Require what the partner notification center needs: a partner-badged organization, Customer
    Dashboard (View Only) and Notifications (full access holds both)."""
    return dashboard_required(permission_required(Permission.NOTIFICATIONS)(view))


def notification_scope_required(view):
    """For views taking `scope`: the notification center's guard for "customers", signed in for
    "mine" (every administrator reads their own organization's notifications)."""
    center, own = notification_center_required(view), login_required(view)

    @wraps(view)
    def wrapped(*args, scope: str, **kwargs):
        return (center if scope == "customers" else own)(*args, scope=scope, **kwargs)

    return wrapped


def sees_support_tickets(me) -> bool:
    """True when the acting administrator may read and open the organization's support tickets:
    the Support Tickets permission, held by an administrator of the organization's own (access
    that came through a partner connection never reads ticket content)."""
    return not me.administrator.is_via_partner and me.administrator.can(Permission.SUPPORT)


def support_tickets_required(view):
    """Require sees_support_tickets for the acting administrator."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthorized()
        me = acting()
        if not sees_support_tickets(me):
            if me.administrator.is_via_partner:
                abort(
                    403,
                    description=gettext(
                        "Support tickets are for %(name)s's own administrators only.", name=me.org.name
                    ),
                )
            abort(
                403,
                description=gettext(
                    "You need the %(permission)s permission for this page.", permission=Permission.SUPPORT.label
                ),
            )
        return view(*args, **kwargs)

    return wrapped


def partner_full_access_required(view):
    """Require a partner-badged organization and a full-access administrator (onboarding, removal)."""
    return partner_required(full_access_required(view))


def manages_licenses(me) -> bool:
    """True when the acting administrator may open Manage Licenses and allocate: a partner-badged
    organization, and full access or the Licensing permission."""
    return bool(active_programs(me.org.id)) and me.administrator.can(Permission.LICENSING)


def licenses_required(view):
    """Require a partner-badged organization and the Licensing permission (Manage Licenses, Allocate)."""
    return partner_required(permission_required(Permission.LICENSING)(view))


def partner_full_access(me) -> bool:
    """True for a full-access administrator of a partner-badged organization: what
    partner_full_access_required lets through (onboarding, the Partner Support Center)."""
    return bool(active_programs(me.org.id)) and me.administrator.is_full
