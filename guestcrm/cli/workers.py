"""flask --app wsgi worker / scheduler / reconcile / replay / pull-alpinebits / nightly."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from guestcrm.extensions import db


def register(app: Flask) -> None:
    for command in (worker, scheduler_cmd, reconcile_cmd, replay_cmd, pull_alpinebits_cmd,
                    nightly_cmd):
        app.cli.add_command(command)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, default=("ingest", "default", "backfill"))
def worker(burst, queues):
    """Run an rq worker (needs REDIS_URL); it first re-enqueues events left waiting."""
    from guestcrm.jobs.inbox import reconcile
    from guestcrm.jobs.queue import job_queue
    from guestcrm.jobs.worker import AppWorker

    jobs = job_queue()
    if jobs.inline:
        raise click.ClickException("REDIS_URL is not set: jobs run in-process, no worker needed")
    reconcile()
    if not burst:
        worker_pid = os.getpid()
        os.register_at_fork(after_in_child=lambda: _die_with_parent(worker_pid))
    AppWorker([jobs.queue(q) for q in queues], connection=jobs.connection(),
              app=current_app._get_current_object()).work(burst=burst, with_scheduler=not burst)


@click.command("scheduler")
@with_appcontext
@click.option("--list", "list_only", is_flag=True, help="Print the schedule and stop.")
def scheduler_cmd(list_only):
    """Enqueue the periodic jobs on time (one process per deployment, beside the workers)."""
    from guestcrm.jobs.queue import job_queue
    from guestcrm.jobs.schedule import cron_scheduler, periodic_jobs

    schedule = periodic_jobs(current_app.config)
    for job in schedule:
        when = f"every {job.interval} s" if job.interval else f"cron {job.cron!r}"
        click.echo(f"{job.name}: {job.func.__module__}.{job.func.__name__} on {job.queue}, {when}")
    if list_only:
        return
    jobs = job_queue()
    if jobs.inline:
        raise click.ClickException("REDIS_URL is not set: nothing runs on a schedule without it")
    cron_scheduler(current_app.config, jobs.connection(), jobs.timeout).start()


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


@click.command("pull-alpinebits")
@with_appcontext
@click.argument("names", nargs=-1)
def pull_alpinebits_cmd(names):
    """Poll the AlpineBits servers in GUESTCRM_ALPINEBITS_SOURCES now (all, or those named)."""
    from connectors.alpinebits_client import AlpineBitsClient, sources_from_env
    from connectors.base import ConnectorError
    from guestcrm.services.ingest.pull import pull_guest_requests

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
    from guestcrm.jobs.value import nightly_value_job

    batches = nightly_value_job()
    click.echo(
        f"nightly value pass: {batches} batches "
        + ("done" if job_queue_inline() else "queued for the workers")
    )


def job_queue_inline() -> bool:
    from guestcrm.jobs.queue import job_queue

    return job_queue().inline


@click.command("reconcile")
@with_appcontext
@click.option("--older-than", default=None, type=int, help="Seconds (default: setting).")
def reconcile_cmd(older_than):
    """Re-enqueue events left `received` (e.g. Redis was down when they arrived)."""
    from guestcrm.jobs.inbox import reconcile

    ids = reconcile(older_than)
    click.echo(f"re-enqueued {len(ids)} events")


@click.command("replay")
@with_appcontext
@click.argument("event_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True)
def replay_cmd(event_ids, all_failed):
    """Replay failed inbox events by id, or all of them."""
    from sqlalchemy import select

    from guestcrm.jobs.inbox import process_event
    from guestcrm.jobs.queue import job_queue
    from guestcrm.models import InboxEvent
    from guestcrm.services.ingest.inbox import replay

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
