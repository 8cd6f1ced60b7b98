"""Batched processing on PostgreSQL + Redis + a real rq worker: one drain job for many stored
events, one broken event isolated from its batch, a failed batch handed on event by event."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from connectors.fake import FakePMS
from connectors.registry import get_connector
from guestcrm.jobs.inbox import drain_inbox, process_event, schedule_processing
from guestcrm.models import GuestProfile, InboxEvent, OutboundNotification, Stay, StayVersion
from guestcrm.services.ingest import processing
from guestcrm.services.ingest import reservations as ingest_module
from guestcrm.services.ingest.inbox import accept_message
from guestcrm.services.ingest.processing import drain_batch, process_inbox_event
from tests.integration.canonical import canonical_dump, differences
from tests.integration.test_reliability import empty_database
from tests.integration.test_webhooks import drain
from tests.samples import SAMPLES

TODAY = date.today()


def store(session, events) -> list[int]:
    ids = []
    for event in events:
        message = get_connector(event.connector).extract(event.body, event.content_type,
                                                         event.form)
        ids.append(accept_message(session, event.connector, message, credential="test").event.id)
    return ids


def processed_one_at_a_time_then_stored(session, events) -> tuple[dict, list[int]]:
    """The database after processing `events` one at a time (its canonical dump); then an
    empty database with the same events stored again, waiting (their ids)."""
    for inbox_id in store(session, events):
        assert process_inbox_event(session, inbox_id).status == "processed"
    one_at_a_time = canonical_dump(session)
    empty_database(session)
    return one_at_a_time, store(session, events)


def statuses(session) -> dict[str, int]:
    rows = session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status))
    return dict(rows.all())


def test_many_stored_events_make_one_drain_job_that_processes_them_all(app, queue, db_session):
    ids = store(db_session, FakePMS(3).events(60))
    with app.app_context():
        for inbox_id in ids:
            schedule_processing(inbox_id)
        waiting = queue.queue("ingest").jobs
        assert [job.func for job in waiting] == [drain_inbox]
    drain(app)
    assert statuses(db_session) == {"processed": 60}
    assert db_session.scalar(select(func.count()).select_from(Stay)) > 0
    # The drain let go of the flag: the next event asks for a new job.
    with app.app_context():
        schedule_processing(ids[0])
        assert len(queue.queue("ingest").jobs) == 1


def test_batches_end_in_the_same_database_as_one_event_at_a_time(app, committed_db):
    session = committed_db
    one_at_a_time, ids = processed_one_at_a_time_then_stored(session, FakePMS(4).events(120))
    cursor, batches = 0, 0
    while outcome := drain_batch(session, after_id=cursor, limit=25):
        if not outcome.ids:
            break
        assert not outcome.crashed and not outcome.failed
        cursor, batches = outcome.ids[-1], batches + 1
    assert batches == 5 and statuses(session) == {"processed": len(ids)}
    assert not differences(canonical_dump(session), one_at_a_time)


def test_an_event_that_breaks_on_ingest_rolls_back_alone_and_is_retried_on_its_own(
    app, queue, db_session, monkeypatch
):
    ids = store(db_session, FakePMS(5).events(12))
    broken = ids[4]
    real = ingest_module.ingest_reservation

    def flaky(session, reservation, inbox_event_id=None, **kwargs):
        if inbox_event_id == broken:
            real(session, reservation, inbox_event_id, **kwargs)  # writes, then breaks
            raise RuntimeError("a bug met by this one message")
        return real(session, reservation, inbox_event_id, **kwargs)

    monkeypatch.setattr(processing, "ingest_reservation", flaky)
    outcome = drain_batch(db_session)
    assert outcome.crashed == [broken] and len(outcome.processed) == 11
    event = db_session.get(InboxEvent, broken)
    assert event.status == "received" and "a bug met by this one message" in event.error
    assert not db_session.scalar(select(func.count()).select_from(StayVersion)
                                 .where(StayVersion.inbox_event_id == broken))
    assert not drain_batch(db_session).ids  # the drain leaves it to its own retries
    monkeypatch.setattr(processing, "ingest_reservation", real)
    with app.app_context():
        assert process_event(broken) == "processed"
    assert db_session.get(InboxEvent, broken).error is None


def test_a_batch_that_fails_as_a_whole_hands_each_event_to_a_job_of_its_own(
    app, queue, db_session, monkeypatch
):
    ids = store(db_session, FakePMS(6).events(5))

    def broken_recount(*args, **kwargs):
        raise RuntimeError("the batch's recount broke")

    monkeypatch.setattr(processing, "recompute_counters", broken_recount)
    with app.app_context():
        assert drain_inbox()["crashed"] == 5
        waiting = queue.queue("ingest").jobs
    assert sorted(job.args[0] for job in waiting if job.func is process_event) == ids
    assert statuses(db_session) == {"received": 5}
    monkeypatch.undo()
    drain(app)
    assert statuses(db_session) == {"processed": 5}


def test_reconcile_drains_waiting_events_and_retries_broken_ones_on_their_own(
    app, queue, db_session
):
    ids = store(db_session, FakePMS(7).events(4))
    event = db_session.get(InboxEvent, ids[0])
    event.error = "broke earlier"
    db_session.commit()
    from guestcrm.jobs.inbox import reconcile

    with app.app_context():
        assert reconcile(older_than_seconds=0) == ids
        waiting = [(job.func, job.args) for job in queue.queue("ingest").jobs]
    assert waiting == [(drain_inbox, ()), (process_event, (ids[0],))]
    drain(app)
    assert statuses(db_session) == {"processed": 4}


def ota_message(status: str | None, echo: str, stamp: str) -> bytes:
    """The OpenTravel sample, arriving today, with a reservation status of our choosing."""
    body = (SAMPLES / "opentravel" / "2011B" / "samples" / "OTA_HotelResNotifRQ.xml").read_text()
    body = body.replace("2005-10-18", TODAY.isoformat()).replace(
        "2005-10-20", (TODAY + timedelta(days=2)).isoformat())
    body = body.replace('EchoToken="354"', f'EchoToken="{echo}"').replace(
        'TimeStamp="2005-01-26T10:22:00-05:00"', f'TimeStamp="{stamp}"')
    if status:
        body = body.replace("<HotelReservation>", f'<HotelReservation ResStatus="{status}">')
    return body.encode()


def test_a_vip_the_pms_reports_checked_in_sends_the_duty_manager_notice(app, queue, db_session):
    from guestcrm.jobs.notify import deliver_notice_job
    from guestcrm.services.value.vip import assign_vip, save_vip_level

    connector = get_connector("opentravel")

    def push(body: bytes) -> None:
        message = connector.extract(body, "application/xml", {})
        inbox_id = accept_message(db_session, "opentravel", message, credential="test").event.id
        with app.app_context():
            schedule_processing(inbox_id)
        drain(app)

    push(ota_message(None, "1", f"{TODAY.isoformat()}T08:00:00+00:00"))
    stay_id, profile_id = db_session.execute(select(Stay.id, Stay.profile_id)).one()
    save_vip_level(db_session, "VIP1", "VIP 1", "#aa0000", 1, actor="admin")
    assign_vip(db_session, db_session.get(GuestProfile, profile_id), "VIP1", "owner's friend",
               actor="staff:1")
    db_session.commit()
    push(ota_message("In-house", "2", f"{TODAY.isoformat()}T15:00:00+00:00"))
    assert db_session.get(Stay, stay_id).status == "checked_in"
    notice = db_session.scalar(select(OutboundNotification))
    assert notice is not None and notice.payload["vip"]["reason"]
    with app.app_context():
        waiting = [(job.func, job.args) for job in queue.queue("default").jobs]
    assert (deliver_notice_job, (notice.id,)) in waiting


def test_after_an_event_breaks_a_batch_still_knows_the_versions_it_has_seen(
    app, db_session, monkeypatch
):
    """A repeat of an older version, later in the same batch as a broken event, is seen as
    the repeat it is: no second history row, as when events are processed one by one."""
    connector = get_connector("opentravel")
    stamps = {"1": "08:00", "2": "09:00", "3": "10:00", "4": "08:00"}  # 4 repeats version 1
    ids = []
    for echo, at in stamps.items():
        body = ota_message(None, echo, f"{TODAY.isoformat()}T{at}:00+00:00")
        message = connector.extract(body, "application/xml", {})
        ids.append(accept_message(db_session, "opentravel", message, credential="t").event.id)
    real = ingest_module.ingest_reservation

    def flaky(session, reservation, inbox_event_id=None, **kwargs):
        if inbox_event_id == ids[2]:
            raise RuntimeError("a bug met by this one message")
        return real(session, reservation, inbox_event_id, **kwargs)

    monkeypatch.setattr(processing, "ingest_reservation", flaky)
    outcome = drain_batch(db_session)
    assert outcome.crashed == [ids[2]] and len(outcome.processed) == 3
    keys = db_session.scalars(select(StayVersion.version_key)).all()
    assert len(keys) == len(set(keys)) == 2


def test_a_batch_ends_early_rather_than_take_more_locks_than_its_budget(
    app, committed_db, monkeypatch
):
    """PostgreSQL's lock table is shared by every session: a batch takes events while their
    advisory locks fit in LOCK_BUDGET; the rest wait for the next batch, and nothing is lost."""
    session = committed_db
    one_at_a_time, ids = processed_one_at_a_time_then_stored(session, FakePMS(6).events(40))
    monkeypatch.setattr(processing, "LOCK_BUDGET", 12)
    taken_locks = []
    real_lock_keys = processing.lock_keys

    def counting(session, keys, **kwargs):
        taken_locks.append(len(set(keys)))
        return real_lock_keys(session, keys, **kwargs)

    monkeypatch.setattr(processing, "lock_keys", counting)
    cursor, sizes = 0, []
    while (outcome := drain_batch(session, after_id=cursor, limit=40)).ids:
        cursor = outcome.ids[-1]
        sizes.append(len(outcome.ids))
    assert statuses(session) == {"processed": len(ids)}
    assert len(sizes) > 1 and max(sizes) < 40 and sum(sizes) == len(ids)
    assert max(taken_locks) <= 12
    assert not differences(canonical_dump(session), one_at_a_time)
