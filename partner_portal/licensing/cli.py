"""flask --app app usage import FILE.csv [--partial] [--batch-size N]"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from .import_outcome import import_checked
from .importer import DEFAULT_BATCH_SIZE, DEFAULT_PROGRESS_EVERY

usage_cli = AppGroup("usage", help="Usage data: import daily license usage and bandwidth from CSV.")


def register(app: Flask) -> None:
    """Attach the `usage` command group to the app's CLI."""
    app.cli.add_command(usage_cli)


def _print_rejected(lines: list[str]) -> None:
    """List the rejected rows on stderr (the first MAX_REPORTED_ERRORS of them, then a count)."""
    for line in lines:
        click.echo(line, err=True)


def _progress(phase: str, rows: int) -> None:
    """Show progress on stderr, leaving stdout for the result."""
    click.echo(f"{phase} {rows:,} rows…", err=True)


@usage_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--partial",
    is_flag=True,
    help="Import the good rows and list the rejected ones (default: import nothing if any row is bad).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Rows written per database round trip.",
)
@click.option(
    "--progress-every",
    type=click.IntRange(0),
    default=DEFAULT_PROGRESS_EVERY,
    show_default=True,
    help="Print a progress line every N rows (0: never).",
)
def import_command(file: str, partial: bool, batch_size: int, progress_every: int):
    """Import daily license usage and bandwidth from FILE (CSV; see docs/usage-import.md). Re-importing a day replaces it."""
    outcome = import_checked(
        file, partial=partial, batch_size=batch_size, progress=_progress, progress_every=progress_every
    )
    if not outcome.imported:
        _print_rejected(outcome.rejected)
        raise click.ClickException(outcome.summary)
    db.session.commit()
    if outcome.rejected:
        click.echo(f"Rejected {outcome.report.rows_rejected:,} rows:", err=True)
        _print_rejected(outcome.rejected)
    click.echo(outcome.summary)
