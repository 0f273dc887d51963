"""flask --app app notifications generate | announce | purge"""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..extensions import db
from ..models import Severity
from . import rules
from .services import NotificationError

notifications_cli = AppGroup("notifications", help="Notifications: licensing rules, announcements, retention.")


def register(app: Flask) -> None:
    """Attach the `notifications` command group to the app's CLI."""
    app.cli.add_command(notifications_cli)


@notifications_cli.command("generate")
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Run the rules as of this day (default: today)."
)
def generate_command(today):
    """Notify customers of trials ending within 14 days, entitlements expiring within 90 days and
    licenses assigned above purchased. Safe to run often: what was reported is not reported again."""
    report = rules.generate(today.date() if today else date.today())
    if not report.total:
        click.echo("Nothing new to report.")
        return
    parts = ", ".join(f"{count} {source.label.lower()}" for source, count in report.created.items())
    click.echo(f"Created {report.total} notification{'s' if report.total != 1 else ''}: {parts}.")


@notifications_cli.command("announce")
@click.option("--title", required=True, help="The announcement's title (at most 200 characters).")
@click.option("--body", default="", help="Its text.")
@click.option(
    "--severity", type=click.Choice([s.value for s in Severity]), default=Severity.INFO.value, show_default=True
)
@click.option("--link", default="", help="A portal path (/…) or an http(s) URL.")
@click.option("--orgid", default=None, help="Send it to this organization only.")
@click.option("--all", "to_all", is_flag=True, help="Send it to every organization.")
def announce_command(title, body, severity, link, orgid, to_all):
    """An operator's announcement to one organization (--orgid) or to all of them (--all)."""
    if bool(orgid) == to_all:
        raise click.UsageError("Give either --orgid ORGID or --all.")
    try:
        written = rules.announce(title, body, Severity(severity), link, orgid)
    except NotificationError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Announced to {written} organization{'s' if written != 1 else ''}.")


@notifications_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(1),
    default=None,
    help="Delete notifications older than this (default: NOTIFICATION_RETENTION_DAYS, 90).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    help="Notifications deleted per transaction.",
)
def purge_command(days, batch_size):
    """Delete old notifications, with their read, dismissed and triage state, in batches."""
    days = days or current_app.config["NOTIFICATION_RETENTION_DAYS"]
    deleted = rules.purge(days, batch_size)
    click.echo(f"Deleted {deleted} notification{'s' if deleted != 1 else ''} older than {days} days.")
