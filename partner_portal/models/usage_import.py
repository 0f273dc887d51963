"""Usage imports an operator started by uploading a CSV file; run by a background job."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow
from ..web.i18n import lazy_gettext


class ImportStatus(enum.Enum):
    """Queued, running, then imported (rows written) or refused (nothing written)."""

    QUEUED = "queued"
    RUNNING = "running"
    IMPORTED = "imported"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        """The status as shown, in the current language."""
        return str(
            {
                "queued": lazy_gettext("Queued"),
                "running": lazy_gettext("Running"),
                "imported": lazy_gettext("Imported"),
                "refused": lazy_gettext("Refused"),
            }[self.value]
        )

    @property
    def is_finished(self) -> bool:
        """True once the job has written its report."""
        return self in (ImportStatus.IMPORTED, ImportStatus.REFUSED)


class UsageImport(db.Model):
    """One uploaded file and what its import reported (the same report as the command's)."""

    __tablename__ = "usage_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    # The file under instance/uploads/ while it waits and runs (removed once finished).
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus, "import_status"), default=ImportStatus.QUEUED)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(String(500), default="")
    # The rejected rows, one "line N: reason" per line, as the command prints them.
    rejected: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_waiting(self) -> bool:
        """True until a job picks the import up."""
        return self.status is ImportStatus.QUEUED

    @property
    def succeeded(self) -> bool:
        """True when the rows were imported."""
        return self.status is ImportStatus.IMPORTED
