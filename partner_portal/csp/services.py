"""Service-provider rules: workspace URLs (unique, well-formed, at most 10 per account), adding customers to
federated domains and removing them (which revokes their users' access at once), and workspace themes."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..connections.queries import connected_customer
from ..database import begin_serialized
from ..extensions import db
from ..models import IdentityDomain, Organization, Workspace, WorkspaceDomain, WorkspaceTheme, utcnow
from ..web.i18n import gettext, lazy_gettext
from . import uploads
from .queries import WORKSPACE_URL_LIMIT
from .theme import ThemeColors, supports_theming

SLUG_LENGTH = (3, 63)
# Names a provider can't take: they look like the portal's own hosts.
RESERVED_SLUGS = frozenset({"www", "api", "admin", "portal", "mail", "static", "workspace"})
_SLUG_CHARACTERS = re.compile(r"[a-z0-9-]+")
MULTI_TENANT_THEMES = lazy_gettext(
    "Custom themes are a single-tenant feature. This customer is multi-tenant: it shares your "
    "resource location, connectors and directory domain with your other customers, so its "
    "workspace keeps the default appearance."
)


class ServiceProviderRefused(Exception):
    """A user-facing refusal; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_slug(value: str | None) -> str:
    """Return a workspace URL name in its stored form (trimmed, lower case); raises ServiceProviderRefused
    unless it can be the first label of a host name: 3 to 63 letters, digits and single hyphens, starting
    with a letter, not reserved."""
    slug = (value or "").strip().lower()
    low, high = SLUG_LENGTH
    if not slug:
        raise ServiceProviderRefused(gettext("Enter a name for the workspace URL, e.g. fabrikam."), "slug")
    if not _SLUG_CHARACTERS.fullmatch(slug):
        raise ServiceProviderRefused(
            gettext("Use only letters, digits and hyphens (no spaces, dots or accents)."), "slug"
        )
    if not low <= len(slug) <= high:
        raise ServiceProviderRefused(gettext("Use %(low)s to %(high)s characters.", low=low, high=high), "slug")
    if not slug[0].isalpha():
        raise ServiceProviderRefused(gettext("Start with a letter."), "slug")
    if slug.endswith("-") or "--" in slug:
        raise ServiceProviderRefused(gettext("Don't end with a hyphen or put two hyphens in a row."), "slug")
    if slug in RESERVED_SLUGS:
        raise ServiceProviderRefused(gettext("“%(slug)s” is reserved. Choose another name.", slug=slug), "slug")
    return slug


def _taken(slug: str) -> ServiceProviderRefused:
    return ServiceProviderRefused(
        gettext("The workspace URL “%(slug)s” is already in use. Choose another name.", slug=slug), "slug"
    )


def _limit_reached() -> ServiceProviderRefused:
    return ServiceProviderRefused(
        gettext(
            "Your account already has %(limit)s workspace URLs, the most it can have. Remove a customer "
            "from all its domains to free its URL.",
            limit=WORKSPACE_URL_LIMIT,
        ),
        "slug",
    )


@contextmanager
def _provider_locked(provider_id: int):
    """Hold the provider's row lock for the block; roll back (releasing it) when the block raises.

    Workspace URLs are counted per provider, so two additions at once must not both see nine.
    """
    begin_serialized(Organization, provider_id)
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise


def _new_workspace(provider_id: int, customer_id: int | None, slug_input: str | None, by_id: int) -> Workspace:
    """Create a workspace URL for the provider (inside the provider's lock); raises ServiceProviderRefused."""
    slug = normalize_slug(slug_input)
    if db.session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise _taken(slug)
    count = db.session.scalar(select(func.count()).select_from(Workspace).where(Workspace.provider_id == provider_id))
    if count >= WORKSPACE_URL_LIMIT:
        raise _limit_reached()
    workspace = Workspace(provider_id=provider_id, customer_id=customer_id, slug=slug, created_by_id=by_id)
    db.session.add(workspace)
    return workspace


