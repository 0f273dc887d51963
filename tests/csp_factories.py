"""Factories for service-provider data: domains, directory users, workspaces, and image files."""
from __future__ import annotations

import io
import itertools

from PIL import Image

from partner_portal.extensions import db
from partner_portal.models import (
    DirectoryUser, IdentityDomain, Organization, Program, PublishedResource, ResourceKind, ResourceLocation,
    Workspace, WorkspaceDomain,
)

from .conftest import TEST_PASSWORD
from .factories import _hash, connect, make_org, make_partner

_seq = itertools.count(1)


def make_provider(name: str | None = None, **kwargs) -> Organization:
    """A partner with an active Service Provider membership."""
    kwargs.setdefault("programs", [Program.SERVICE_PROVIDER])
    return make_partner(name or f"Provider {next(_seq)}", **kwargs)


def make_domain(provider: Organization, name: str | None = None, location: ResourceLocation | None = None) -> IdentityDomain:
    """An identity domain of the provider (in a new resource location unless one is given)."""
    if location is None:
        location = ResourceLocation(organization_id=provider.id, name=f"Location {next(_seq)}")
        db.session.add(location)
        db.session.flush()
    domain = IdentityDomain(organization_id=provider.id, resource_location_id=location.id,
                            name=name or f"d{next(_seq)}.example")
    db.session.add(domain)
    db.session.flush()
    return domain


def make_directory_user(domain: IdentityDomain, customer: Organization, name: str | None = None,
                        password: str | None = TEST_PASSWORD) -> DirectoryUser:
    """A directory user of `customer` in `domain` (sign-in name name@domain)."""
    user = DirectoryUser(domain_id=domain.id, customer_id=customer.id,
                         sign_in_name=f"{name or f'user{next(_seq)}'}@{domain.name}", display_name="Dee Rectory",
                         password_hash=_hash(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def add_to_domain(domain: IdentityDomain, customer: Organization, slug: str | None = None) -> Workspace:
    """Add the customer to the domain (rows written directly), with its dedicated workspace."""
    workspace = db.session.query(Workspace).filter_by(provider_id=domain.organization_id,
                                                      customer_id=customer.id).one_or_none()
    if workspace is None:
        workspace = Workspace(provider_id=domain.organization_id, customer_id=customer.id,
                              slug=slug or f"ws{next(_seq)}")
        db.session.add(workspace)
        db.session.flush()
    db.session.add(WorkspaceDomain(workspace_id=workspace.id, domain_id=domain.id))
    db.session.flush()
    return workspace


def make_shared_workspace(provider: Organization, slug: str | None = None) -> Workspace:
    """The provider's shared workspace."""
    workspace = Workspace(provider_id=provider.id, slug=slug or f"shared{next(_seq)}")
    db.session.add(workspace)
    db.session.flush()
    return workspace


def publish(domain: IdentityDomain, customer: Organization, name: str, kind: ResourceKind = ResourceKind.APP) -> None:
    """Publish an app or desktop to the customer from the domain's resource location."""
    db.session.add(PublishedResource(resource_location_id=domain.resource_location_id, customer_id=customer.id,
                                     name=name, kind=kind))
    db.session.flush()


def federated_world(slug: str = "fabrikam"):
    """A provider, a connected single-tenant customer added to a domain at `slug`, and one of the customer's
    directory users who can sign in; returns (provider, customer, domain, user, workspace)."""
    provider = make_provider()
    customer = make_org("Fabrikam Health")
    connect(provider, customer)
    domain = make_domain(provider)
    user = make_directory_user(domain, customer, "wren")
    workspace = add_to_domain(domain, customer, slug)
    return provider, customer, domain, user, workspace


def image_bytes(size: tuple[int, int] = (200, 50), fmt: str = "PNG", mode: str = "RGB", **save) -> bytes:
    """An image file in memory."""
    data = io.BytesIO()
    Image.new(mode, size, "#336699" if mode != "P" else 3).save(data, fmt, **save)
    return data.getvalue()
