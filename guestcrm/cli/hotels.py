"""flask --app wsgi hotels / confirm-hotel / remove-hotel: hotels first seen in a message."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register(app: Flask) -> None:
    for command in (hotels, confirm_hotel, remove_hotel):
        app.cli.add_command(command)


@click.command("hotels")
@with_appcontext
def hotels():
    """List hotels with their state (unconfirmed first)."""
    from guestcrm.services.access.hotels import list_hotels

    for prop in list_hotels(db.session):
        if prop.confirmed:
            state = f"confirmed {prop.confirmed_at:%Y-%m-%d} by {prop.confirmed_by or '-'}"
        else:
            state = f"UNCONFIRMED, first seen {prop.first_seen_at:%Y-%m-%d %H:%M}"
        click.echo(f"{prop.code}\t{prop.name}\t{state}")


@click.command("confirm-hotel")
@with_appcontext
@click.argument("code")
@click.option("--name", default=None, help="Display name (default: keep the current one).")
def confirm_hotel(code, name):
    """Confirm a hotel first seen in a message."""
    from guestcrm.services.access.hotels import confirm_hotel as confirm

    prop = confirm(db.session, code, name, actor="cli")
    click.echo(f"confirmed {prop.code} ({prop.name})")


@click.command("remove-hotel")
@with_appcontext
@click.argument("code")
def remove_hotel(code):
    """Remove a hotel nothing refers to."""
    from guestcrm.services.access.hotels import remove_hotel as remove

    remove(db.session, code, actor="cli")
    click.echo(f"removed {code}")
