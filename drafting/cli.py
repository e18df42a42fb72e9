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
from drafting.models import Document, Economy, User
from drafting.services import accounts
from drafting.services.audit import RequestOrigin, current_origin, verify_audit_chain


def init_app(app: Flask) -> None:
    for command in (seed_demo_command, create_user_command, set_password_command,
                    issue_token_command,
                    verify_audit_command, close_silence_command, export_archive_command,
                    import_archive_command, send_mail_command, tick_command,
                    scheduler_command):
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


@click.command("set-password")
@click.argument("username")
@click.password_option()
def set_password_command(username: str, password: str) -> None:
    """Set USERNAME's password (e.g. after restoring an archive without password hashes)."""
    _cli_origin()
    user = db.session.execute(select(User).where(User.username == username.lower())).scalar()
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        accounts.set_password(None, user, password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Password set for {user.username}; their sessions were ended.")


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


@click.command("close-silence")
def close_silence_command() -> None:
    """Settle every silence procedure whose deadline has passed unbroken (adopt it).

    Pages and the API show such a procedure adopted without writing it; the first write on
    the document, `flask tick` (make serve's scheduler) or this command writes it, for all
    documents at once, and says what it did.
    """
    from drafting.domain.workflow import format_deadline
    from drafting.services.settling import settle_expired_silences

    _cli_origin()
    settled = settle_expired_silences()
    db.session.commit()
    if not settled:
        click.echo("No silence procedure has reached its deadline unsettled; nothing to do.")
        return
    for procedure in settled:
        document = db.session.get(Document, procedure.document_id)
        click.echo(f"Document #{document.id} {document.symbol} “{document.title}”: silence "
                   f"procedure #{procedure.id} ended at "
                   f"{format_deadline(procedure.deadline, procedure.timezone)} unbroken — "
                   f"adopted; stage now “{document.stage.label}”.")
    click.echo(f"{len(settled)} silence procedure(s) settled.")


@click.command("send-mail")
def send_mail_command() -> None:
    """Send the e-mail that is due: immediate notifications, and daily digests at their hour.

    Each message is marked sent in the database before the next is taken; one that the mail
    server refuses is retried by a later run. Safe to run from several places at once.
    Needs MAIL_SERVER (docs/notifications.md).
    """
    from drafting.mailer import send_due_mail

    _cli_origin()
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set: nothing sent (the queue keeps the messages).")
        return
    report = send_due_mail()
    click.echo(f"E-mail: {report}.")


@click.command("tick")
def tick_command() -> None:
    """The time-driven work: settle silence procedures past their deadline, and store
    reminders of deadlines within 24 hours (queueing their e-mail)."""
    from drafting.mailer import tick

    _cli_origin()
    done = tick()
    click.echo(f"{done['silences_settled']} silence procedure(s) settled, "
               f"{done['reminders']} deadline reminder(s) stored.")


@click.command("scheduler")
@click.option("--interval", type=click.IntRange(min=1), default=None,
              help="Seconds between rounds (default: SCHEDULER_INTERVAL, 60).")
@click.option("--once", is_flag=True, help="Run one round and stop.")
@click.option("--parent-pid", type=int, default=None,
              help="Stop when this process ends (default: the process that started this one).")
def scheduler_command(interval: int | None, once: bool, parent_pid: int | None) -> None:
    """Run `tick` and `send-mail` every INTERVAL seconds until the parent process ends
    (`make serve` starts it beside gunicorn, naming gunicorn's pid)."""
    from drafting.mailer import run_scheduler

    _cli_origin()
    interval = interval or int(current_app.config.get("SCHEDULER_INTERVAL") or 60)
    rounds = run_scheduler(interval, cycles=1 if once else None, parent_pid=parent_pid)
    click.echo(f"Scheduler stopped after {rounds} round(s).")


@click.command("export-archive")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-password-hashes/--without-password-hashes", default=False,
              help="Include password hashes, session nonces and API token hashes "
                   "(default: without).")
def export_archive_command(file: Path, with_password_hashes: bool) -> None:
    """Write the whole database to FILE, one JSON archive (see docs/backup.md)."""
    from drafting.infrastructure import archive

    try:
        summary = archive.export_archive(file, with_password_hashes=with_password_hashes)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Archive written to {summary.path}: {summary.total_rows} rows in "
               f"{len(summary.rows)} tables, schema revision {summary.schema_revision}, "
               f"content SHA-256 {summary.content_sha256}.")
    if with_password_hashes:
        click.echo("Password hashes: INCLUDED (--with-password-hashes), with session nonces and "
                   "API token hashes. Keep this file as secret as the database itself.")
    else:
        click.echo("Password hashes: NOT included (the default). After a restore every user "
                   "needs a new password and API tokens must be issued again; use "
                   "--with-password-hashes for a backup that keeps them.")


@click.command("import-archive")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--accept-broken-audit-chain", is_flag=True,
              help="Restore even if the archive's audit chain does not verify.")
def import_archive_command(file: Path, accept_broken_audit_chain: bool) -> None:
    """Restore an archive made by export-archive into an EMPTY database (all or nothing)."""
    from drafting.infrastructure import archive

    try:
        summary = archive.import_archive(file, accept_broken_audit_chain=accept_broken_audit_chain)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Nothing was imported.") from None
    click.echo(f"Archive {summary.path} (exported {summary.exported_at}) restored: "
               f"{summary.total_rows} rows in {len(summary.rows)} tables, schema revision "
               f"{summary.schema_revision}.")
    if summary.audit_broken:
        click.echo(f"WARNING: audit chain BROKEN at {summary.audit_broken} (restored as it was "
                   f"in the archive).", err=True)
    else:
        click.echo(f"Audit chain intact: {summary.audit_events} events verified.")
    if summary.users_without_password:
        names = ", ".join(summary.users_without_password)
        click.echo(f"{len(summary.users_without_password)} users must have their password "
                   f"reset before they can log in (the archive holds no password hashes): "
                   f"{names}. Set each with: flask --app app set-password USERNAME")
    if summary.unusable_tokens:
        click.echo(f"{summary.unusable_tokens} API tokens that were in use cannot authenticate "
                   f"any more: issue new ones (flask --app app issue-token USERNAME).")
