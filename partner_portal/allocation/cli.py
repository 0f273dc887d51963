"""flask --app app allocations complete [ID ...] | fail ID --reason TEXT"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .services import AllocationRefused, complete_processing, finish_allocation

allocations_cli = AppGroup("allocations", help="License allocations: complete or fail processing ones.")


def register(app: Flask) -> None:
    """Attach the `allocations` command group to the app's CLI."""
    app.cli.add_command(allocations_cli)


@allocations_cli.command("complete")
@click.argument("allocation_ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
def complete_command(allocation_ids: tuple[int, ...]):
    """Complete the processing allocations ALLOCATION_IDS (all processing ones when none are given)."""
    done = complete_processing(list(allocation_ids))
    skipped = sorted(set(allocation_ids) - set(done))
    if skipped:
        click.echo(f"Not processing (left as they are): {', '.join(map(str, skipped))}", err=True)
    click.echo(
        f"Completed {len(done)} allocation{'s' if len(done) != 1 else ''}"
        + (f": {', '.join(map(str, done))}." if done else ".")
    )


@allocations_cli.command("fail")
@click.argument("allocation_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--reason", required=True, help="Why it failed; the partner sees it.")
def fail_command(allocation_id: int, reason: str):
    """Mark the processing allocation ALLOCATION_ID failed (its quantity can be allocated again)."""
    try:
        finish_allocation(allocation_id, completed=False, reason=reason)
    except AllocationRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Allocation {allocation_id} failed: {reason.strip()}")
