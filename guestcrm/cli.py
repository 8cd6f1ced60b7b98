"""flask --app wsgi <command>: staff, tokens, credentials, import, worker, inbox upkeep."""

from __future__ import annotations

import os
import secrets
import sys
import threading
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register_cli(app: Flask) -> None:
    for command in (
        create_user,
        create_token,
        add_webhook_credential,
        import_cmd,
        worker,
        reconcile_cmd,
        replay_cmd,
        demo_cmd,
        pull_alpinebits_cmd,
        nightly_cmd,
    ):
        app.cli.add_command(command)
    from guestcrm.cli_identity import register as register_identity

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
    from guestcrm.services.staff import StaffError, create_staff

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
    from guestcrm.services.credentials import CredentialExists, create_api_token

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
def add_webhook_credential(connector, name):
    """Create a webhook credential; its secret is the last line printed."""
    from connectors.base import UnknownConnector, connector_names, get_connector
    from guestcrm.services.credentials import CredentialExists, create_webhook_credential

    try:
        get_connector(connector)
    except UnknownConnector:
        raise click.ClickException(
            f"unknown connector {connector!r}; one of {', '.join(connector_names())}"
        ) from None
    try:
        secret = create_webhook_credential(db.session, connector, name)
    except CredentialExists as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"credential {name} for /webhooks/{connector} (HTTP Basic user {name}); secret:")
    click.echo(secret)


@click.command("import")
@with_appcontext
@click.option("--connector", required=True)
@click.option("--hotel", default=None, help="Property code for messages that name none "
              "(AlpineBits pull answers with cancellations).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_cmd(connector, hotel, files):
    """Ingest saved messages through the same path as webhooks."""
    from connectors.base import UnknownConnector
    from guestcrm.jobs import job_queue, process_event
    from guestcrm.services.importer import import_files

    queue = job_queue()

    def enqueue(inbox_id: int) -> None:
        try:
            queue.enqueue(process_event, inbox_id)
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
        + ("" if queue.inline else " (queued for the workers)")
    )
    if report.unreadable:
        raise SystemExit(1)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, default=("ingest", "default"))
def worker(burst, queues):
    """Run an rq worker (needs REDIS_URL); it also re-enqueues events left waiting."""
    from rq import SimpleWorker

    from guestcrm.jobs import job_queue, reconcile

    jobs = job_queue()
    if jobs.inline:
        raise click.ClickException("REDIS_URL is not set: jobs run in-process, no worker needed")
    reconcile()
    if not burst:
        _start_reconciler(current_app._get_current_object())
        worker_pid = os.getpid()
        os.register_at_fork(after_in_child=lambda: _die_with_parent(worker_pid))
    # SimpleWorker runs jobs in this process: no fork per job, one warm app and DB pool.
    SimpleWorker([jobs.queue(q) for q in queues], connection=jobs.connection()).work(
        burst=burst, with_scheduler=not burst
    )


def _die_with_parent(worker_pid: int) -> None:
    """In rq's forked scheduler process: exit when the worker dies.

    The fork inherits the worker's open database sockets. A scheduler that outlived a killed
    worker would keep them open, so PostgreSQL would never end the dead worker's transaction
    and its row and advisory locks would block every other worker (found by
    tests/integration/test_reliability.py).
    """
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (AttributeError, OSError):
        return
    if os.getppid() != worker_pid:  # the worker died before the line above
        os._exit(0)


def _start_reconciler(app: Flask) -> None:
    """A thread that re-enqueues stuck events and schedules the AlpineBits pulls."""
    interval = max(app.config["RECONCILE_AFTER_SECONDS"], 5)
    pull_every = app.config["ALPINEBITS_PULL_SECONDS"]

    def loop() -> None:
        from connectors.alpinebits_client import sources_from_env
        from guestcrm.jobs import job_queue, pull_alpinebits, reconcile
        from guestcrm.jobs_value import nightly_value_job

        stop, since_pull, last_nightly = threading.Event(), pull_every, date.today()
        while not stop.wait(interval):
            since_pull += interval
            with app.app_context():
                try:
                    reconcile()
                    if date.today() != last_nightly:  # each worker's loop; see docs
                        last_nightly = date.today()
                        job_queue().enqueue(nightly_value_job, queue="default")
                    if since_pull >= pull_every:
                        since_pull = 0
                        for source in sources_from_env():
                            job_queue().enqueue(pull_alpinebits, source.name, queue="default")
                except Exception:  # noqa: BLE001  keep going after a passing outage
                    app.logger.exception("reconciler failed")

    threading.Thread(target=loop, name="reconciler", daemon=True).start()


