"""Server-side records of signed-in sessions: signing out ends one, so its cookies stop working."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..web.i18n import gettext
from .types import UTCDateTime, utcnow


def token_hash(secret: str) -> str:
    """The stored form of a session secret: a leaked table opens no session."""
    return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(db.Model):
    """One signed-in browser: live until signed out, ended by a password change, or expired."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random secret the cookies carry; every request looks the session up by it.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    client_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Refreshed at most once a minute (see auth.services.touch_session), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def device(self) -> str:
        """A short description of the browser and system, e.g. "Firefox on Windows"."""
        return device_summary(self.user_agent)


# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_TOOL = re.compile(r"^([A-Za-z][\w.-]{0,30})/")


def device_summary(user_agent: str) -> str:
    """Name the browser and system in a user-agent string (in the current language); "Unknown device"
    when it says nothing known."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or system
    tool = _TOOL.match(user_agent)
    return tool.group(1) if tool else gettext("Unknown device")
