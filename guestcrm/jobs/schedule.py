"""Periodic work, in one list, enqueued by rq's cron scheduler (`flask --app wsgi scheduler`).

Run one scheduler process per deployment beside the workers: the jobs it enqueues go to the
named queues like any other. Without Redis (the embedded default) nothing runs on a schedule:
`flask --app wsgi nightly`, `reconcile` and `pull-alpinebits` do the same by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from rq.cron import CronScheduler

from connectors.alpinebits_client import sources_from_env
from guestcrm.jobs.cloud import cloud_sync_job
from guestcrm.jobs.identity import re_resolve_job
from guestcrm.jobs.inbox import reconcile
from guestcrm.jobs.perks import mail_outbox_job, perks_nightly_job
from guestcrm.jobs.privacy import retention_job
from guestcrm.jobs.pull import pull_alpinebits
from guestcrm.jobs.value import nightly_value_job


@dataclass(frozen=True)
class Periodic:
    """One periodic job: every `interval` seconds, or at the times of a `cron` expression."""

    name: str
    func: Callable[..., Any]
    queue: str = "default"
    args: tuple = field(default_factory=tuple)
    interval: int | None = None
    cron: str | None = None
    timeout: int | None = None  # seconds; None: the queue's job timeout


def periodic_jobs(config: dict[str, Any]) -> list[Periodic]:
    """Every periodic job of the product; later domains add theirs here."""
    jobs = [
        # Events left `received` (Redis was down, a worker died) are handed on again.
        Periodic("reconcile", reconcile, interval=max(config["RECONCILE_AFTER_SECONDS"], 5)),
        # Recency moves with the calendar even when no stay changes.
        Periodic("nightly-value", nightly_value_job, cron=config["NIGHTLY_CRON"]),
        # Stays completed by their departure passing earn their perks; old codes expire.
        Periodic("nightly-perks", perks_nightly_job, cron=config["NIGHTLY_CRON"]),
        # Guests with no stay for the retention period are erased (0 years: off).
        Periodic("privacy-retention", retention_job, cron=config["NIGHTLY_CRON"]),
        # The model learns again and the whole store is re-resolved, a report first.
        *([Periodic("weekly-re-resolution", re_resolve_job, cron=config["DEDUPE_CRON"],
                    timeout=4 * 3600)] if config["DEDUPE_CRON"] != "off" else []),
        # Mails that waited for the mail server.
        Periodic("mail-outbox", mail_outbox_job, interval=60),
        # What cloud PMS webhooks missed, per connected hotel (0: off).
        *([Periodic("cloud-sync", cloud_sync_job, interval=config["CLOUD_SYNC_SECONDS"])]
          if config["CLOUD_SYNC_SECONDS"] > 0 else []),
    ]
    jobs += [
        Periodic(f"pull-alpinebits-{source.name}", pull_alpinebits, args=(source.name,),
                 interval=config["ALPINEBITS_PULL_SECONDS"])
        for source in sources_from_env()
    ]
    return jobs


def cron_scheduler(config: dict[str, Any], connection: Redis, job_timeout: int,
                   name: str = "guestcrm") -> CronScheduler:
    """rq's cron scheduler with every periodic job registered; `.start()` runs it."""
    scheduler = CronScheduler(connection=connection, name=name)
    for job in periodic_jobs(config):
        scheduler.register(job.func, job.queue, args=job.args, interval=job.interval,
                           cron=job.cron, job_timeout=job.timeout or job_timeout,
                           name=job.name)
    return scheduler
