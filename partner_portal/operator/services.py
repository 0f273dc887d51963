"""Usage imports started from an uploaded file: recorded, then run by a background job through
the same import and judgement as `flask usage import`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from .. import jobs
from ..database import begin_serialized
from ..extensions import db
from ..licensing.import_outcome import ImportOutcome, import_checked
from ..models import ImportStatus, UsageImport, User, utcnow

UPLOAD_FOLDER = "uploads"
PROGRESS_EVERY = 10_000


def upload_folder() -> Path:
    """Where uploaded usage files wait for their job: instance/uploads (shared storage when jobs
    run on other hosts)."""
    return Path(current_app.instance_path) / UPLOAD_FOLDER


def queue_usage_import(path: Path, filename: str, size: int, partial: bool, by: User) -> UsageImport:
    """Record an uploaded file and have a background job import it once this commits."""
    record = UsageImport(
        filename=filename, stored_name=path.name, size_bytes=size, partial=partial, uploaded_by_id=by.id
    )
    db.session.add(record)
    db.session.flush()
    jobs.enqueue_after_commit(run_usage_import.s(record.id))
    db.session.commit()
    return record


def progress_path(stored_name: str) -> Path:
    """The small file a running import writes its progress to (next to the upload)."""
    return upload_folder() / f"{stored_name}.progress"


def read_progress(stored_name: str) -> dict | None:
    """The last progress a running import wrote ({"phase": ..., "rows": ...}), if any."""
    try:
        return json.loads(progress_path(stored_name).read_text())
    except (OSError, ValueError):
        return None


def _progress_writer(stored_name: str):
    """A progress callback for import_usage that replaces the progress file atomically.

    Progress goes to a file, not the database: the import holds its transaction (and on SQLite
    the write lock) until it ends, so a progress row would not be visible, or not writable."""
    target = progress_path(stored_name)

    def write(phase: str, rows: int) -> None:
        partial = target.with_suffix(".tmp")
        partial.write_text(json.dumps({"phase": phase, "rows": rows}))
        os.replace(partial, target)

    return write


@jobs.task()
def run_usage_import(import_id: int) -> None:
    """Import one uploaded file. Safe to run twice: only the run that moves it from queued to
    running does the work."""
    claimed = db.session.execute(
        update(UsageImport)
        .where(UsageImport.id == import_id, UsageImport.status == ImportStatus.QUEUED)
        .values(status=ImportStatus.RUNNING, started_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return
    # On SQLite the import takes the write lock from its first statement: a transaction that
    # reads for a while and then writes fails outright if any other connection wrote meanwhile.
    begin_serialized(UsageImport, import_id)
    record = db.session.get(UsageImport, import_id)
    stored_name, partial = record.stored_name, record.partial
    path = upload_folder() / stored_name
    try:
        outcome = (
            import_checked(
                str(path), partial=partial, progress=_progress_writer(stored_name), progress_every=PROGRESS_EVERY
            )
            if path.exists()
            else ImportOutcome(False, "The uploaded file is gone (removed from the server); upload it again.")
        )
    except Exception:
        current_app.logger.exception("Usage import %s failed", import_id)
        db.session.rollback()
        outcome = ImportOutcome(
            False, "The import stopped on an unexpected error (logged on the server). Nothing was imported."
        )
    _finish(import_id, outcome)
    path.unlink(missing_ok=True)
    progress_path(stored_name).unlink(missing_ok=True)


def _finish(import_id: int, outcome: ImportOutcome) -> None:
    """Write the import's report, in the transaction that commits its rows (if any)."""
    if not outcome.imported:
        begin_serialized(UsageImport, import_id)  # the import rolled back: a fresh write transaction
    record = db.session.get(UsageImport, import_id)
    report = outcome.report
    record.status = ImportStatus.IMPORTED if outcome.imported else ImportStatus.REFUSED
    record.finished_at = utcnow()
    record.summary = outcome.summary[:500]
    record.rejected = "\n".join(outcome.rejected)
    if report is not None:
        record.rows_read, record.rows_imported, record.rows_rejected = (
            report.rows_read,
            report.rows_imported,
            report.rows_rejected,
        )
    db.session.commit()
