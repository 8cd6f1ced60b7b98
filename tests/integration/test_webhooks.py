"""POST /webhooks/<connector> on PostgreSQL + Redis + a real rq worker (burst)."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import LargeBinary, func, select, text

from connectors.card_data import contains_card_number
from guestcrm.extensions import db
from guestcrm.models import GuestProfile, InboxEvent, Stay
from guestcrm.services.access.credentials import create_webhook_credential
from tests.burst import run_burst
from tests.samples import SAMPLES

AB = SAMPLES / "alpinebits" / "samples"
OTA = SAMPLES / "opentravel" / "2011B" / "samples"
PUSH = "OTA_HotelResNotif:GuestRequests"


@pytest.fixture
def creds(db_session):
    return {
        name: create_webhook_credential(db_session, name, "channel-manager")
        for name in ("alpinebits", "opentravel")
    }


def basic(secret: str, user: str = "channel-manager") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def post_alpinebits(client, secret, xml: bytes, action=PUSH, version="2020-10",
                    user: str = "channel-manager"):
    headers = basic(secret, user) | {
        "X-AlpineBits-ClientID": "test-client",
        "X-AlpineBits-ClientProtocolVersion": version,
    }
    return client.post(
        "/webhooks/alpinebits",
        data={"action": action, "request": xml.decode()},
        headers=headers,
        content_type="multipart/form-data",
    )


def post_ota(client, secret, xml: bytes, content_type="application/xml",
             user: str = "channel-manager"):
    return client.post(
        "/webhooks/opentravel", data=xml, headers=basic(secret, user), content_type=content_type
    )


def drain(app) -> None:
    """Run a real rq worker in burst mode until the queue is empty."""
    jobs = app.extensions["guestcrm_jobs"]
    with app.app_context():  # the jobs then use the test's (rolled back) session
        run_burst(jobs, "ingest")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_an_alpinebits_push_is_stored_queued_and_ingested(app, client, creds, db_session):
    body = (AB / "GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml").read_bytes()
    response = post_alpinebits(client, creds["alpinebits"], body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert b"OTA_HotelResNotifRS" in response.data and b"Success" in response.data
    event = db_session.scalar(select(InboxEvent))
    assert event.status == "received" and event.action == PUSH
    drain(app)
    event = db_session.scalar(select(InboxEvent))
    assert event.status == "processed", event.error
    stay = db_session.scalar(select(Stay))
    assert (stay.external_id, stay.status, str(stay.arrival)) == (
        "6b34fe24ac2ff810",
        "confirmed",
        "2012-01-01",
    )
    profile = db_session.get(GuestProfile, stay.profile_id)
    assert (profile.first_name, profile.last_name) == ("Otto", "Mustermann")


def test_an_opentravel_push_is_answered_with_success_and_the_echo_token(
    app, client, creds, db_session
):
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    response = post_ota(client, creds["opentravel"], body)
    assert response.status_code == 200
    assert b"<Success" in response.data
    drain(app)
    assert db_session.scalar(select(InboxEvent.status)) == "processed"
    profile = db_session.scalar(select(GuestProfile))
    assert profile.last_name == "Dewberry"
    assert {(p.key, p.value) for p in profile.preferences} >= {
        ("smoking", "non_smoking"),
        ("bed", "king"),
    }


def test_a_duplicate_delivery_is_stored_once(client, creds, db_session):
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    for _ in range(3):
        assert post_ota(client, creds["opentravel"], body).status_code == 200
    event = db_session.scalar(select(InboxEvent))
    assert count(db_session, InboxEvent) == 1 and event.duplicates == 2


def test_wrong_credentials_get_401_and_store_nothing(client, creds, db_session):
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    assert post_ota(client, "not-the-secret", body).status_code == 401
    assert (
        client.post("/webhooks/opentravel", data=body, content_type="application/xml").status_code
        == 401
    )
    assert (
        post_ota(client, creds["alpinebits"], body).status_code == 401
    )  # another connector's secret
    assert count(db_session, InboxEvent) == 0


def test_an_unknown_connector_is_404(client):
    assert client.post("/webhooks/nonesuch", data=b"<x/>").status_code == 404


def test_a_body_over_the_limit_is_refused_and_not_stored(app, client, creds, db_session):
    big = (
        b"<OTA_HotelResNotifRQ>"
        + b" " * app.config["WEBHOOK_MAX_BYTES"]
        + b"</OTA_HotelResNotifRQ>"
    )
    assert post_ota(client, creds["opentravel"], big).status_code == 413
    assert count(db_session, InboxEvent) == 0


BAD_BODIES = {
    "malformed": b"<OTA_HotelResNotifRQ><HotelReservations>",
    "xxe": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<OTA_HotelResNotifRQ>&x;</OTA_HotelResNotifRQ>",
    "bomb": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
    b'&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><OTA_HotelResNotifRQ>&c;'
    b"</OTA_HotelResNotifRQ>",
    "not utf-8": '<?xml version="1.0" encoding="UTF-8"?><OTA_HotelResNotifRQ>Müller'
    "</OTA_HotelResNotifRQ>".encode("latin-1"),
    "wrong root": b"<OTA_PingRQ/>",
    "empty": b"",
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_opentravel_input_gets_a_clear_4xx_and_writes_nothing(client, creds, db_session, case):
    response = post_ota(client, creds["opentravel"], BAD_BODIES[case])
    assert 400 <= response.status_code < 500 or b"<Errors" in response.data, case
    assert count(db_session, InboxEvent) == 0 and count(db_session, Stay) == 0


def test_departure_before_arrival_is_refused(client, creds, db_session):
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    swapped = body.replace(b'Start="2005-10-18"', b'Start="2005-10-25"').replace(
        b'End="2005-10-20"', b'End="2005-10-17"'
    )
    assert swapped != body
    response = post_ota(client, creds["opentravel"], swapped)
    assert response.status_code >= 400 or b"<Errors" in response.data
    assert count(db_session, InboxEvent) == 0


def test_wrong_content_type_is_refused(client, creds, db_session):
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    response = post_ota(client, creds["opentravel"], body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert count(db_session, InboxEvent) == 0


def test_an_alpinebits_request_without_action_is_an_error_answer(client, creds, db_session):
    response = client.post(
        "/webhooks/alpinebits",
        data={"request": "<x/>"},
        headers=basic(creds["alpinebits"]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and response.data.startswith(b"ERROR:")
    assert count(db_session, InboxEvent) == 0


def test_the_alpinebits_handshake_is_answered_at_once(client, creds, db_session):
    body = (AB / "Handshake-OTA_PingRQ.xml").read_bytes()
    response = post_alpinebits(client, creds["alpinebits"], body, action="OTA_Ping:Handshaking")
    assert response.status_code == 200 and b"OTA_PingRS" in response.data
    assert count(db_session, InboxEvent) == 0


def test_a_database_outage_answers_503():
    from guestcrm import create_app

    down = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none",
            "REDIS_URL": None,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "WEBHOOK_ENV_CREDENTIALS": {"opentravel": "cm:s3cret"},
        }
    )
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    response = down.test_client().post(
        "/webhooks/opentravel",
        data=body,
        content_type="application/xml",
        headers=basic("s3cret", user="cm"),
    )
    assert response.status_code == 503


def test_when_redis_is_down_the_event_waits_for_the_reconciler(app, client, creds, db_session):
    jobs = app.extensions["guestcrm_jobs"]
    real_url, jobs.redis_url, jobs._redis = jobs.redis_url, "redis://127.0.0.1:1/0", None
    try:
        body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
        assert post_ota(client, creds["opentravel"], body).status_code == 200
    finally:
        jobs.redis_url, jobs._redis = real_url, None
    assert db_session.scalar(select(InboxEvent.status)) == "received"
    from guestcrm.jobs.inbox import reconcile

    with app.app_context():
        assert len(reconcile(older_than_seconds=0)) == 1
    drain(app)
    assert db_session.scalar(select(InboxEvent.status)) == "processed"


def test_after_every_sample_no_card_number_is_left_in_the_database(app, client, creds, db_session):
    for path in sorted(AB.glob("*.xml")):
        post_alpinebits(client, creds["alpinebits"], path.read_bytes())
    for path in sorted(OTA.glob("*.xml")):
        post_ota(client, creds["opentravel"], path.read_bytes())
    drain(app)
    assert count(db_session, Stay) >= 5
    values: list[str] = []
    for table in db.metadata.sorted_tables:
        # bytea renders as hex, whose digit runs could look like cards: those are decoded below
        columns = [c.name for c in table.columns if not isinstance(c.type, LargeBinary)]
        select_list = ", ".join(f'"{c}"::text' for c in columns)
        for row in db_session.execute(text(f'SELECT {select_list} FROM "{table.name}"')):
            values += [v for v in row if v]
    bodies = db_session.scalars(select(InboxEvent.body)).all()
    values += [b.decode("utf-8", "replace") for b in bodies]
    # A SHA-256 digest (secret hashes, dedupe keys) is 64 random hex digits: now and then a
    # 13-19 digit stretch of it passes Luhn. It is a hash we made, not card data.
    digest = re.compile(r"(sha256:)?[0-9a-f]{64}")
    assert [v for v in values if not digest.fullmatch(v) and contains_card_number(v)] == []
