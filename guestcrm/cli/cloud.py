"""flask --app wsgi sync | backfill | connect: cloud PMS connections from the terminal."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register(app: Flask) -> None:
    for command in (sync_cmd, backfill_cmd, connect_cmd):
        app.cli.add_command(command)


@click.command("sync")
@with_appcontext
@click.option("--connector", required=True, type=click.Choice(["apaleo", "mews", "cloudbeds"]))
@click.option("--property", "property_code", required=True, help="The hotel's code.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              default=None, help="Read changes from this day (UTC) instead of the cursor.")
def sync_cmd(connector, property_code, since):
    """Pull what the vendor's webhooks may have missed, now."""
    from guestcrm.jobs.cloud import process_now
    from guestcrm.services.ingest.cloud_sync import sync_connection
    from guestcrm.services.ingest.connections import find_connection

    row = find_connection(db.session, connector, property_code=property_code)
    report = sync_connection(db.session, row, current_app.config, process_now,
                             since=since.replace(tzinfo=UTC) if since else None)
    if report.error:
        raise click.ClickException(f"{connector}:{property_code}: {report.error} "
                                   f"(cursor left at {report.cursor or 'none'})")
    click.echo(f"{connector}:{property_code}: {report.reservations} reservations in "
               f"{report.pages} pages; cursor now {report.cursor}")


@click.command("backfill")
@with_appcontext
@click.option("--connector", required=True, type=click.Choice(["apaleo", "mews", "cloudbeds"]))
@click.option("--property", "property_code", required=True, help="The hotel's code.")
@click.option("--since", default=None, help="Only reservations changed since (vendor format).")
@click.option("--resume", "resume_id", type=int, default=None,
              help="Go on with this backfill from where it stopped.")
@click.option("--queue", "queued", is_flag=True,
              help="Hand it to the workers' backfill queue instead of running it here.")
def backfill_cmd(connector, property_code, since, resume_id, queued):
    """Pull the whole history of a connected hotel, with progress; resumable."""
    from guestcrm.jobs.cloud import enqueue_backfill, process_now
    from guestcrm.services.ingest.cloud_sync import (
        pause_backfill,
        progress_of,
        run_backfill,
        start_backfill,
    )
    from guestcrm.services.ingest.connections import find_connection

    row = find_connection(db.session, connector, property_code=property_code)
    run_id = resume_id or start_backfill(db.session, row, "cli", since=since).id
    if queued:
        enqueue_backfill(run_id)
        click.echo(f"backfill {run_id} queued; progress under /admin/connectors")
        return

    def show(run) -> None:
        click.echo("\r" + progress_line(progress_of(run)), nl=False, err=True)

    try:
        run = run_backfill(db.session, run_id, current_app.config, process_now, progress=show)
    except KeyboardInterrupt:
        run = pause_backfill(db.session, run_id)
        click.echo("", err=True)
        raise click.ClickException(f"backfill {run_id} paused after {run.pages} pages; "
                                   f"resume with --resume {run_id}") from None
    click.echo("", err=True)
    if run.status != "done":
        raise click.ClickException(f"backfill {run.id} {run.status}: {run.error}. Resume with "
                                   f"--resume {run.id}")
    click.echo(f"backfill {run.id} done: {run.reservations} reservations in {run.pages} pages")


def progress_line(progress, unit: str = "reservations") -> str:
    """`[#####.....] 41,200/100,000 reservations  1,830/s  ETA 0:00:32`"""
    width = 30
    if progress.total:
        filled = int(width * min(progress.done / progress.total, 1.0))
        bar = "#" * filled + "." * (width - filled)
        count = f"{progress.done:,}/{progress.total:,}"
    else:
        bar, count = "?" * 3, f"{progress.done:,}"
    eta = "" if progress.eta_seconds is None else f"  ETA {_clock(progress.eta_seconds)}"
    return f"[{bar}] {count} {unit}  {progress.per_second:,.0f}/s{eta}   "


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@click.command("connect")
@with_appcontext
@click.option("--connector", required=True, type=click.Choice(["apaleo", "mews", "cloudbeds"]))
@click.option("--property", "property_code", required=True)
@click.option("--account", required=True, help="The vendor's id of the property.")
@click.option("--base-url", default="")
@click.option("--token-url", default="")
@click.option("--client-id", default="")
@click.option("--secret-stdin", is_flag=True, help="Read the secret from standard input.")
def connect_cmd(connector, property_code, account, base_url, token_url, client_id,
                secret_stdin):
    """Save a hotel's connection to a cloud PMS (the secret from stdin, never an argument)."""
    from guestcrm.services.ingest.connections import ConnectionForm, save_connection

    secret = sys.stdin.readline().strip() if secret_stdin else ""
    row = save_connection(db.session, ConnectionForm(
        connector=connector, property_code=property_code, account=account, base_url=base_url,
        token_url=token_url, client_id=client_id, secret=secret), current_app.config, "cli")
    click.echo(f"{row.connector}:{row.property_code} connected to account {row.account} "
               f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
