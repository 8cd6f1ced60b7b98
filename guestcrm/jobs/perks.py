"""rq jobs for perks and their mails: issue for stays just written (after the ingest commit),
the nightly sweep (stays completed by their departure passing, codes expiring), and the mail
outbox. They take ids, load, and call services/perks and services/mail."""

from __future__ import annotations

import logging

from flask import current_app

from guestcrm.extensions import db
from guestcrm.jobs.queue import job_queue
from guestcrm.services.mail.outbox import SmtpSettings, deliver, deliver_due, pending_mail_ids
from guestcrm.services.perks.issuing import (
    completed_stay_ids,
    has_published_offers,
    issue_for_stays,
)
from guestcrm.services.perks.lifecycle import expire_perks

log = logging.getLogger(__name__)
QUEUE = "default"
SWEEP_BATCH = 500


def smtp_settings() -> SmtpSettings:
    config = current_app.config
    return SmtpSettings(host=config.get("SMTP_HOST"), port=config.get("SMTP_PORT", 587),
                        user=config.get("SMTP_USER"), password=config.get("SMTP_PASSWORD"),
                        starttls=config.get("SMTP_STARTTLS", True),
                        sender=config.get("MAIL_FROM", "GuestCRM <no-reply@localhost>"))


def hand_on_stays(stay_ids: list[int]) -> None:
    """After the commit that wrote these stays: perks for their bookings and completions.
    Never lets a perk problem touch ingest: the nightly sweep issues what was missed."""
    if not stay_ids:
        return
    queue = job_queue()
    try:
        if not has_published_offers(db.session):  # no job for nothing to do
            db.session.rollback()
            return
        if queue.inline:
            issue_perks_job(stay_ids)
        else:
            queue.enqueue(issue_perks_job, stay_ids, queue=QUEUE)
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("perks for stays %s not issued now; the nightly sweep will", stay_ids[:5])


def issue_perks_job(stay_ids: list[int]) -> int:
    issued = issue_for_stays(db.session, stay_ids)
    for mail_id in issued.mail_ids:
        hand_on_mail(mail_id)
    return len(issued.perk_ids)


def hand_on_mail(mail_id: int) -> None:
    queue = job_queue()
    if queue.inline:
        send_mail_job(mail_id)
    else:
        queue.enqueue(send_mail_job, mail_id, queue=QUEUE)


def send_perk_mails(perk_id: int) -> None:
    """After the commit that issued a perk by hand: its mail, if the guest gets one."""
    for mail_id in pending_mail_ids(db.session, perk_id):
        hand_on_mail(mail_id)


def send_mail_job(mail_id: int) -> str:
    return deliver(db.session, mail_id, smtp_settings())


def mail_outbox_job() -> dict[str, int]:
    """Periodic: every mail whose next attempt is due."""
    return deliver_due(db.session, smtp_settings())


def perks_nightly_job() -> dict[str, int]:
    """Codes past their expiry are marked expired; stays whose departure passed issue what
    completed stays earn (sources that never send a check-out)."""
    expired = expire_perks(db.session)
    stays = completed_stay_ids(db.session)
    db.session.rollback()
    issued = 0
    for start in range(0, len(stays), SWEEP_BATCH):
        issued += issue_perks_job(stays[start:start + SWEEP_BATCH])
    return {"expired": expired, "issued": issued}
