"""The demo world's service-provider part: resource locations, federated domains with directory users,
workspaces, published apps and desktops, and a themed single-tenant customer."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from ..auth.passwords import hash_password
from ..extensions import db
from ..models import (
    Connection,
    DirectoryUser,
    IdentityDomain,
    Organization,
    PublishedResource,
    ResourceKind,
    ResourceLocation,
    Tenancy,
    Workspace,
    WorkspaceDomain,
    WorkspaceTheme,
)
from . import uploads

WORKSPACE_SIGN_IN = (
    "workspace user of the demo partner's federated domain (signs in at /workspace/fabrikam)",
    "workspace@demo.example",
    "demo-workspace",
)

_APPS = {
    "fabrikam": [
        ("Clinical desktop", ResourceKind.DESKTOP),
        ("Patient records", ResourceKind.APP),
        ("Scheduling", ResourceKind.APP),
        ("Mail", ResourceKind.APP),
    ],
    "themed": [("Office desktop", ResourceKind.DESKTOP), ("Accounting", ResourceKind.APP), ("Mail", ResourceKind.APP)],
    "shared": [("Hosted desktop", ResourceKind.DESKTOP), ("Mail", ResourceKind.APP)],
}


def slug_for(name: str) -> str:
    """A workspace URL name made from an organization name ('Alder Health' -> 'alder-health')."""
    words = "".join(ch if ch.isalnum() else " " for ch in name.lower()).split()
    return "-".join(words)[:63].strip("-")


def _logo(text: str, size: tuple[int, int], background: str, foreground: str) -> uploads.CheckedImage:
    """A simple generated logo, checked and re-encoded like any upload."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size[1] // 3)
    draw.ellipse((size[1] // 6, size[1] // 6, size[1] * 5 // 6, size[1] * 5 // 6), fill=foreground)
    draw.text((size[1], size[1] // 2), text, fill=foreground, font=font, anchor="lm")
    data = io.BytesIO()
    image.save(data, "PNG")
    data.seek(0)
    spec = uploads.LogoSpec(*size)
    return uploads.check_logo(data, spec)


def build_workspaces(provider: Organization, fabrikam: Organization) -> None:
    """Give the demo provider its resource locations and domains, add Fabrikam Health (slug `fabrikam`, with
    the documented workspace user) and two more customers to a domain, and theme a single-tenant one."""
    others = list(
        db.session.scalars(
            select(Organization)
            .join(Connection, Connection.customer_id == Organization.id)
            .where(Connection.partner_id == provider.id, Connection.ended_at.is_(None), Organization.id != fabrikam.id)
            .order_by(Organization.name)
        )
    )
    themed = next(org for org in others if org.tenancy is Tenancy.SINGLE)
    shared_tenant = next(org for org in others if org.tenancy is Tenancy.MULTI)

    east = ResourceLocation(organization_id=provider.id, name="East datacenter")
    west = ResourceLocation(organization_id=provider.id, name="West datacenter")
    db.session.add_all([east, west])
    db.session.flush()
    demo_domain = IdentityDomain(organization_id=provider.id, resource_location_id=east.id, name="demo.example")
    corp = IdentityDomain(organization_id=provider.id, resource_location_id=east.id, name="corp.northwind.example")
    west_domain = IdentityDomain(
        organization_id=provider.id, resource_location_id=west.id, name="west.northwind.example"
    )
    db.session.add_all([demo_domain, corp, west_domain])
    db.session.flush()

    _who, email, password = WORKSPACE_SIGN_IN
    db.session.add(
        DirectoryUser(
            domain_id=demo_domain.id,
            customer_id=fabrikam.id,
            sign_in_name=email,
            display_name="Wren Workspace",
            password_hash=hash_password(password),
        )
    )
    # Directory users without a password: they fill the domains' user counts and never sign in.
    for domain, customer, names in [
        (demo_domain, fabrikam, ["nurse.station", "front.desk"]),
        (demo_domain, shared_tenant, ["ops", "reception"]),
        (corp, themed, ["finance", "it.support", "ceo.office"]),
        (west_domain, shared_tenant, ["night.shift"]),
    ]:
        db.session.add_all(
            DirectoryUser(
                domain_id=domain.id,
                customer_id=customer.id,
                sign_in_name=f"{name}.{slug_for(customer.name)}@{domain.name}",
                display_name=name.replace(".", " ").title(),
            )
            for name in names
        )

    shared = Workspace(provider_id=provider.id, slug=slug_for(provider.name.split()[0]))
    db.session.add(shared)
    for customer, slug, domains in [
        (fabrikam, "fabrikam", [demo_domain]),
        (themed, slug_for(themed.name), [corp]),
        (shared_tenant, slug_for(shared_tenant.name), [demo_domain, west_domain]),
    ]:
        workspace = Workspace(provider_id=provider.id, customer_id=customer.id, slug=slug)
        db.session.add(workspace)
        db.session.flush()
        db.session.add_all(WorkspaceDomain(workspace_id=workspace.id, domain_id=domain.id) for domain in domains)

    for key, customer in [("fabrikam", fabrikam), ("themed", themed), ("shared", shared_tenant)]:
        db.session.add_all(
            PublishedResource(resource_location_id=east.id, customer_id=customer.id, name=name, kind=kind)
            for name, kind in _APPS[key]
        )

    initials = "".join(word[0] for word in themed.name.split()[:2]).upper()
    db.session.add(
        WorkspaceTheme(
            provider_id=provider.id,
            customer_id=themed.id,
            banner_color="#1f4d3a",
            banner_text_color="#f4f1de",
            icon_color="#2a9d8f",
            accent_color="#e76f51",
            sign_in_logo=uploads.store(_logo(f"{initials} {themed.name}", (480, 120), "#ffffff", "#1f4d3a")),
            logo=uploads.store(_logo(initials, (340, 80), "#1f4d3a", "#f4f1de")),
        )
    )
    db.session.flush()
