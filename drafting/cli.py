"""Command-line tools: `flask --app app <command>`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from drafting.domain.errors import DomainError
from drafting.extensions import db
from drafting.models import Economy, User
from drafting.services import accounts
from drafting.services.audit import RequestOrigin, current_origin, verify_audit_chain


def init_app(app: Flask) -> None:
    for command in (seed_demo_command, create_user_command, issue_token_command,
                    verify_audit_command):
        app.cli.add_command(command)


def _cli_origin() -> None:
    current_origin.set(RequestOrigin(remote_addr="cli", request_id=f"cli-{os.getpid()}"))


@click.command("seed-demo")
@click.option("--password", envvar="DEMO_PASSWORD", default=None,
              help="Password for every demo account (default: DEMO_PASSWORD, else generated).")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
def seed_demo_command(password: str | None, if_empty: bool) -> None:
    """Create APEC's economies, demo users and the Bangkok Goals negotiation (idempotent)."""
    from drafting.demo import database_is_empty, demo_usernames, seed_demo

    _cli_origin()
    password_file = Path(current_app.instance_path) / "demo-password"
    if if_empty and not database_is_empty():
        click.echo("The database already holds data; demo not seeded.")
        if password_file.exists():
            click.echo(f"Demo accounts (secretariat, observer, admin, aus, jpn, usa …) use the "
                       f"password in {password_file}.")
        return
    if password is not None:
        try:
            accounts.check_password_policy(password)
        except DomainError as error:
            raise click.ClickException(error.message) from None
    created, used_password = seed_demo(password)
    db.session.commit()
    if used_password and password is None:
        # Generated: keep it where the next `make run` can point to it.
        password_file.write_text(used_password + "\n")
        password_file.chmod(0o600)
    if not created:
        click.echo("The demo is already in place; nothing changed.")
        return
    click.echo("Demo negotiation seeded: Bangkok Goals on Bio-Circular-Green (BCG) Economy.")
    if used_password:
        click.echo(f"Log in at /login with any of these usernames and the password: {used_password}")
        names = ", ".join(name for name, _ in demo_usernames())
        click.echo(f"  usernames: {names}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["delegate", "secretariat", "observer", "admin"]),
              required=True)
@click.option("--economy", "economy_code", help="Economy code (for delegates and secretariat).")
@click.option("--name", "display_name", default="")
@click.password_option()
def create_user_command(username, role, economy_code, display_name, password) -> None:
    """Create an account."""
    _cli_origin()
    economy = None
    if economy_code:
        economy = db.session.execute(
            select(Economy).where(Economy.code == economy_code.upper())).scalar()
        if economy is None:
            raise click.ClickException(f"No economy with code {economy_code!r}.")
    try:
        user = accounts.create_user(None, username=username, password=password, role=role,
                                    economy=economy, display_name=display_name)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role.value}).")


@click.command("issue-token")
@click.argument("username")
@click.option("--name", default="API token", help="A label to recognise the token by.")
def issue_token_command(username: str, name: str) -> None:
    """Print a new API token for USERNAME (shown once; only its hash is stored)."""
    _cli_origin()
    user = db.session.execute(select(User).where(User.username == username.lower())).scalar()
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    token = accounts.issue_token(None, user, name)
    db.session.commit()
    click.echo(token)


@click.command("verify-audit")
def verify_audit_command() -> None:
    """Check the audit trail's hash chain; exit 1 at the first broken link."""
    count, broken = verify_audit_chain()
    if broken:
        click.echo(f"Audit chain BROKEN at event {broken.event_id}: {broken.reason} "
                   f"({count} events read).", err=True)
        sys.exit(1)
    click.echo(f"Audit chain intact: {count} events verified.")
