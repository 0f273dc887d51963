"""API tokens: named bearer credentials an administrator creates for scripts, scoped to one
organization and to a subset of their own permissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import CodeSet, UTCDateTime, str_enum, utcnow
from .user import Access, Permission


class ApiToken(db.Model):
    """A bearer token: only its SHA-256 is stored (the secret is shown once, at creation); the short
    prefix is kept in clear so people can tell their tokens apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for an operator's token: customer service administers no organization, and such a token
    # reaches the operator routes only (usage imports, program memberships).
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True, default=None
    )
    # The administrator who created it: the token acts as them, never with more than they hold now.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access: Mapped[Access] = mapped_column(str_enum(Access, "api_token_access"), default=Access.CUSTOM)
    permissions: Mapped[frozenset[str]] = mapped_column(CodeSet(), default=frozenset)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)

    @property
    def is_full(self) -> bool:
        """True for a full-access token."""
        return self.access is Access.FULL

    @property
    def for_operator(self) -> bool:
        """True for a customer-service operator's token (no organization)."""
        return self.organization_id is None

    def is_live(self, now: datetime) -> bool:
        """True when neither revoked nor expired at `now`."""
        return self.revoked_at is None and self.expires_at > now

    @property
    def permission_labels(self) -> list[str]:
        """Labels of the custom permissions, in the catalogue's order."""
        return [p.label for p in Permission if p.value in self.permissions]
