"""What the page header shows: the customer menu and the bell. Loaded lazily, so fragments
(which have no header) issue no query for it."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from flask import Flask, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from ..models import Permission, Program
from ..notifications.queries import unread_count
from . import fragments, htmx
from .guards import (
    manages_licenses,
    partner_full_access,
    sees_dashboard,
    sees_notification_center,
    sees_service_provider_page,
    sees_support_tickets,
)
from .i18n import gettext
from .safety import local_path
from .tenancy import active_programs, administered, load_acting


class Header:
    """Customer-menu and bell data for the current request."""

    @cached_property
    def acting(self):
        """The acting administrator, or None when signed out or without an organization."""
        return load_acting() if current_user.is_authenticated else None

    @cached_property
    def badges(self) -> list:
        """Active programs of the current organization."""
        return active_programs(self.acting.org.id) if self.acting else []

    @cached_property
    def other_orgs(self) -> list:
        """Other organizations the user administers (for the switcher), by name."""
        if not self.acting:
            return []
        others = [a.organization for a in administered() if a.organization_id != self.acting.org.id]
        return sorted(others, key=lambda org: (org.name.casefold(), org.orgid))

    @cached_property
    def unread(self) -> int:
        """The bell: notifications unread by this administrator, of the organization and (when
        they open the notification center) of its connected customers. One query."""
        if not self.acting:
            return 0
        return unread_count(
            self.acting.administrator.id, self.acting.org.id, self.sees_notification_center, date.today()
        )

    @cached_property
    def sees_notification_center(self) -> bool:
        """True when View all notifications (the partner's center) belongs in the bell menu."""
        return bool(self.acting) and sees_notification_center(self.acting)

    @property
    def here(self) -> str:
        """The page the browser shows (where the bell's Mark all as read comes back to)."""
        if request.method == "GET" and not htmx.is_htmx():
            return request.full_path.rstrip("?")
        return local_path(htmx.current_url()) or url_for("notifications.mine")

    @cached_property
    def can_see_tickets(self) -> bool:
        """True when Support Tickets should appear in the navigation."""
        return bool(self.acting) and sees_support_tickets(self.acting)

    @cached_property
    def is_partner(self) -> bool:
        """True when the current organization is partner badged."""
        return bool(self.badges)

    @cached_property
    def is_service_provider(self) -> bool:
        """True when the current organization holds an active Service Provider membership."""
        return Program.SERVICE_PROVIDER in self.badges

    @cached_property
    def can_see_licensing(self) -> bool:
        """True when the organization's own Licensing page should appear in the navigation."""
        return bool(self.acting) and self.acting.administrator.can(Permission.LICENSING)

    @cached_property
    def can_see_dashboard(self) -> bool:
        """True when My Customers should appear in the navigation."""
        return bool(self.acting) and sees_dashboard(self.acting)

    @cached_property
    def service_provider_pages(self) -> list[tuple[str, str]]:
        """Label and endpoint of each service-provider page the acting administrator may open (the
        Workspaces entry of the navigation leads to the first; the pages show them all as tabs)."""
        if not self.acting:
            return []
        pages = [
            (gettext("Federated Domains"), "csp.federated_domains", Permission.DOMAINS),
            (gettext("Workspace Appearance"), "csp.appearance", Permission.WORKSPACE_CONFIGURATION),
        ]
        return [
            (label, endpoint)
            for label, endpoint, permission in pages
            if sees_service_provider_page(self.acting, permission)
        ]

    @cached_property
    def can_manage_licenses(self) -> bool:
        """True when Manage Licenses should appear in the navigation."""
        return bool(self.acting) and manages_licenses(self.acting)

    @cached_property
    def can_use_support_center(self) -> bool:
        """True when the Partner Support Center should appear: full access in a partner organization."""
        return bool(self.acting) and partner_full_access(self.acting)

    @property
    def is_operator(self) -> bool:
        """True for customer-service operators (the operator console appears in the navigation)."""
        return current_user.is_authenticated and current_user.is_operator

    @cached_property
    def frame_key(self) -> tuple:
        """Everything the navigation and the customer menu show: the person (their frame version
        changes, by database triggers, with their roles, those organizations and their programs,
        from which every permission above is derived; see web/tenancy.py), the acting
        organization and the page (whose link is marked current); kept_part adds the language."""
        user = current_user
        return (
            user.id,
            user.frame_version,
            user.email,
            user.is_operator,
            self.acting.org.id if self.acting else None,
            request.endpoint,
        )


@pass_context
def frame_part(context, name: str) -> Markup:
    """partials/<name>.html of the page frame, kept under Header.frame_key (web/fragments.py)."""
    return fragments.kept_part(context, f"partials/{name}.html", "frame", *context["header"].frame_key)


def register(app: Flask) -> None:
    """Expose `header` to every template."""

    @app.context_processor
    def inject_header():
        return {"header": Header()}

    app.add_template_global(frame_part)
