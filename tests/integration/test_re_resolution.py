"""The scheduled re-resolution: a report first (an audit entry with the plan), then the merges,
each audited and reversible; and a re-resolution running beside the workers waits, merge by
merge, for a batch holding one of the guests' keys (the locks staff merges take)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from guestcrm.db.locks import _key_id
from guestcrm.jobs.schedule import periodic_jobs
from guestcrm.models import AuditEntry, MergeRecord
from guestcrm.services.identity.dedupe import apply_dedupe, plan_dedupe, re_resolve
from guestcrm.services.identity.keys import profile_lock_names
from tests.integration.test_dedupe_cli import live_count, load_guests

pytestmark = pytest.mark.integration


def test_the_weekly_re_resolution_reports_its_plan_then_merges_with_an_audit_entry_each(
        db_session):
    load_guests(db_session, people=200)
    before = live_count(db_session)
    report, done = re_resolve(db_session)
    assert report["merges"] > 0 and done["merged"] > 0
    assert live_count(db_session) == before - done["merged"]
    actions = list(db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[0] == "dedupe.plan" and actions[-1] == "dedupe.apply"
    assert actions.count("profile.merge") == done["merged"]
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)) == done["merged"]


def test_the_schedule_runs_it_weekly_with_a_long_timeout_unless_turned_off(app):
    jobs = {job.name: job for job in periodic_jobs(app.config)}
    weekly = jobs["weekly-re-resolution"]
    assert weekly.cron == "45 3 * * 0" and weekly.timeout >= 3600
    assert "weekly-re-resolution" not in {
        job.name for job in periodic_jobs(app.config | {"DEDUPE_CRON": "off"})}


def test_applying_waits_for_a_batch_that_holds_a_guests_key(app, committed_db):
    from guestcrm.extensions import db

    load_guests(committed_db, people=120)
    plan = plan_dedupe(committed_db)
    survivor, merged, _ = plan.merges[0]
    name = profile_lock_names(committed_db, [merged])[0]
    committed_db.rollback()
    holder = db.engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _key_id(name)})
    finished = threading.Event()

    def run() -> None:
        with app.app_context():
            apply_dedupe(db.session, plan)
            db.session.commit()
            db.session.remove()
        finished.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    time.sleep(1.5)
    waited = not finished.is_set()
    holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key_id(name)})
    holder.close()
    worker.join(timeout=120)
    assert waited and finished.is_set()
