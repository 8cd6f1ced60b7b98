"""rq job for the scheduled re-resolution of the whole store (services/identity/dedupe.py):
the model is learned again, the plan is recorded as a report, then applied beside the workers."""

from __future__ import annotations

import logging

from guestcrm.extensions import db
from guestcrm.services.identity.dedupe import re_resolve

log = logging.getLogger(__name__)


def re_resolve_job() -> dict[str, int]:
    report, done = re_resolve(db.session)
    log.info("re-resolution: %s merges planned, %s done, %s review tasks", report["merges"],
             done["merged"], done["review_tasks"])
    return done