def _commit_or_taken(slug: str | None) -> None:
    """Commit; a unique-index violation means another request took the slug (or made the row) first."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise (
            _taken(slug) if slug else ServiceProviderRefused(gettext("That change was just made by someone else."))
        ) from None


def add_customer_to_domain(domain: IdentityDomain, customer_orgid: str, slug: str | None, by_id: int) -> Workspace:
    """Add a connected customer to one of the provider's domains, giving it a dedicated workspace at `slug`
    unless it has one already (then `slug` is ignored). Raises ServiceProviderRefused; nothing is written then."""
    provider_id, domain_id = domain.organization_id, domain.id
    with _provider_locked(provider_id):
        found = connected_customer(provider_id, (customer_orgid or "").strip())
        if found is None:
            raise ServiceProviderRefused(gettext("Choose one of your connected customers."), "customer")
        customer = found[0]
        workspace = db.session.scalar(
            select(Workspace).where(Workspace.provider_id == provider_id, Workspace.customer_id == customer.id)
        )
        if workspace is None:
            workspace = _new_workspace(provider_id, customer.id, slug, by_id)
            db.session.flush()
        elif db.session.get(WorkspaceDomain, (workspace.id, domain_id)) is not None:
            raise ServiceProviderRefused(
                gettext("%(customer)s is already added to this domain.", customer=customer.name), "customer"
            )
        db.session.add(WorkspaceDomain(workspace_id=workspace.id, domain_id=domain_id, added_by_id=by_id))
        new_slug = workspace.slug
    _commit_or_taken(new_slug)
    return workspace


def remove_customer_from_domain(domain: IdentityDomain, customer: Organization) -> None:
    """Remove the customer from the domain: the domain's users lose its dedicated workspace at once. Its last
    domain gone, the workspace goes too (its URL is free again; the theme is kept)."""
    provider_id, domain_id, customer_id = domain.organization_id, domain.id, customer.id
    with _provider_locked(provider_id):
        workspace = db.session.scalar(
            select(Workspace).where(Workspace.provider_id == provider_id, Workspace.customer_id == customer_id)
        )
        if workspace is not None:
            db.session.execute(
                delete(WorkspaceDomain).where(
                    WorkspaceDomain.workspace_id == workspace.id, WorkspaceDomain.domain_id == domain_id
                )
            )
            remaining = db.session.scalar(
                select(func.count()).select_from(WorkspaceDomain).where(WorkspaceDomain.workspace_id == workspace.id)
            )
            if not remaining:
                db.session.delete(workspace)
    db.session.commit()


def set_shared_workspace(provider_id: int, slug: str | None, by_id: int) -> Workspace:
    """Give the provider its shared workspace URL, or rename it; raises ServiceProviderRefused."""
    with _provider_locked(provider_id):
        shared = db.session.scalar(
            select(Workspace).where(Workspace.provider_id == provider_id, Workspace.customer_id.is_(None))
        )
        if shared is None:
            shared = _new_workspace(provider_id, None, slug, by_id)
        else:
            new_slug = normalize_slug(slug)
            if new_slug != shared.slug:
                if db.session.scalar(select(Workspace.id).where(Workspace.slug == new_slug)) is not None:
                    raise _taken(new_slug)
                shared.slug = new_slug
        chosen = shared.slug
    _commit_or_taken(chosen)
    return shared


@dataclass(frozen=True)
class ThemeChange:
    """A checked theme: its colors, new logos (already verified and re-encoded), and logos to drop."""

    colors: ThemeColors
    logo: uploads.CheckedImage | None = None
    sign_in_logo: uploads.CheckedImage | None = None
    remove_logo: bool = False
    remove_sign_in_logo: bool = False


def save_theme(provider_id: int, customer: Organization, change: ThemeChange, by_id: int) -> WorkspaceTheme:
    """Store the provider's theme for a single-tenant customer: logo files first (under new random names), then
    the row; the replaced files are deleted once the row is committed. Raises ServiceProviderRefused for a
    multi-tenant customer (nothing is written)."""
    if not supports_theming(customer.tenancy):
        raise ServiceProviderRefused(str(MULTI_TENANT_THEMES))
    customer_id = customer.id
    written: list[str] = []
    try:
        with _provider_locked(provider_id):
            theme = db.session.scalar(
                select(WorkspaceTheme).where(
                    WorkspaceTheme.provider_id == provider_id, WorkspaceTheme.customer_id == customer_id
                )
            )
            if theme is None:
                theme = WorkspaceTheme(provider_id=provider_id, customer_id=customer_id)
                db.session.add(theme)
            replaced = []
            for attribute, image, remove in (
                ("logo", change.logo, change.remove_logo),
                ("sign_in_logo", change.sign_in_logo, change.remove_sign_in_logo),
            ):
                if image is not None or remove:
                    replaced.append(getattr(theme, attribute))
                    name = uploads.store(image) if image is not None else None
                    if name:
                        written.append(name)
                    setattr(theme, attribute, name)
            colors = change.colors
            theme.banner_color, theme.banner_text_color = colors.banner, colors.banner_text
            theme.icon_color, theme.accent_color = colors.icon, colors.accent
            theme.updated_at, theme.updated_by_id = utcnow(), by_id
            db.session.commit()
    except BaseException:
        for name in written:
            uploads.discard(name)
        raise
    for name in replaced:
        uploads.discard(name)
    return theme
