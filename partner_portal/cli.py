"""Command-line tools: flask --app app demo | create-operator | grant-program ..."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    from .licensing.cli import register as register_usage_commands
    from .notifications.cli import register as register_notification_commands

    register_usage_commands(app)
    from .audit.cli import register as register_activity_commands

    register_activity_commands(app)
    from .allocation.cli import register as register_allocation_commands

    register_allocation_commands(app)
    register_notification_commands(app)

    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Jobs this process runs at once.")
    def worker_command(threads: int):
        """Run background jobs (mail) until stopped; start one or more per host with Redis."""
        from .jobs import run_worker

        run_worker(app, threads)

    @app.cli.command("demo")
    def demo_command():
        """Load the demo world (no-op when it is already there), then print its sign-ins."""
        from .demo.services import load_demo, print_sign_ins

        if load_demo(only_if_empty=False):
            click.echo("Demo world loaded.")
        else:
            click.echo("The demo world is already loaded; nothing was changed.")
        print_sign_ins()

    @app.cli.command("create-admin")
    @click.option("--org", "org_name", required=True, help="Name of the organization to create.")
    @click.option("--email", required=True, help="Email of its first full-access administrator.")
    @click.option("--operator", is_flag=True, help="Also make the person a platform operator.")
    @click.password_option()
    def create_admin(org_name: str, email: str, operator: bool, password: str):
        """Create an organization with a full-access administrator (for production starts)."""
        from .auth.passwords import hash_password
        from .auth.services import find_user
        from .models import Administrator, Organization, User

        if find_user(email):
            raise click.ClickException("A user with that email already exists.")
        org = Organization(name=org_name)
        user = User(email=email, password_hash=hash_password(password), is_operator=operator)
        db.session.add_all([org, user])
        db.session.flush()
        db.session.add(Administrator(user_id=user.id, organization_id=org.id))
        db.session.commit()
        click.echo(f"Created {org.name} (ORGID {org.orgid}) with administrator {email}.")

    @app.cli.command("grant-program")
    @click.argument("orgid")
    @click.argument("program", type=click.Choice(["solution-advisor", "service-provider"]))
    @click.option("--lapse", is_flag=True, help="Mark the membership lapsed instead of active.")
    def grant_program(orgid: str, program: str, lapse: bool):
        """Record a partner-program membership for ORGID (active, or lapsed with --lapse)."""
        from .accounts.services import set_membership
        from .models import Organization, Program

        org = db.session.scalar(select(Organization).where(Organization.orgid == orgid))
        if org is None:
            raise click.ClickException(f"No organization has ORGID {orgid}.")
        membership = set_membership(org, Program(program), active=not lapse)
        click.echo(f"{org.name}: {program} is {membership.status.value}.")

    @app.cli.command("turn-off-two-factor")
    @click.argument("email")
    def turn_off_two_factor(email: str):
        """Turn two-factor sign-in off for EMAIL (who lost both the app and the recovery codes)."""
        from .auth.services import find_user
        from .auth.two_factor import turn_off

        user = find_user(email)
        if user is None:
            raise click.ClickException("No account uses that email.")
        if not user.has_two_factor:
            raise click.ClickException(f"Two-factor sign-in is already off for {user.email}.")
        turn_off(user)
        click.echo(
            f"Two-factor sign-in is off for {user.email}: they sign in with their password alone "
            "and can set it up again."
        )
