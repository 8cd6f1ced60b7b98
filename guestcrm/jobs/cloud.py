"""Jobs that pull from cloud PMSs: the scheduled sync of every connection, and backfills.

A backfill runs on its own queue ("backfill") in slices of BACKFILL_SLICE seconds, each ending
by enqueueing the next: a worker that also serves the live queues gets back to them between
slices, and a dedicated `flask --app wsgi worker --queue backfill` keeps them apart entirely.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from flask import current_app

from guestcrm.extensions import db
from guestcrm.jobs.inbox import process_event
from guestcrm.jobs.queue import job_queue
from guestcrm.models import ConnectorConnection
from guestcrm.services.ingest.cloud_sync import pause_backfill, run_backfill, sync_connection
from guestcrm.services.ingest.connections import connection_rows

log = logging.getLogger(__name__)
BACKFILL_QUEUE = "backfill"
BACKFILL_SLICE = 30.0  # seconds of one backfill job before it hands on to the next


def process_now(inbox_id: int) -> None:
    """Process a pulled page at once; one that breaks stays `received` with its error (recorded
    by process_event) for the reconciler, and the pull goes on."""
    try:
        process_event(inbox_id)
    except Exception:  # noqa: BLE001
        log.exception("pulled page %s failed; left for the reconciler", inbox_id)


def cloud_sync_job() -> list[dict]:
    """Sync every enabled cloud PMS connection (the periodic job)."""
    reports = []
    for row in connection_rows(db.session, enabled_only=True):
        try:
            report = sync_connection(db.session, row, current_app.config, process_now)
        except Exception as exc:  # noqa: BLE001  one connection's fault stops no other
            db.session.rollback()
            log.exception("sync of %s:%s failed", row.connector, row.property_code)
            reports.append({"connector": row.connector, "property_code": row.property_code,
                            "error": str(exc)})
            continue
        reports.append(asdict(report))
    return reports


def sync_one(connection_id: int) -> dict:
    """Sync one connection now (the admin's "Sync now")."""
    row = db.session.get(ConnectorConnection, connection_id)
    if row is None:
        return {"error": f"no connection {connection_id}"}
    return asdict(sync_connection(db.session, row, current_app.config, process_now))


def backfill_job(run_id: int, slice_seconds: float = BACKFILL_SLICE) -> str:
    """One slice of backfill `run_id`; enqueues the next slice unless it finished."""
    deadline = time.monotonic() + slice_seconds
    queue = job_queue()

    class SliceOver(Exception):  # noqa: N818
        pass

    def pause_when_due(_run) -> None:
        if not queue.inline and time.monotonic() > deadline:
            raise SliceOver

    try:
        run = run_backfill(db.session, run_id, current_app.config, process_now,
                           progress=pause_when_due)
    except SliceOver:
        pause_backfill(db.session, run_id, status="queued")
        queue.enqueue(backfill_job, run_id, queue=BACKFILL_QUEUE)
        return "continued"
    return run.status


def enqueue_backfill(run_id: int) -> None:
    job_queue().enqueue(backfill_job, run_id, queue=BACKFILL_QUEUE)

