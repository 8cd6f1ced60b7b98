"""The fast accept path on real services: the credential cache (a wrong secret is refused, a
revoked credential stops working once the TTL is over), the single-statement store on
PostgreSQL and SQLite, and the reused rq queue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from connectors.base import InboundMessage
from guestcrm.extensions import db
from guestcrm.jobs.inbox import process_event
from guestcrm.models import InboxEvent, WebhookCredential
from guestcrm.services.access.credentials import WebhookAuthCache
from guestcrm.services.ingest.inbox import accept_message
from tests.integration.test_webhooks import OTA, basic, creds, post_ota  # noqa: F401

CACHE_KEY = "guestcrm_webhook_auth_cache"


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    """The app's credential cache on a clock the test moves; the real one is put back after."""
    clock = Clock()
    saved = app.extensions.get(CACHE_KEY)
    app.extensions[CACHE_KEY] = WebhookAuthCache(ttl=30, clock=clock)
    yield clock
    if saved is None:
        app.extensions.pop(CACHE_KEY, None)
    else:
        app.extensions[CACHE_KEY] = saved


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(InboxEvent))


def test_a_cached_credential_does_not_let_a_wrong_secret_in(client, creds, db_session, clock):  # noqa: F811
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    assert post_ota(client, creds["opentravel"], body).status_code == 200
    assert post_ota(client, creds["opentravel"] + "x", body).status_code == 401
    assert post_ota(client, creds["opentravel"][:-1], body).status_code == 401
    assert post_ota(client, creds["alpinebits"], body).status_code == 401
    other = body.replace(b"<HotelReservations>", b"<HotelReservations> ")
    response = client.post("/webhooks/opentravel", data=other, content_type="application/xml",
                           headers=basic(creds["opentravel"], user="someone-else"))
    assert response.status_code == 401
    assert stored(db_session) == 1


def test_a_revoked_credential_stops_working_once_the_ttl_is_over(client, creds, db_session, clock):  # noqa: F811
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    assert post_ota(client, creds["opentravel"], body).status_code == 200
    db_session.execute(update(WebhookCredential).where(WebhookCredential.connector == "opentravel")
                       .values(revoked_at=datetime.now(UTC)))
    db_session.commit()
    clock.now += 29  # within the TTL the process still trusts its last successful check
    assert post_ota(client, creds["opentravel"], body).status_code == 200
    clock.now += 2
    assert post_ota(client, creds["opentravel"], body).status_code == 401
    assert post_ota(client, creds["opentravel"], body).status_code == 401


def test_with_the_cache_disabled_a_revoked_credential_is_refused_at_once(
        app, client, creds, db_session):  # noqa: F811
    saved = app.extensions.get(CACHE_KEY)
    app.extensions[CACHE_KEY] = WebhookAuthCache(ttl=0)
    try:
        body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
        assert post_ota(client, creds["opentravel"], body).status_code == 200
        db_session.execute(update(WebhookCredential).values(revoked_at=datetime.now(UTC)))
        db_session.commit()
        assert post_ota(client, creds["opentravel"], body).status_code == 401
    finally:
        app.extensions[CACHE_KEY] = saved


def message(text: bytes) -> InboundMessage:
    return InboundMessage(body=b"<OTA_CancelRQ>" + text + b"</OTA_CancelRQ>",
                          content_type="application/xml", headers={"User-Agent": "t"})


def check_store_once(session) -> None:
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        verb = statement.split(None, 1)[0].upper()
        if verb in ("SELECT", "INSERT", "UPDATE", "DELETE"):  # not the test's SAVEPOINTs
            statements.append(verb)

    engine = session.get_bind().engine
    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        first = accept_message(session, "opentravel", message(b"4111111111111111"), "cm")
        assert not first.duplicate and first.event.id and first.event.status == "received"
        assert first.event.duplicates == 0 and first.event.received_at is not None
        assert statements == ["INSERT"]  # one statement; reading the event costs nothing
        again = accept_message(session, "opentravel", message(b"4111111111111111"), "cm")
        assert again.duplicate and again.event.id == first.event.id
        assert again.event.duplicates == 1
        accept_message(session, "opentravel", message(b"4111111111111111"), "cm")
        other = accept_message(session, "opentravel", message(b"other"), "cm")
        assert not other.duplicate and other.event.id != first.event.id
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)
    session.refresh(first.event)  # still a persistent object, as callers expect
    row = session.scalar(select(InboxEvent).where(InboxEvent.id == first.event.id))
    assert row.duplicates == 2 and row.credential == "cm" and row.headers == {"User-Agent": "t"}
    assert row.body.endswith(b"<OTA_CancelRQ>XXXXXXXXXXXX1111</OTA_CancelRQ>")  # masked, stored
    assert stored(session) == 2


def test_a_message_is_stored_by_one_statement_and_a_repeat_counted_on_postgresql(db_session):
    check_store_once(db_session)


def test_a_message_is_stored_once_and_a_repeat_counted_on_sqlite(sqlite_app):
    with sqlite_app.app_context():
        check_store_once(db.session)


def test_the_rq_queue_is_made_once_per_connection_and_jobs_keep_their_retries(app):
    jobs = app.extensions["guestcrm_jobs"]
    with app.app_context():
        queue = jobs.queue("ingest")
        assert jobs.queue("ingest") is queue
        before = queue.count
        jobs.enqueue(process_event, 12345)
        assert queue.count == before + 1
        job = queue.jobs[-1]
        assert job.args == (12345,) and job.retries_left == 3 and job.timeout == jobs.timeout
        job.delete()
        saved, jobs._redis = jobs._redis, None  # a new connection gets a new queue
        try:
            assert jobs.queue("ingest") is not queue
        finally:
            jobs._redis = saved
