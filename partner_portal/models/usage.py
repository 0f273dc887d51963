"""Daily license usage per entitlement, daily bandwidth per entitlement and source, and the
per-user assignments only customers see."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import str_enum
from ..web.i18n import lazy_gettext


class UsageDay(db.Model):
    """One day of aggregated usage for one entitlement."""

    __tablename__ = "usage_day"
    # Every read is "one entitlement, a range of days" (see licensing/series.py). Keeping rows
    # in key order makes those reads touch a few pages instead of one page per day (measured
    # with bench/licensing.py, see migration 0003): a WITHOUT ROWID table on SQLite, a primary
    # key that carries the figures (index-only scans) on PostgreSQL.
    __table_args__ = (
        PrimaryKeyConstraint(
            "entitlement_id",
            "day",
            name="pk_usage_day",
            postgresql_include=["assigned", "newly_assigned", "daily_active", "monthly_active", "peak_concurrent"],
        ),
        {"sqlite_with_rowid": False},
    )

    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlement.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # Licenses assigned at the end of the day (cumulative; reset monthly for monthly-commit).
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    newly_assigned: Mapped[int] = mapped_column(Integer, default=0)
    daily_active: Mapped[int] = mapped_column(Integer, default=0)
    monthly_active: Mapped[int] = mapped_column(Integer, default=0)
    peak_concurrent: Mapped[int | None] = mapped_column(Integer, default=None)


class BandwidthSource(enum.Enum):
    """Where Gateway bandwidth was consumed: the cloud service, or an on-premises site."""

    CLOUD = "cloud"
    ON_PREMISES = "on-premises"

    @property
    def label(self) -> str:
        """The source as the charts name it."""
        return str({"cloud": lazy_gettext("Cloud service"), "on-premises": lazy_gettext("On-premises")}[self.value])


# A cloud row has no site; an on-premises row always names one.
SITE_RULE = "(source = 'cloud' AND site = '') OR (source = 'on-premises' AND site <> '')"


class BandwidthDay(db.Model):
    """One day of bandwidth (whole megabytes) of one bandwidth entitlement from one source.

    Cloud rows have an empty site; on-premises rows name their site, so sites add up to one
    on-premises figure per month while each site's share stays available.
    """

    __tablename__ = "bandwidth_day"
    # Read like usage_day ("one entitlement, a range of days"), so stored in key order the same
    # way: WITHOUT ROWID on SQLite, a primary key carrying the figure on PostgreSQL.
    __table_args__ = (
        PrimaryKeyConstraint(
            "entitlement_id", "day", "source", "site", name="pk_bandwidth_day", postgresql_include=["megabytes"]
        ),
        CheckConstraint(SITE_RULE, name="site"),
        {"sqlite_with_rowid": False},
    )

    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlement.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[BandwidthSource] = mapped_column(str_enum(BandwidthSource, "bandwidth_source"), primary_key=True)
    site: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    megabytes: Mapped[int] = mapped_column(Integer, default=0)


class LicenseAssignment(db.Model):
    """A license held by one user or device. Shown only to the customer's own administrators."""

    __tablename__ = "license_assignment"
    __table_args__ = (UniqueConstraint("entitlement_id", "holder", name="uq_license_assignment_holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlement.id", ondelete="CASCADE"), index=True)
    holder: Mapped[str] = mapped_column(String(254))
    assigned_on: Mapped[date] = mapped_column(Date)
    last_active: Mapped[date | None] = mapped_column(Date, default=None)
