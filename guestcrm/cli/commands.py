"""flask --app wsgi <command>: staff, tokens, credentials, import, worker, inbox upkeep."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register_cli(app: Flask) -> None:
    for command in (
        create_user,
        create_token,
        add_webhook_credential,
        import_cmd,
        demo_cmd,
    ):
        app.cli.add_command(command)
    from guestcrm.cli.workers import register as register_workers

    register_workers(app)
    from guestcrm.cli.identity import register as register_identity

    register_identity(app)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "front_desk", "revenue_manager"])
)
@click.option("--property", "properties", multiple=True, help="Property code (repeatable).")
@click.option("--name", default="")
@click.option(
    "--password",
    envvar="GUESTCRM_NEW_PASSWORD",
    default=None,
    help="Default: prompt on a terminal, else generate and print one.",
)
def create_user(email, role, properties, name, password):
    """Add a staff account scoped to properties."""
    from guestcrm.services.access.staff import StaffError, create_staff

    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password, generated = secrets.token_urlsafe(12), True
    try:
        user = create_staff(db.session, email, password, role, list(properties), name=name)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.email} ({role}) for {', '.join(properties) or 'no property'}")
    if generated:
        click.echo(f"password: {password}")


@click.command("create-token")
@with_appcontext
@click.argument("name")
def create_token(name):
    """Create an API token for a machine client; the token is the last line printed."""
    from guestcrm.services.access.credentials import CredentialExists, create_api_token

    try:
        token = create_api_token(db.session, name)
    except CredentialExists as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"API token for {name} (shown once, keep it secret):")
    click.echo(token)


@click.command("add-webhook-credential")
@with_appcontext
@click.argument("connector")
@click.argument("name")
@click.option("--property", "properties", multiple=True, metavar="CODE",
              help="A hotel code this credential may post for (repeat; none: any hotel).")
def add_webhook_credential(connector, name, properties):
    """Create a webhook credential; its secret is the last line printed."""
    from connectors.base import UnknownConnector
    from connectors.registry import connector_names, get_connector
    from guestcrm.services.access.credentials import (
        CredentialExists,
        create_webhook_credential,
        hotel_codes,
    )

    try:
        get_connector(connector)
    except UnknownConnector:
        raise click.ClickException(
            f"unknown connector {connector!r}; one of {', '.join(connector_names())}"
        ) from None
    try:
        codes = hotel_codes(properties) if properties else None
        secret = create_webhook_credential(db.session, connector, name, properties=codes)
    except (CredentialExists, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    scope = f"hotels {', '.join(codes)}" if codes else "any hotel"
    click.echo(f"credential {name} for /webhooks/{connector} (HTTP Basic user {name}) "
               f"for {scope}; secret:")
    click.echo(secret)


@click.command("import")
@with_appcontext
@click.option("--connector", required=True)
@click.option(
    "--hotel",
    default=None,
    help="Property code for messages that name none (AlpineBits pull answers with cancellations).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_cmd(connector, hotel, files):
    """Ingest saved messages through the same path as webhooks."""
    from connectors.base import UnknownConnector
    from guestcrm.jobs.inbox import schedule_processing
    from guestcrm.jobs.queue import job_queue
    from guestcrm.services.ingest.importer import import_files

    def enqueue(inbox_id: int) -> None:
        try:
            schedule_processing(inbox_id)
        except Exception as exc:  # inline: recorded on the event; shown in the progress line
            db.session.rollback()
            click.echo(f"event {inbox_id}: processing failed ({exc})", err=True)

    try:
        report = import_files(
            db.session, connector, files, enqueue, progress=click.echo, hotel_code=hotel
        )
    except UnknownConnector:
        raise click.ClickException(f"unknown connector {connector!r}") from None
    click.echo(
        f"imported {len(report.stored)} new, {len(report.duplicates)} already known, "
        f"{len(report.unreadable)} unreadable"
        + ("" if job_queue().inline else " (queued for the workers)")
    )
    if report.unreadable:
        raise SystemExit(1)


@click.command("demo")
@with_appcontext
@click.option("--events", default=400, help="How many fake PMS events to load.")
def demo_cmd(events):
    """Load demo data from the fake PMS and create the demo logins (idempotent)."""
    from guestcrm.cli.demo_data import DemoRefused, load_demo

    try:
        for line in load_demo(db.session, events=events):
            click.echo(line)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
