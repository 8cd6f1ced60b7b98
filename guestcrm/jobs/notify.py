"""rq job delivering duty-manager notices (services/recognition/notify.py), retried with
growing delays."""

from __future__ import annotations

import os

from flask import current_app

from guestcrm.jobs.queue import job_queue

# Seconds between attempts: a receiver that is down for a while still gets the notice.
BACKOFF = [10, 30, 120, 600, 1800]


def _setting(name: str) -> str | None:
    return current_app.config.get(name) or os.environ.get(f"GUESTCRM_{name}") or None


def deliver_notice_job(notice_id: int) -> str:
    from guestcrm.extensions import db
    from guestcrm.services.recognition.notify import deliver

    return deliver(db.session, notice_id, _setting("DUTY_WEBHOOK_URL"),
                   _setting("DUTY_WEBHOOK_SECRET"))


def enqueue_notice(notice_id: int) -> None:
    """After the commit that stored the notice; inline mode tries once and keeps the error."""
    from guestcrm.services.recognition.notify import DeliveryFailed

    queue = job_queue()
    if queue.inline:
        try:
            deliver_notice_job(notice_id)
        except DeliveryFailed:
            current_app.logger.warning("duty-manager notice %s not delivered", notice_id)
        return
    from rq import Retry

    queue.queue("default").enqueue(deliver_notice_job, notice_id, job_timeout=30,
                                   retry=Retry(max=len(BACKOFF), interval=BACKOFF))
