"""Judging a usage import the way `flask usage import` does, for the command and for the
operators' upload: all or nothing unless partial, and the same messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..extensions import db
from .importer import ImportReport, UsageImportError, import_usage


@dataclass
class ImportOutcome:
    """Whether rows were imported (they wait in the session for the caller's commit), the summary
    line, and the rejected rows as "line N: reason"."""

    imported: bool
    summary: str
    rejected: list[str] = field(default_factory=list)
    report: ImportReport | None = None


def _rejected_lines(report: ImportReport) -> list[str]:
    """The rejected rows as the command lists them (the first MAX_REPORTED_ERRORS, then a count)."""
    lines = [str(error) for error in report.errors]
    if report.errors_not_listed:
        lines.append(f"… and {report.errors_not_listed:,} more rejected rows not listed.")
    return lines


def import_checked(source, *, partial: bool = False, **options) -> ImportOutcome:
    """Run import_usage(source, partial=..., **options) and judge its report: a problem with the
    whole file, or any bad row without `partial`, rolls the session back (nothing written);
    otherwise the rows stay in the session and the caller commits them."""
    try:
        report = import_usage(source, partial=partial, **options)
    except UsageImportError as error:
        db.session.rollback()
        return ImportOutcome(False, str(error))
    except Exception:
        db.session.rollback()
        raise
    if report.fatal is not None:
        db.session.rollback()
        return ImportOutcome(False, f"{report.fatal}. Nothing was imported.", report=report)
    rejected = _rejected_lines(report)
    if not partial and not report.ok:
        db.session.rollback()
        return ImportOutcome(
            False,
            f"Nothing was imported: {report.rows_rejected:,} of {report.rows_read:,} rows "
            "are bad. Fix them, or run with --partial to import the good rows only.",
            rejected,
            report,
        )
    touched = report.entitlements_touched
    return ImportOutcome(
        True,
        f"Imported {report.rows_imported:,} rows for {touched:,} "
        f"entitlement{'s' if touched != 1 else ''}"
        + (f"; rejected {report.rows_rejected:,}." if report.rows_rejected else "."),
        rejected,
        report,
    )
