"""Perks on the job path: a PMS message that brings a qualifying booking has its perk issued by
a job on the default queue after the ingest commit; the nightly job issues for stays completed
by their departure passing and expires old codes. On the embedded default (SQLite, no Redis)
the same happens in-process."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from connectors.registry import get_connector
from guestcrm.jobs.inbox import schedule_processing
from guestcrm.jobs.perks import issue_perks_job, perks_nightly_job
from guestcrm.models import OutboundMail, Perk
from guestcrm.services.ingest.inbox import accept_message
from tests.burst import run_burst
from tests.integration.perk_support import guest, publish_offer, stay
from tests.integration.test_drain import ota_message
from tests.integration.test_webhooks import drain

pytestmark = pytest.mark.integration
TODAY = date.today()


def push(app, session, body: bytes) -> None:
    message = get_connector("opentravel").extract(body, "application/xml", {})
    inbox_id = accept_message(session, "opentravel", message, credential="test").event.id
    with app.app_context():
        schedule_processing(inbox_id)
    drain(app)


def test_a_booking_from_the_pms_gets_its_perk_from_a_job_after_ingest(app, queue, db_session):
    publish_offer(db_session, name="Welcome", perk_type="amenity",
                  rule={"trigger": "booking", "nth_stay": 1})
    push(app, db_session, ota_message(None, "1", f"{TODAY.isoformat()}T08:00:00+00:00"))
    with app.app_context():
        waiting = [(job.func, job.args) for job in queue.queue("default").jobs]
        assert [func for func, _ in waiting] == [issue_perks_job]
        run_burst(queue, "default")
    assert db_session.scalar(select(func.count()).select_from(Perk)) == 1
    # The same message again: processed, and no second perk.
    push(app, db_session, ota_message(None, "1", f"{TODAY.isoformat()}T08:00:00+00:00"))
    with app.app_context():
        run_burst(queue, "default")
    assert db_session.scalar(select(func.count()).select_from(Perk)) == 1


def test_the_nightly_job_issues_for_departed_stays_and_expires_old_codes(app, db_session):
    publish_offer(db_session, rule={"nth_stay": 1})
    departed = stay(db_session, "S1", status="confirmed", ago=1)  # no check-out ever comes
    old = stay(db_session, "S2", ago=2, nights=1,
               who=guest(email="ben@mail.test", first="Ben", last="Bauer"))
    departed_id, old_id = departed.id, old.id
    # (the test's app context is the job's: the worker gives each job one)
    assert perks_nightly_job() == {"expired": 0, "issued": 2}
    perk = db_session.scalar(select(Perk).where(Perk.stay_id == old_id))
    perk.expires_on = TODAY - timedelta(days=1)
    db_session.commit()
    assert perks_nightly_job() == {"expired": 1, "issued": 0}
    assert db_session.scalar(select(Perk.status).where(Perk.stay_id == departed_id)) == "issued"


def test_on_the_embedded_default_a_webhook_issues_and_mails_in_process(sqlite_app):
    from guestcrm.extensions import db

    with sqlite_app.app_context():
        publish_offer(db.session, name="Welcome", perk_type="amenity",
                      rule={"trigger": "booking", "nth_stay": 1})
        message = get_connector("opentravel").extract(
            ota_message(None, "1", f"{TODAY.isoformat()}T08:00:00+00:00"), "application/xml", {})
        inbox_id = accept_message(db.session, "opentravel", message, credential="t").event.id
        schedule_processing(inbox_id)
        assert db.session.scalar(select(func.count()).select_from(Perk)) == 1
        mails = db.session.scalars(select(OutboundMail.status)).all()
        assert all(status == "pending" for status in mails)  # no SMTP server configured
