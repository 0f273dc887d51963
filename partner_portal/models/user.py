"""People who sign in, and their administrator roles in organizations."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .organization import Organization
from .types import CodeSet, UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class Access(enum.Enum):
    """Full access grants everything; custom access grants the listed permissions."""

    FULL = "full"
    CUSTOM = "custom"


class Permission(enum.Enum):
    """Permissions a custom-access administrator may hold."""

    CUSTOMER_DASHBOARD = "customer-dashboard"
    LICENSING = "licensing"
    NOTIFICATIONS = "notifications"
    SUPPORT = "support"
    DOMAINS = "domains"
    WORKSPACE_CONFIGURATION = "workspace-configuration"

    @property
    def label(self) -> str:
        """The permission's name on screen, in the current language."""
        return str(PERMISSION_LABELS[self])

    @property
    def lazy_label(self):
        """The name, translated when shown (for choices built at import time)."""
        return PERMISSION_LABELS[self]


PERMISSION_LABELS = {
    Permission.CUSTOMER_DASHBOARD: lazy_gettext("Customer Dashboard (View Only)"),
    Permission.LICENSING: lazy_gettext("Licensing"),
    Permission.NOTIFICATIONS: lazy_gettext("Notifications"),
    Permission.SUPPORT: lazy_gettext("Support Tickets"),
    Permission.DOMAINS: lazy_gettext("Domains"),
    Permission.WORKSPACE_CONFIGURATION: lazy_gettext("Workspace Configuration"),
}


class User(UserMixin, db.Model):
    """A person who signs in with email and password."""

    __tablename__ = "user_account"
    # Emails are unique whatever their case: the index is on lower(email).
    __table_args__ = (Index("uq_user_account_email_lower", func.lower("email"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    # None until the person sets a password (accounts created by a partner start that way).
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    # Bumped on password change, which spends every reset link issued before it.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Two-factor sign-in (auth/two_factor.py). The TOTP secret is stored encrypted (a Fernet
    # token under a key derived from SECRET_KEY); it is pending until totp_enabled_at is set.
    totp_secret: Mapped[str | None] = mapped_column(String(255), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The time step of the last code accepted: a code of that step or an earlier one is refused.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)
    # Changes (to a new random value, by database triggers: migration 0012) whenever this person's
    # administrator roles, those organizations or their programs change; workers keep the page
    # frame's data under it (web/tenancy.py).
    frame_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The language chosen in Account Settings ("en", "de"); None follows the browser (web/i18n.py).
    locale: Mapped[str | None] = mapped_column(String(8), default=None)

    administrators: Mapped[list[Administrator]] = relationship(
        back_populates="user",
        lazy="raise",
        cascade="all, delete-orphan",
        foreign_keys="Administrator.user_id",
    )

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        """Keep emails trimmed; case is preserved for display, uniqueness ignores it."""
        return value.strip()

    @property
    def has_two_factor(self) -> bool:
        """True when signing in asks for a code after the password."""
        return self.totp_enabled_at is not None

    # Not columns: the session record this object was signed in through, set per request by
    # attach_session (at sign-in, or by the user loader).
    session_id = None
    session_expires_at = None
    _session_secret = None

    def attach_session(self, session_id: int, secret: str, expires_at: datetime | None = None) -> None:
        """Mark this user as signed in through the session record `session_id` (secret: its cookie
        value; expires_at: when the record stops signing in)."""
        self.session_id = session_id
        self.session_expires_at = expires_at
        self._session_secret = secret

    def get_id(self) -> str:
        """Flask-Login identity (kept in the session and remember cookies): the session record's secret.

        A user object not signed in through a record gets an identity no record matches, so a
        forgotten attach_session signs nobody in.
        """
        return self._session_secret or f"no-session:{self.id}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Administrator(db.Model):
    """User × organization with full or custom access."""

    __tablename__ = "administrator"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", name="uq_administrator_user_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    access: Mapped[Access] = mapped_column(str_enum(Access, "access"), default=Access.FULL)
    permissions: Mapped[frozenset[str]] = mapped_column(CodeSet(), default=frozenset)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    # Set when the access was granted through a partner connection (the partner's user who used
    # Add a customer): ending that connection ends this access in the same transaction.
    via_connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connection.id", ondelete="CASCADE"), default=None, index=True
    )

    user: Mapped[User] = relationship(back_populates="administrators", lazy="raise", foreign_keys=[user_id])
    organization: Mapped[Organization] = relationship(lazy="raise")

    @property
    def is_via_partner(self) -> bool:
        """True when the access comes from a partner connection, not from the organization itself."""
        return self.via_connection_id is not None

    @property
    def is_full(self) -> bool:
        """True for full access."""
        return self.access is Access.FULL

    def can(self, permission: Permission) -> bool:
        """True when this administrator holds the permission (full access holds all)."""
        return self.is_full or permission.value in self.permissions

    @property
    def permission_labels(self) -> list[str]:
        """Labels of the custom permissions, in the catalogue's order."""
        return [p.label for p in Permission if p.value in self.permissions]


class AdministratorInvitation(db.Model):
    """An offer to an existing user to become an administrator; nothing changes until they accept."""

    __tablename__ = "administrator_invitation"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", name="uq_administrator_invitation_org_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    access: Mapped[Access] = mapped_column(str_enum(Access, "invitation_access"), default=Access.CUSTOM)
    permissions: Mapped[frozenset[str]] = mapped_column(CodeSet(), default=frozenset)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    # Sent by an administrator whose access came through a partner connection: the access it
    # offers comes from that connection too, and the offer ends with it.
    via_connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connection.id", ondelete="CASCADE"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])

    @property
    def is_full(self) -> bool:
        """True when the invitation offers full access."""
        return self.access is Access.FULL
