"""flask --app wsgi import: saved PMS messages through the same path as webhooks."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(import_cmd)


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

    def bar(status) -> None:
        from guestcrm.cli.cloud import progress_line

        click.echo("\r" + progress_line(_as_progress(status), "kB"), nl=False, err=True)

    try:
        report = import_files(
            db.session, connector, files, enqueue,
            progress=click.echo if len(files) < 20 else lambda _line: None,
            hotel_code=hotel, on_progress=bar,
        )
        click.echo("", err=True)
    except UnknownConnector:
        raise click.ClickException(f"unknown connector {connector!r}") from None
    click.echo(
        f"imported {len(report.stored)} new, {len(report.duplicates)} already known, "
        f"{len(report.unreadable)} unreadable"
        + ("" if job_queue().inline else " (queued for the workers)")
    )
    if report.unreadable:
        raise SystemExit(1)


def _as_progress(status):
    """The import's byte counts in the shape of the backfill's progress line (in kB)."""
    from guestcrm.services.ingest.cloud_sync import Progress

    return Progress(done=status.bytes_done // 1000, total=status.bytes_total // 1000 or None,
                    per_second=status.per_second / 1000, eta_seconds=status.eta_seconds)
