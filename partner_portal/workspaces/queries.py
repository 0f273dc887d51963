"""Reads for workspace pages: which workspace a slug opens, who may use it, what they see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from ..csp.theme import ThemeColors, saved_colors, supports_theming
from ..extensions import db
from ..models import (
    Connection,
    DirectoryUser,
    IdentityDomain,
    MembershipStatus,
    Organization,
    Program,
    ProgramMembership,
    PublishedResource,
    ResourceLocation,
    Workspace,
    WorkspaceDomain,
    WorkspaceTheme,
)


def serves_as_provider(org_id_column):
    """SQL: the organization holds an active Service Provider membership (web.guards.is_service_provider
    is the same rule for the acting organization)."""
    return exists().where(
        ProgramMembership.organization_id == org_id_column,
        ProgramMembership.program == Program.SERVICE_PROVIDER,
        ProgramMembership.status == MembershipStatus.ACTIVE,
    )


def connected(provider_id_column, customer_id_column):
    """SQL: an active connection joins the provider and the customer."""
    return exists().where(
        Connection.partner_id == provider_id_column,
        Connection.customer_id == customer_id_column,
        Connection.ended_at.is_(None),
    )


@dataclass(frozen=True)
class Site:
    """A workspace as its pages show it."""

    id: int
    slug: str
    provider_id: int
    customer_id: int | None
    provider_name: str
    customer_name: str | None
    colors: ThemeColors
    logo: str | None
    sign_in_logo: str | None

    @property
    def is_shared(self) -> bool:
        """True for a provider's shared workspace (it serves all its customers)."""
        return self.customer_id is None

    @property
    def title(self) -> str:
        """The name the workspace goes by."""
        return self.customer_name or self.provider_name


def open_site(slug: str) -> Site | None:
    """The workspace at `slug` while it is served (its provider is an active Service Provider and, for a
    dedicated workspace, still connected to the customer), with its theme; None otherwise. One query."""
    provider, customer = aliased(Organization), aliased(Organization)
    row = db.session.execute(
        select(Workspace, provider.name, customer.name, customer.tenancy, WorkspaceTheme)
        .join(provider, provider.id == Workspace.provider_id)
        .outerjoin(customer, customer.id == Workspace.customer_id)
        .outerjoin(
            WorkspaceTheme,
            and_(
                WorkspaceTheme.provider_id == Workspace.provider_id, WorkspaceTheme.customer_id == Workspace.customer_id
            ),
        )
        .where(
            Workspace.slug == slug,
            serves_as_provider(Workspace.provider_id),
            or_(Workspace.customer_id.is_(None), connected(Workspace.provider_id, Workspace.customer_id)),
        )
    ).first()
    if row is None:
        return None
    workspace, provider_name, customer_name, tenancy, theme = row
    # A theme shows only while the customer is single-tenant (see csp.theme.supports_theming).
    theme = theme if theme is not None and supports_theming(tenancy) else None
    return Site(
        id=workspace.id,
        slug=workspace.slug,
        provider_id=workspace.provider_id,
        customer_id=workspace.customer_id,
        provider_name=provider_name,
        customer_name=customer_name,
        colors=saved_colors(theme),
        logo=theme.logo if theme else None,
        sign_in_logo=theme.sign_in_logo if theme else None,
    )


def allowed_user(site: Site, user_id: int) -> DirectoryUser | None:
    """The directory user when they may use `site` now, else None.

    A dedicated workspace takes its customer's users from the domains the customer is added to (so
    removing it from a domain shuts that domain's users out at once); the shared workspace takes every
    connected customer's users from any of the provider's domains.
    """
    query = (
        select(DirectoryUser)
        .join(IdentityDomain, IdentityDomain.id == DirectoryUser.domain_id)
        .where(DirectoryUser.id == user_id, IdentityDomain.organization_id == site.provider_id)
    )
    if site.is_shared:
        query = query.where(connected(site.provider_id, DirectoryUser.customer_id))
    else:
        query = query.where(
            DirectoryUser.customer_id == site.customer_id,
            exists().where(
                WorkspaceDomain.workspace_id == site.id, WorkspaceDomain.domain_id == DirectoryUser.domain_id
            ),
        )
    return db.session.scalar(query)


def directory_user_named(sign_in_name: str) -> DirectoryUser | None:
    """The directory user with this sign-in name (any case), if any."""
    return db.session.scalar(select(DirectoryUser).where(DirectoryUser.sign_in_name == sign_in_name.strip().lower()))


def published_for(site: Site, user: DirectoryUser) -> list[PublishedResource]:
    """The apps and desktops the provider publishes to the user's organization, desktops first."""
    return list(
        db.session.scalars(
            select(PublishedResource)
            .join(ResourceLocation, ResourceLocation.id == PublishedResource.resource_location_id)
            .where(
                ResourceLocation.organization_id == site.provider_id, PublishedResource.customer_id == user.customer_id
            )
            .order_by(PublishedResource.kind.desc(), PublishedResource.name)
        )
    )
