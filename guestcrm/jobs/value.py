"""rq jobs for guest value: the nightly pass over every profile (recency moves with the
calendar even when no stay changes). They take ids, load, and call services/value/.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from guestcrm.jobs.queue import job_queue

log = logging.getLogger(__name__)
NIGHTLY_BATCH = 2000
QUEUE = "default"


def value_batch_job(profile_ids: list[int], today_iso: str | None = None) -> int:
    """One nightly batch; tiers are left to the ranking pass that follows the batches."""
    from guestcrm.extensions import db
    from guestcrm.services.value.counters import recompute_counters
    from guestcrm.services.value.figures import recompute_value

    today = date.fromisoformat(today_iso) if today_iso else None
    # Confirmed stays whose departure has passed count as completed from today on.
    recompute_counters(db.session, profile_ids, today=today)
    recompute_value(db.session, profile_ids, today=today, rank_tiers=False)
    db.session.commit()
    return len(profile_ids)


def rank_tiers_job() -> int:
    from guestcrm.extensions import db
    from guestcrm.models import GuestValue, VipAssignment
    from guestcrm.services.value.ranking import rank_all_tiers
    from guestcrm.services.value.settings import TIERS, load_value_settings
    from guestcrm.services.value.vip import suggest_vip_levels

    settings = load_value_settings(db.session)
    ranked = rank_all_tiers(db.session, settings)
    # Suggestions are added for the top tier and withdrawn where it was lost.
    top = sorted(set(db.session.scalars(select(GuestValue.profile_id).where(
        GuestValue.tier == TIERS[0]))) | set(db.session.scalars(
        select(VipAssignment.profile_id).where(VipAssignment.source == "pyramid"))))
    for start in range(0, len(top), NIGHTLY_BATCH):
        suggest_vip_levels(db.session, top[start:start + NIGHTLY_BATCH], settings)
    db.session.commit()
    return ranked


def nightly_value_job(batch_size: int = NIGHTLY_BATCH) -> int:
    """Split every live profile into batch jobs, then rank the pyramid once they are done."""
    from guestcrm.extensions import db
    from guestcrm.models import GuestProfile

    ids = list(db.session.scalars(select(GuestProfile.id).where(
        GuestProfile.merged_into_id.is_(None)).order_by(GuestProfile.id)))
    db.session.rollback()
    queue = job_queue()
    today = date.today().isoformat()
    batches = [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)]
    if queue.inline:
        for batch in batches:
            value_batch_job(batch, today)
        rank_tiers_job()
        return len(batches)
    from rq import Retry

    rq_queue = queue.queue(QUEUE)
    jobs = [rq_queue.enqueue(value_batch_job, batch, today, job_timeout=queue.timeout,
                             retry=Retry(max=3, interval=[10, 60, 300]))
            for batch in batches]
    # Ranking needs every batch done; rq runs it once they all succeeded.
    rq_queue.enqueue(rank_tiers_job, depends_on=jobs or None, job_timeout=queue.timeout * 5)
    log.info("nightly value: %d profiles in %d batches", len(ids), len(batches))
    return len(batches)
