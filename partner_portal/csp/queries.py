"""Reads for the service-provider pages: Federated Domains and Workspace Appearance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from ..extensions import db
from ..models import (
    Connection,
    DirectoryUser,
    IdentityDomain,
    Organization,
    ResourceLocation,
    Tenancy,
    Workspace,
    WorkspaceDomain,
    WorkspaceTheme,
)
from ..workspaces.queries import connected
from .theme import supports_theming

WORKSPACE_URL_LIMIT = 10


@dataclass(frozen=True)
class Member:
    """A customer added to a domain, with its dedicated workspace."""

    name: str
    orgid: str
    tenancy: Tenancy
    slug: str
    is_connected: bool


@dataclass(frozen=True)
class Candidate:
    """A connected customer that can be added to a domain (with its dedicated workspace, if it has one)."""

    name: str
    orgid: str
    slug: str | None


@dataclass
class DomainRow:
    """One identity domain, its users and the customers added to it."""

    id: int
    name: str
    user_count: int = 0
    members: list[Member] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class LocationRow:
    """One resource location and its domains."""

    name: str
    domains: list[DomainRow] = field(default_factory=list)


@dataclass(frozen=True)
class FederationPage:
    """Everything the Federated Domains page shows."""

    locations: list[LocationRow]
    shared_slug: str | None
    url_count: int
    url_limit: int = WORKSPACE_URL_LIMIT

    @property
    def at_url_limit(self) -> bool:
        """True when no further workspace URL can be made."""
        return self.url_count >= self.url_limit


def federated_domains(provider_id: int) -> FederationPage:
    """Resource locations, their domains with user counts, the customers added to each, the connected
    customers that can be added, and the provider's workspace URLs: five queries whatever the counts."""
    locations: dict[int, LocationRow] = {}
    domains: dict[int, DomainRow] = {}
    for location, domain in db.session.execute(
        select(ResourceLocation, IdentityDomain)
        .outerjoin(IdentityDomain, IdentityDomain.resource_location_id == ResourceLocation.id)
        .where(ResourceLocation.organization_id == provider_id)
        .order_by(ResourceLocation.name, ResourceLocation.id, IdentityDomain.name)
    ):
        row = locations.setdefault(location.id, LocationRow(location.name))
        if domain is not None:
            domains[domain.id] = DomainRow(domain.id, domain.name)
            row.domains.append(domains[domain.id])
    for domain_id, users in db.session.execute(
        select(DirectoryUser.domain_id, func.count())
        .join(IdentityDomain, IdentityDomain.id == DirectoryUser.domain_id)
        .where(IdentityDomain.organization_id == provider_id)
        .group_by(DirectoryUser.domain_id)
    ):
        domains[domain_id].user_count = users
    added: dict[int, set[str]] = defaultdict(set)
    for domain_id, name, orgid, tenancy, slug, is_connected in db.session.execute(
        select(
            WorkspaceDomain.domain_id,
            Organization.name,
            Organization.orgid,
            Organization.tenancy,
            Workspace.slug,
            connected(Workspace.provider_id, Workspace.customer_id),
        )
        .join(Workspace, Workspace.id == WorkspaceDomain.workspace_id)
        .join(Organization, Organization.id == Workspace.customer_id)
        .where(Workspace.provider_id == provider_id)
        .order_by(Organization.name)
    ):
        domains[domain_id].members.append(Member(name, orgid, tenancy, slug, is_connected))
        added[domain_id].add(orgid)
    customers = [
        Candidate(*row)
        for row in db.session.execute(
            select(Organization.name, Organization.orgid, Workspace.slug)
            .join(
                Connection,
                and_(
                    Connection.customer_id == Organization.id,
                    Connection.partner_id == provider_id,
                    Connection.ended_at.is_(None),
                ),
            )
            .outerjoin(Workspace, and_(Workspace.provider_id == provider_id, Workspace.customer_id == Organization.id))
            .order_by(Organization.name)
        )
    ]
    for domain in domains.values():
        domain.candidates = [c for c in customers if c.orgid not in added[domain.id]]
    workspaces = db.session.execute(
        select(Workspace.slug, Workspace.customer_id).where(Workspace.provider_id == provider_id)
    ).all()
    shared = next((slug for slug, customer_id in workspaces if customer_id is None), None)
    return FederationPage(list(locations.values()), shared, len(workspaces))


def domain_member(domain_id: int, orgid: str) -> tuple[Organization, str] | None:
    """The customer with `orgid` added to the domain, with its workspace slug; None when it is not added."""
    row = db.session.execute(
        select(Organization, Workspace.slug)
        .join(Workspace, Workspace.customer_id == Organization.id)
        .join(WorkspaceDomain, WorkspaceDomain.workspace_id == Workspace.id)
        .join(IdentityDomain, IdentityDomain.id == WorkspaceDomain.domain_id)
        .where(
            WorkspaceDomain.domain_id == domain_id,
            Organization.orgid == orgid,
            Workspace.provider_id == IdentityDomain.organization_id,
        )
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class AppearanceRow:
    """A connected customer on the Workspace Appearance list."""

    name: str
    orgid: str
    tenancy: Tenancy
    slug: str | None
    has_theme: bool

    @property
    def can_theme(self) -> bool:
        """True when the customer's workspace can take a theme (single-tenant)."""
        return supports_theming(self.tenancy)


def appearance_rows(provider_id: int) -> list[AppearanceRow]:
    """Every connected customer with its dedicated workspace and whether it has a theme: one query."""
    return [
        AppearanceRow(*row)
        for row in db.session.execute(
            select(
                Organization.name,
                Organization.orgid,
                Organization.tenancy,
                Workspace.slug,
                WorkspaceTheme.id.is_not(None),
            )
            .join(
                Connection,
                and_(
                    Connection.customer_id == Organization.id,
                    Connection.partner_id == provider_id,
                    Connection.ended_at.is_(None),
                ),
            )
            .outerjoin(Workspace, and_(Workspace.provider_id == provider_id, Workspace.customer_id == Organization.id))
            .outerjoin(
                WorkspaceTheme,
                and_(WorkspaceTheme.provider_id == provider_id, WorkspaceTheme.customer_id == Organization.id),
            )
            .order_by(Organization.name)
        )
    ]


def customer_theme(provider_id: int, customer_id: int) -> tuple[WorkspaceTheme | None, str | None]:
    """The provider's theme for the customer (None for the default) and the customer's dedicated
    workspace slug (None without one): one query."""
    row = db.session.execute(
        select(Organization.id, WorkspaceTheme, Workspace.slug)
        .outerjoin(
            WorkspaceTheme,
            and_(WorkspaceTheme.provider_id == provider_id, WorkspaceTheme.customer_id == Organization.id),
        )
        .outerjoin(Workspace, and_(Workspace.provider_id == provider_id, Workspace.customer_id == Organization.id))
        .where(Organization.id == customer_id)
    ).first()
    return (row[1], row[2]) if row else (None, None)
