"""Jobs that hand stored inbox events on to processing.

A stored message is handed on with `schedule_processing`. With Redis it does not get a job of
its own (rq's bookkeeping alone costs milliseconds a job): at most one `drain_inbox` job waits
in the queue at a time, and it processes every waiting event in batches (docs/architecture.md).
Jobs run in the app context the worker gives them (jobs/worker.py), or in the request's.
"""

from __future__ import annotations

import logging
import time
import traceback

from flask import current_app

from guestcrm.collector import tuned_for_batches
from guestcrm.extensions import db
from guestcrm.jobs.notify import enqueue_notice
from guestcrm.jobs.perks import hand_on_stays
from guestcrm.jobs.queue import JobQueue, job_queue
from guestcrm.services.ingest.cloud_fetch import fetch_notified
from guestcrm.services.ingest.inbox import pending_events, stuck_fetches
from guestcrm.services.ingest.processing import drain_batch, mark_crashed, process_one

log = logging.getLogger(__name__)
DRAIN_SCHEDULED = "guestcrm:drain-scheduled"  # set while a drain job waits in the queue


def schedule_drain(queue: JobQueue) -> bool:
    """Enqueue a drain job unless one already waits; True when this call enqueued one.

    The flag lives at most a job timeout: a drain job lost before it started (and so
    before it cleared the flag) delays the next one by that much, no more."""
    if not queue.connection().set(DRAIN_SCHEDULED, 1, nx=True, ex=queue.timeout):
        return False
    queue.enqueue(drain_inbox)
    return True


def schedule_processing(inbox_id: int) -> None:
    """Hand a stored event on: processed now in-process, or by the next drain of the inbox."""
    queue = job_queue()
    if queue.inline:
        process_event(inbox_id)
    else:
        schedule_drain(queue)


def drain_inbox() -> dict:
    """Process waiting events in batches until none are left (or the time budget is spent,
    then hand on to a fresh job). Events that break on ingest get a job of their own."""
    with tuned_for_batches():
        queue = job_queue()
        queue.connection().delete(DRAIN_SCHEDULED)  # from here on, a new event asks again
        deadline = time.monotonic() + queue.timeout / 2
        cursor, counts = 0, {"processed": 0, "failed": 0, "crashed": 0}
        while True:
            outcome = drain_batch(db.session, after_id=cursor)
            if not outcome.ids:
                break
            cursor = outcome.ids[-1]
            for name in counts:
                counts[name] += len(getattr(outcome, name))
            for inbox_id in outcome.crashed:  # on its own, with rq's retries
                queue.enqueue(process_event, inbox_id)
            hand_on_fetches(outcome.fetch)
            _send_notices(outcome.notices)
            hand_on_stays(outcome.stays)
            if time.monotonic() > deadline:
                schedule_drain(queue)  # to a fresh job, unless one waits already
                break
        return counts


def process_event(inbox_id: int) -> str:
    """One event on its own (a replay, a retry of one that broke in a batch, inline mode)."""
    try:
        event, outcome = process_one(db.session, inbox_id)
    except Exception:
        mark_crashed(db.session, inbox_id, traceback.format_exc(limit=3))
        raise  # rq retries it; inline mode leaves it `received` for the reconciler
    hand_on_fetches(outcome.fetch)
    _send_notices(outcome.notices)
    hand_on_stays(outcome.stays)
    return event.status if event else "missing"


def hand_on_fetches(inbox_ids: list[int]) -> None:
    """Cloud PMS notifications now `fetching`: a job each (in-process without Redis)."""
    queue = job_queue()
    for inbox_id in inbox_ids:
        if queue.inline:
            fetch_event(inbox_id)
        else:
            queue.enqueue(fetch_event, inbox_id)


def fetch_event(inbox_id: int) -> str:
    """Fetch what a cloud PMS notification names, then process what came back at once."""
    outcome = fetch_notified(db.session, inbox_id, current_app.config)
    for document_id in outcome.documents:
        process_event(document_id)
    return outcome.status


def _send_notices(notice_ids: list[int]) -> None:
    """Duty-manager notices the processing stored (a VIP the PMS checked in), now committed."""
    for notice_id in notice_ids:
        try:
            enqueue_notice(notice_id)
        except Exception:  # noqa: BLE001  Redis down: the notice stays pending, logged here
            log.exception("duty-manager notice %s not handed on", notice_id)


def reconcile(older_than_seconds: int | None = None) -> list[int]:
    """Hand on again events left `received`: a drain for those that never broke, a job each
    for those that did. Processing is idempotent, so doubles are harmless."""
    seconds = (
        current_app.config["RECONCILE_AFTER_SECONDS"]
        if older_than_seconds is None
        else older_than_seconds
    )
    pending = pending_events(db.session, seconds)
    fetches = stuck_fetches(db.session, seconds)
    db.session.rollback()
    queue = job_queue()
    for inbox_id in fetches:  # a worker died while fetching: fetch again
        try:
            queue.enqueue(fetch_event, inbox_id)
        except Exception:  # inline mode: the error is on the event already
            log.exception("reconcile: fetching event %s failed again", inbox_id)
    if not queue.inline and any(not broken for _, broken in pending):
        schedule_drain(queue)
    for inbox_id, broken in pending:
        if queue.inline or broken:
            try:
                queue.enqueue(process_event, inbox_id)
            except Exception:  # inline mode: the error is on the event already
                log.exception("reconcile: event %s failed again", inbox_id)
    return [inbox_id for inbox_id, _ in pending] + fetches
