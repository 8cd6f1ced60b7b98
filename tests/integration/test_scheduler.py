"""`flask --app wsgi scheduler` hands the one schedule list to rq's cron scheduler, which
enqueues each job on its queue when it is due."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_the_scheduler_lists_the_schedule(app):
    result = app.test_cli_runner().invoke(args=["scheduler", "--list"])
    assert result.exit_code == 0, result.output
    assert "reconcile: guestcrm.jobs.inbox.reconcile on default, every" in result.output
    assert "nightly-value: guestcrm.jobs.value.nightly_value_job on default, cron" in result.output
    assert "nightly-perks: guestcrm.jobs.perks.perks_nightly_job on default, cron" in result.output
    assert "mail-outbox: guestcrm.jobs.perks.mail_outbox_job on default, every" in result.output
    assert ("privacy-retention: guestcrm.jobs.privacy.retention_job on default, cron"
            in result.output)


def test_due_periodic_jobs_land_on_their_queue(app):
    from guestcrm.jobs.queue import job_queue
    from guestcrm.jobs.schedule import cron_scheduler

    with app.app_context():
        jobs = job_queue()
        queue = jobs.queue("default")
        queue.empty()
        cron_scheduler(app.config, jobs.connection(), jobs.timeout, name="test").enqueue_jobs()  # interval jobs run at once, cron jobs at their time
        names = [job.func_name for job in queue.get_jobs()]
        queue.empty()
    assert sorted(names) == ["guestcrm.jobs.cloud.cloud_sync_job",
                             "guestcrm.jobs.inbox.reconcile",
                             "guestcrm.jobs.perks.mail_outbox_job"]
