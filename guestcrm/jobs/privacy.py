"""rq job for the retention rule (services/privacy/retention.py): it takes no personal data and
reports how many guests it erased."""

from __future__ import annotations

import logging

from guestcrm.extensions import db
from guestcrm.services.privacy.retention import apply_retention

log = logging.getLogger(__name__)


def retention_job() -> int:
    erased = apply_retention(db.session)
    log.info("retention: %d guests erased", len(erased))
    return len(erased)
