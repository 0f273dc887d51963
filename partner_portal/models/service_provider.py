"""Service-provider infrastructure: resource locations, identity domains and their directory users,
workspaces (a provider's shared one and its customers' dedicated ones), the domains a customer is
added to, published apps and desktops, and workspace themes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class ResourceLocation(db.Model):
    """Where a service provider runs its connectors and hosts apps and desktops."""

    __tablename__ = "resource_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))


class IdentityDomain(db.Model):
    """A directory domain (e.g. corp.example) attached to a provider's resource location."""

    __tablename__ = "identity_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The resource location's organization, kept here so a domain is scoped by one column.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    resource_location_id: Mapped[int] = mapped_column(
        ForeignKey("resource_location.id", ondelete="CASCADE"), index=True
    )
    # A DNS name belongs to one directory, so it is unique across providers.
    name: Mapped[str] = mapped_column(String(253), unique=True)


class DirectoryUser(db.Model):
    """A person in a provider's domain, working for one of its customers. Signs in to workspaces
    only (never to the portal), with a password of the domain."""

    __tablename__ = "directory_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("identity_domain.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    # user@<domain name>; kept lower-case so the unique constraint ignores case.
    sign_in_name: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)

    @validates("sign_in_name")
    def _lower(self, key: str, value: str) -> str:
        """Sign-in names compare without case."""
        return value.strip().lower()


class Workspace(db.Model):
    """A workspace URL of a provider: its shared workspace (no customer) or a customer's dedicated one."""

    __tablename__ = "workspace"
    __table_args__ = (
        UniqueConstraint("provider_id", "customer_id", name="uq_workspace_provider_customer"),
        # One shared workspace per provider (the constraint above lets NULL customers repeat).
        Index(
            "uq_workspace_shared",
            "provider_id",
            unique=True,
            sqlite_where=text("customer_id IS NULL"),
            postgresql_where=text("customer_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraints, which lead with it.
    provider_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), default=None)
    # The first label of the workspace's host name, unique across the whole portal.
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)

    @property
    def is_shared(self) -> bool:
        """True for the provider's shared workspace."""
        return self.customer_id is None


class WorkspaceDomain(db.Model):
    """A customer added to a federated domain: the domain's users of that customer may sign in to
    the customer's dedicated workspace. Deleting the row revokes that at once."""

    __tablename__ = "workspace_domain"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("identity_domain.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)


class ResourceKind(enum.Enum):
    """What a workspace tile opens."""

    APP = "app"
    DESKTOP = "desktop"

    @property
    def label(self) -> str:
        """'App' or 'Desktop', in the current language."""
        return str({"app": lazy_gettext("App"), "desktop": lazy_gettext("Desktop")}[self.value])


class PublishedResource(db.Model):
    """An app or desktop a provider publishes, from one of its resource locations, to a customer's users."""

    __tablename__ = "published_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_location_id: Mapped[int] = mapped_column(
        ForeignKey("resource_location.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ResourceKind] = mapped_column(str_enum(ResourceKind, "resource_kind"), default=ResourceKind.APP)

    @property
    def is_desktop(self) -> bool:
        """True for a desktop, False for an app."""
        return self.kind is ResourceKind.DESKTOP


class WorkspaceTheme(db.Model):
    """A single-tenant customer's workspace appearance, set by its service provider.

    Kept apart from the workspace, so removing the customer from its last domain (which frees its
    URL) does not lose the theme.
    """

    __tablename__ = "workspace_theme"
    __table_args__ = (UniqueConstraint("provider_id", "customer_id", name="uq_workspace_theme_provider_customer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    # #rrggbb, lower-case (checked by csp.theme before it gets here).
    banner_color: Mapped[str] = mapped_column(String(7))
    banner_text_color: Mapped[str] = mapped_column(String(7))
    icon_color: Mapped[str] = mapped_column(String(7))
    accent_color: Mapped[str] = mapped_column(String(7))
    # Random file names under instance/workspace-logos (see csp.uploads).
    logo: Mapped[str | None] = mapped_column(String(40), default=None)
    sign_in_logo: Mapped[str | None] = mapped_column(String(40), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
