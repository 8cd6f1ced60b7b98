"""flask --app wsgi create-user / create-token / add-webhook-credential: who may use GuestCRM."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register(app: Flask) -> None:
    for command in (create_user, deactivate_user, create_token, revoke_token,
                    add_webhook_credential, revoke_credential):
        app.cli.add_command(command)


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
    from guestcrm.services.access.staff import create_staff

    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password, generated = secrets.token_urlsafe(12), True
    user = create_staff(db.session, email, password, role, list(properties), name=name)
    click.echo(f"created {user.email} ({role}) for {', '.join(properties) or 'no property'}")
    if generated:
        click.echo(f"password: {password}")


@click.command("deactivate-user")
@with_appcontext
@click.argument("email")
def deactivate_user(email):
    """Stop a staff account: it cannot sign in, and its open sessions end at once."""
    from guestcrm.services.access.staff import deactivate_staff

    user = deactivate_staff(db.session, email, actor="cli")
    click.echo(f"deactivated {user.email}; its sessions have ended")


@click.command("create-token")
@with_appcontext
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE",
              help="What the token may do (repeat; none: every scope).")
@click.option("--property", "properties", multiple=True, metavar="CODE",
              help="A hotel whose guests it may see (repeat; none: every hotel).")
def create_token(name, scopes, properties):
    """Create an API token for a machine client; the token is the last line printed."""
    from guestcrm.services.access.tokens import create_api_token

    token = create_api_token(db.session, name, scopes=scopes or None,
                             properties=properties or None)
    click.echo(f"API token for {name} (shown once, keep it secret):")
    click.echo(token)


@click.command("revoke-token")
@with_appcontext
@click.argument("name")
def revoke_token(name):
    """Revoke an API token: it stops working with the next request."""
    from guestcrm.services.access.tokens import revoke_api_token

    revoke_api_token(db.session, name)
    click.echo(f"revoked API token {name}")


@click.command("revoke-webhook-credential")
@with_appcontext
@click.argument("connector")
@click.argument("name")
def revoke_credential(connector, name):
    """Revoke a webhook credential (each web worker may accept it for up to
    WEBHOOK_AUTH_CACHE_SECONDS more, 30 s by default)."""
    from guestcrm.services.access.credentials import revoke_webhook_credential

    revoke_webhook_credential(db.session, connector, name)
    click.echo(f"revoked {connector} credential {name}")


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
        create_webhook_credential,
        hotel_codes,
    )

    try:
        get_connector(connector)
    except UnknownConnector:
        raise click.ClickException(
            f"unknown connector {connector!r}; one of {', '.join(connector_names())}"
        ) from None
    codes = hotel_codes(properties) if properties else None
    secret = create_webhook_credential(db.session, connector, name, properties=codes)
    scope = f"hotels {', '.join(codes)}" if codes else "any hotel"
    click.echo(f"credential {name} for /webhooks/{connector} (HTTP Basic user {name}) "
               f"for {scope}; secret:")
    click.echo(secret)
