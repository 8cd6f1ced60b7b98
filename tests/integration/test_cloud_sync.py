"""Scheduled sync and resumable backfill from the fake vendor API, on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from guestcrm.models import BackfillRun, ConnectorConnection, InboxEvent, Stay
from guestcrm.services.ingest.cloud_sync import (
    progress_of,
    run_backfill,
    start_backfill,
    sync_connection,
)
from guestcrm.services.ingest.processing import process_inbox_event
from tests.integration.cloud_support import (
    ACCOUNTS,
    connect,
)

pytestmark = pytest.mark.integration


def process(session):
    def handle(inbox_id: int) -> None:
        assert process_inbox_event(session, inbox_id).status == "processed"
    return handle


def stay_count(session, vendor: str) -> int:
    return session.scalar(select(func.count()).select_from(Stay).where(Stay.source == vendor))


@pytest.mark.parametrize("vendor", ("apaleo", "mews", "cloudbeds"))
def test_sync_pulls_what_changed_and_moves_its_cursor(app, db_session, cloud, vendor):
    row = connect(db_session, app, cloud, vendor)
    cloud.add_stays(vendor, ACCOUNTS[vendor][0], 0, 7)
    report = sync_connection(db_session, row, app.config, process(db_session),
                             since=datetime(2015, 1, 1, tzinfo=UTC))
    assert report.error is None and report.reservations == 7
    assert stay_count(db_session, vendor) == 7
    row = db_session.get(ConnectorConnection, row.id)
    assert row.sync_cursor == report.cursor and row.last_sync_result.startswith("7 ")
    # Nothing new: the next sync from the cursor stores nothing new.
    again = sync_connection(db_session, row, app.config, process(db_session))
    assert again.error is None
    assert stay_count(db_session, vendor) == 7


def test_a_vendor_outage_during_sync_leaves_the_cursor_where_it_was(app, db_session, cloud):
    row = connect(db_session, app, cloud, "cloudbeds")
    cloud.add_stays("cloudbeds", ACCOUNTS["cloudbeds"][0], 0, 3)
    row.sync_cursor = "2015-01-01 00:00:00"
    db_session.commit()
    cloud.fail(503, times=50)
    report = sync_connection(db_session, row, app.config, process(db_session))
    assert report.error and "503" in report.error
    row = db_session.get(ConnectorConnection, row.id)
    assert row.sync_cursor == "2015-01-01 00:00:00"
    assert row.last_sync_result.startswith("failed")
    cloud.faults.clear()
    assert sync_connection(db_session, row, app.config, process(db_session)).error is None
    assert stay_count(db_session, "cloudbeds") == 3


def test_an_expired_token_is_refreshed_once_and_the_sync_goes_on(app, db_session, cloud):
    row = connect(db_session, app, cloud, "apaleo")
    cloud.add_stays("apaleo", "MUC", 0, 2)
    first = sync_connection(db_session, row, app.config, process(db_session),
                            since=datetime(2015, 1, 1, tzinfo=UTC))
    assert first.error is None
    cloud.requests.clear()
    cloud.expire_tokens()
    row = db_session.get(ConnectorConnection, row.id)
    # A new connection object per call has no token yet; keep one to see the refresh.
    from guestcrm.services.ingest.connections import api_for

    api = api_for(row, app.config)
    assert api.probe().startswith("property MUC")
    cloud.expire_tokens()
    cloud.requests.clear()
    assert api.probe().startswith("property MUC")
    paths = [path for _, _, path in cloud.requests]
    assert paths == ["/booking/v1/reservations", "/connect/token", "/booking/v1/reservations"]


def test_429_with_retry_after_is_honoured_and_5xx_bursts_are_retried(app, db_session, cloud):
    row = connect(db_session, app, cloud, "mews")
    cloud.add_stays("mews", ACCOUNTS["mews"][0], 0, 3)
    cloud.fail(429, retry_after="1")
    cloud.fail(502, times=2)
    started = datetime.now(UTC)
    report = sync_connection(db_session, row, app.config, process(db_session),
                             since=datetime(2015, 1, 1, tzinfo=UTC))
    assert report.error is None and report.reservations == 3
    assert (datetime.now(UTC) - started).total_seconds() >= 1.0


def test_a_backfill_interrupted_part_way_resumes_without_duplicates(app, db_session, cloud):
    row = connect(db_session, app, cloud, "cloudbeds")
    cloud.add_synthetic("cloudbeds", ACCOUNTS["cloudbeds"][0], 950)
    run = start_backfill(db_session, row, "test")

    class Interrupted(Exception):
        pass

    def stop_after_four_pages(current: BackfillRun) -> None:
        if current.pages == 4 and current.status == "running":
            raise Interrupted

    with pytest.raises(Interrupted):
        run_backfill(db_session, run.id, app.config, process(db_session),
                     progress=stop_after_four_pages)
    halfway = db_session.get(BackfillRun, run.id)
    assert halfway.pages == 4 and halfway.reservations == 400 and halfway.total == 950
    assert stay_count(db_session, "cloudbeds") == 400
    halfway.updated_at = datetime(2020, 1, 1, tzinfo=UTC)  # its worker died long ago
    db_session.commit()
    done = run_backfill(db_session, run.id, app.config, process(db_session))
    assert done.status == "done" and done.reservations == 950 and done.pages == 10
    assert stay_count(db_session, "cloudbeds") == 950
    documents = db_session.scalar(select(func.count()).select_from(InboxEvent))
    assert documents == 10
    progress = progress_of(done)
    assert progress.done == 950 and progress.eta_seconds is None


def test_a_running_backfill_is_not_run_twice_at_once(app, db_session, cloud):
    from guestcrm.errors import Refused

    row = connect(db_session, app, cloud, "apaleo")
    run = start_backfill(db_session, row, "test")
    with pytest.raises(Refused):
        start_backfill(db_session, row, "test")
    run.status, run.updated_at = "running", datetime.now(UTC)
    db_session.commit()
    with pytest.raises(Refused, match="is running"):
        run_backfill(db_session, run.id, app.config, process(db_session))


def test_a_vendor_outage_fails_the_backfill_and_resuming_goes_on(app, db_session, cloud):
    row = connect(db_session, app, cloud, "apaleo")
    cloud.add_synthetic("apaleo", "MUC", 450)
    run = start_backfill(db_session, row, "test")
    seen = []

    def outage_after_first_page(current: BackfillRun) -> None:
        seen.append(current.pages)
        if current.pages == 1:
            cloud.fail(500, times=20)

    failed = run_backfill(db_session, run.id, app.config, process(db_session),
                          progress=outage_after_first_page)
    assert failed.status == "failed" and "resume" in failed.error
    cloud.faults.clear()
    done = run_backfill(db_session, run.id, app.config, process(db_session))
    assert done.status == "done" and stay_count(db_session, "apaleo") == 450
