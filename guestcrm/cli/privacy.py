"""Privacy commands: the retention rule by hand, and a guest's export or erasure for the
data-protection officer who works from a terminal."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import with_appcontext

from guestcrm.extensions import db
from guestcrm.services.privacy.erasure import erase_guest
from guestcrm.services.privacy.export import export_guest
from guestcrm.services.privacy.retention import apply_retention, retention_years


def register(app: Flask) -> None:
    app.cli.add_command(retention_cmd)
    app.cli.add_command(export_cmd)
    app.cli.add_command(erase_cmd)


@click.command("privacy-retention")
@click.option("--dry-run", is_flag=True, help="Only list who would be erased.")
@with_appcontext
def retention_cmd(dry_run: bool) -> None:
    """Erase guests with no stay for the retention period (`privacy.retention_years`)."""
    years = retention_years(db.session)
    ids = apply_retention(db.session, actor="cli", dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    click.echo(f"retention {years} years: {verb} {len(ids)} guests"
               + (f" ({', '.join(map(str, ids[:20]))}{' ...' if len(ids) > 20 else ''})"
                  if ids else ""))


@click.command("export-guest")
@click.argument("profile_id", type=int)
@with_appcontext
def export_cmd(profile_id: int) -> None:
    """Print everything held about a guest as JSON."""
    click.echo(json.dumps(export_guest(db.session, profile_id), indent=2, ensure_ascii=False))


@click.command("erase-guest")
@click.argument("profile_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_cmd(profile_id: int, yes: bool) -> None:
    """Erase a guest's personal data (their stays keep their figures)."""
    if not yes:
        click.confirm(f"Erase guest {profile_id}? This cannot be undone", abort=True)
    report = erase_guest(db.session, profile_id, actor="cli")
    click.echo(f"erased guest {profile_id} ({len(report.profiles)} profiles): {report.counts}")
