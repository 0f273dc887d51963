"""flask --app app activity purge"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..models import utcnow
from .services import PURGE_BATCH, purge_expired, retention_cutoff

activity_cli = AppGroup("activity", help="The activity log: purge entries past retention.")


def register(app: Flask) -> None:
    """Attach the `activity` command group to the app's CLI."""
    app.cli.add_command(activity_cli)


@activity_cli.command("purge")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=PURGE_BATCH,
    show_default=True,
    help="Entries deleted per transaction.",
)
def purge_command(batch_size: int):
    """Delete activity-log entries older than ACTIVITY_RETENTION_DAYS (90 by default)."""
    now = utcnow()
    cutoff = retention_cutoff(now)
    purged = purge_expired(now, batch_size=batch_size)
    click.echo(
        f"Purged {purged:,} activity-log entr{'y' if purged == 1 else 'ies'} from before "
        f"{cutoff.isoformat(timespec='minutes')}."
    )