@click.command("pull-alpinebits")
@with_appcontext
@click.argument("names", nargs=-1)
def pull_alpinebits_cmd(names):
    """Poll the AlpineBits servers in GUESTCRM_ALPINEBITS_SOURCES now (all, or those named)."""
    from connectors.alpinebits_client import AlpineBitsClient, sources_from_env
    from connectors.base import ConnectorError
    from guestcrm.services.pull import pull_guest_requests

    try:
        sources = [s for s in sources_from_env() if not names or s.name in names]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not sources:
        raise click.ClickException("no AlpineBits source configured (GUESTCRM_ALPINEBITS_SOURCES)")
    failed = False
    for source in sources:
        try:
            report = pull_guest_requests(db.session, AlpineBitsClient(source))
        except ConnectorError as exc:
            db.session.rollback()
            click.echo(f"{source.name}: {exc}", err=True)
            failed = True
            continue
        click.echo(
            f"{source.name}: {report.reservations} reservations, {report.status}, "
            f"acknowledged {len(report.acknowledged)}"
            + (f" ({report.error})" if report.error else "")
        )
    if failed:
        raise SystemExit(1)


@click.command("nightly")
@with_appcontext
def nightly_cmd():
    """Recompute every profile's counters and value and rank the pyramid (workers run it daily)."""
    from guestcrm.jobs_value import nightly_value_job

    batches = nightly_value_job()
    click.echo(f"nightly value pass: {batches} batches " + (
        "done" if job_queue_inline() else "queued for the workers"))


def job_queue_inline() -> bool:
    from guestcrm.jobs import job_queue

    return job_queue().inline


@click.command("reconcile")
@with_appcontext
@click.option("--older-than", default=None, type=int, help="Seconds (default: setting).")
def reconcile_cmd(older_than):
    """Re-enqueue events left `received` (e.g. Redis was down when they arrived)."""
    from guestcrm.jobs import reconcile

    ids = reconcile(older_than)
    click.echo(f"re-enqueued {len(ids)} events")


@click.command("replay")
@with_appcontext
@click.argument("event_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True)
def replay_cmd(event_ids, all_failed):
    """Replay failed inbox events by id, or all of them."""
    from sqlalchemy import select

    from guestcrm.jobs import job_queue, process_event
    from guestcrm.models import InboxEvent
    from guestcrm.services.inbox import replay

    ids = list(event_ids)
    if all_failed:
        ids += list(db.session.scalars(select(InboxEvent.id).where(InboxEvent.status == "failed")))
    if not ids:
        raise click.ClickException("give event ids or --all-failed")
    for inbox_id in ids:
        try:
            replay(db.session, inbox_id, actor=f"cli:{os.environ.get('USER', 'unknown')}")
        except (LookupError, ValueError) as exc:
            click.echo(f"{inbox_id}: {exc}", err=True)
            continue
        try:
            job_queue().enqueue(process_event, inbox_id)
        except Exception as exc:  # noqa: BLE001
            db.session.rollback()
            click.echo(f"{inbox_id}: failed again ({exc})", err=True)
        event = db.session.get(InboxEvent, inbox_id)
        db.session.refresh(event)
        click.echo(f"{inbox_id}: {event.status}" + (f" ({event.error})" if event.error else ""))


@click.command("demo")
@with_appcontext
@click.option("--events", default=400, help="How many fake PMS events to load.")
def demo_cmd(events):
    """Load demo data from the fake PMS and create the demo logins (idempotent)."""
    from guestcrm.services.demo import DemoRefused, load_demo

    try:
        for line in load_demo(db.session, events=events):
            click.echo(line)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
