"""Background jobs: they take ids, load, and call a service.

With REDIS_URL set, jobs go to named rq queues with a timeout and retries, run by
`flask --app wsgi worker`. Without it (the embedded default) they run in-process right after
the request's commit: the same functions, the same code path.

A stored message is handed on with `schedule_processing`. With Redis it does not get a job of
its own (rq's bookkeeping alone costs milliseconds a job): at most one `drain_inbox` job waits
in the queue at a time, and it processes every waiting event in batches (docs/architecture.md).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from contextlib import nullcontext

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)

QUEUE_NAMES = ("ingest", "default")
RETRY_INTERVALS = [5, 30, 120]
DRAIN_SCHEDULED = "guestcrm:drain-scheduled"  # set while a drain job waits in the queue
_job_app: Flask | None = None


class JobQueue:
    """Enqueue jobs by function; rq when Redis is configured, inline otherwise."""

    def __init__(self, app: Flask) -> None:
        self.redis_url = app.config.get("REDIS_URL")
        self.timeout = app.config["JOB_TIMEOUT"]
        self._redis = None
        self._queues: dict = {}  # name -> rq Queue on the current connection
        self._retry = None

    @property
    def inline(self) -> bool:
        return not self.redis_url

    def connection(self):
        from redis import Redis

        if self._redis is None:
            self._redis = Redis.from_url(self.redis_url)
        return self._redis

    def queue(self, name: str = "ingest"):
        """The rq Queue, made once per name and connection (a new connection gets new ones)."""
        from rq import Queue

        connection = self.connection()
        queue = self._queues.get(name)
        if queue is None or queue.connection is not connection:
            queue = Queue(name, connection=connection, default_timeout=self.timeout)
            self._queues[name] = queue
        return queue

    def enqueue(self, func: Callable, *args, queue: str = "ingest") -> None:
        if self.inline:
            func(*args)
            return
        from rq import Retry

        if self._retry is None:  # read only by rq (copied onto each job): shared
            self._retry = Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)
        rq_queue = self.queue(queue)
        # One round trip: rq writes the job, its status and the queue entry in one MULTI/EXEC.
        with rq_queue.connection.pipeline() as pipe:
            rq_queue.enqueue(func, *args, retry=self._retry, job_timeout=self.timeout,
                             pipeline=pipe)
            pipe.execute()


    def schedule_drain(self) -> bool:
        """Enqueue a drain job unless one already waits; True when this call enqueued one.

        The flag lives at most a job timeout: a drain job lost before it started (and so
        before it cleared the flag) delays the next one by that much, no more."""
        if not self.connection().set(DRAIN_SCHEDULED, 1, nx=True, ex=self.timeout):
            return False
        self.enqueue(drain_inbox)
        return True


def init_jobs(app: Flask) -> None:
    app.extensions["guestcrm_jobs"] = JobQueue(app)


def job_queue() -> JobQueue:
    return current_app.extensions["guestcrm_jobs"]


def _context():
    """Jobs run inside the worker's app context; an rq work-horse without one builds its own."""
    global _job_app
    if has_app_context():
        return nullcontext()
    if _job_app is None:
        from guestcrm import create_app

        _job_app = create_app()
    return _job_app.app_context()


def schedule_processing(inbox_id: int) -> None:
    """Hand a stored event on: processed now in-process, or by the next drain of the inbox."""
    queue = job_queue()
    if queue.inline:
        process_event(inbox_id)
    else:
        queue.schedule_drain()


def drain_inbox() -> dict:
    """Process waiting events in batches until none are left (or the time budget is spent,
    then hand on to a fresh job). Events that break on ingest get a job of their own."""
    import time

    from guestcrm.collector import tuned_for_batches
    from guestcrm.extensions import db
    from guestcrm.services.processing import drain_batch

    with _context(), tuned_for_batches():
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
            _send_notices(outcome.notices)
            if time.monotonic() > deadline:
                queue.schedule_drain()  # to a fresh job, unless one waits already
                break
        return counts


def process_event(inbox_id: int) -> str:
    """One event on its own (a replay, a retry of one that broke in a batch, inline mode)."""
    from guestcrm.extensions import db
    from guestcrm.services.processing import mark_crashed, process_one

    with _context():
        try:
            event, outcome = process_one(db.session, inbox_id)
        except Exception:
            mark_crashed(db.session, inbox_id, traceback.format_exc(limit=3))
            raise  # rq retries it; inline mode leaves it `received` for the reconciler
        _send_notices(outcome.notices)
        return event.status if event else "missing"


def _send_notices(notice_ids: list[int]) -> None:
    """Duty-manager notices the processing stored (a VIP the PMS checked in), now committed."""
    from guestcrm.jobs_notify import enqueue_notice

    for notice_id in notice_ids:
        try:
            enqueue_notice(notice_id)
        except Exception:  # noqa: BLE001  Redis down: the notice stays pending, logged here
            log.exception("duty-manager notice %s not handed on", notice_id)


def reconcile(older_than_seconds: int | None = None) -> list[int]:
    """Hand on again events left `received`: a drain for those that never broke, a job each
    for those that did. Processing is idempotent, so doubles are harmless."""
    from guestcrm.extensions import db
    from guestcrm.services.inbox import pending_events

    with _context():
        seconds = (
            current_app.config["RECONCILE_AFTER_SECONDS"]
            if older_than_seconds is None
            else older_than_seconds
        )
        pending = pending_events(db.session, seconds)
        db.session.rollback()
        queue = job_queue()
        if not queue.inline and any(not broken for _, broken in pending):
            queue.schedule_drain()
        for inbox_id, broken in pending:
            if queue.inline or broken:
                try:
                    queue.enqueue(process_event, inbox_id)
                except Exception:  # inline mode: the error is on the event already
                    log.exception("reconcile: event %s failed again", inbox_id)
        return [inbox_id for inbox_id, _ in pending]


def pull_alpinebits(source_name: str) -> dict:
    """Poll one configured AlpineBits server (GUESTCRM_ALPINEBITS_SOURCES) and store what it has."""
    from dataclasses import asdict

    from connectors.alpinebits_client import AlpineBitsClient, sources_from_env
    from guestcrm.extensions import db
    from guestcrm.services.pull import pull_guest_requests

    with _context():
        sources = {s.name: s for s in sources_from_env()}
        if source_name not in sources:
            raise LookupError(f"no AlpineBits source named {source_name!r}")
        return asdict(pull_guest_requests(db.session, AlpineBitsClient(sources[source_name])))
