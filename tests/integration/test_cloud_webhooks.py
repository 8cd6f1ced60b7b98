"""Cloud PMS webhooks (Apaleo, Mews, Cloudbeds) end to end against the fake vendor API: the
event is stored, fetched over the real HTTP path, ingested; and each fault the issue lists."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from guestcrm.models import ConnectorConnection, GuestProfile, InboxEvent, Property, Stay
from tests.integration.cloud_support import (
    ACCOUNTS,
    connect,
    credential,
    event_for,
    post_event,
)
from tests.integration.test_webhooks import drain

pytestmark = pytest.mark.integration
VENDORS = ("apaleo", "mews", "cloudbeds")


def stays(session, vendor: str) -> list[Stay]:
    return list(session.scalars(select(Stay).where(Stay.source == vendor)))


def inbox(session) -> dict[str, int]:
    rows = session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status))
    return dict(rows.all())


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_event_is_stored_fetched_and_becomes_a_stay(app, client, db_session, queue, cloud,
                                                      vendor):
    connect(db_session, app, cloud, vendor)
    secret = credential(db_session, vendor)
    record = cloud.add_stays(vendor, ACCOUNTS[vendor][0], 0, 1)[0]
    reservation_id = record.get("id") or record.get("Id") or record["reservationID"]
    answer = post_event(client, vendor, secret, event_for(vendor, reservation_id, "created"))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    drain(app)
    [stay] = stays(db_session, vendor)
    assert stay.external_id == reservation_id
    assert db_session.get(Property, stay.property_id).code == ACCOUNTS[vendor][1]
    assert stay.status == "checked_out"
    profile = db_session.get(GuestProfile, stay.profile_id)
    assert profile is not None and profile.last_name
    assert inbox(db_session) == {"processed": 2}  # the notification and the fetched document


@pytest.mark.parametrize("vendor", VENDORS)
def test_wrong_or_missing_credentials_get_401_and_store_nothing(client, db_session, vendor):
    credential(db_session, vendor)
    body = event_for(vendor, "R1")
    assert post_event(client, vendor, "wrong-secret", body).status_code == 401
    assert client.post(f"/webhooks/{vendor}", json=body).status_code == 401
    assert inbox(db_session) == {}


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"hello": "world"}', b"\xff\xfe"])
def test_malformed_json_gets_a_4xx_and_nothing_is_stored(client, db_session, vendor, body):
    secret = credential(db_session, vendor)
    answer = post_event(client, vendor, secret, body)
    assert answer.status_code == 400
    assert answer.is_json and answer.get_json()["error"]
    assert inbox(db_session) == {}


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_unknown_event_type_is_stored_and_ignored_with_its_reason(app, client, db_session,
                                                                    queue, vendor):
    secret = credential(db_session, vendor)
    body = {"apaleo": {"topic": "Reservation", "type": "teleported", "id": "e1",
                       "propertyId": "MUC", "data": {"entityId": "X-1"}},
            "mews": {"EnterpriseId": "ent-7f3a",
                     "Events": [{"Discriminator": "ResourceBlockUpdated", "Value": {"Id": "b"}}]},
            "cloudbeds": {"event": "housekeeping/room_condition_changed",
                          "propertyID": 184523}}[vendor]
    assert post_event(client, vendor, secret, body).status_code == 200
    drain(app)
    [event] = db_session.scalars(select(InboxEvent)).all()
    assert event.status == "ignored"
    assert "unknown event type" in str(event.result["ignored"])


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_id_the_api_does_not_know_fails_the_event_with_the_reason(app, client, db_session,
                                                                    queue, cloud, vendor):
    connect(db_session, app, cloud, vendor)
    secret = credential(db_session, vendor)
    post_event(client, vendor, secret, event_for(vendor, "R999999999"))
    drain(app)
    [event] = db_session.scalars(select(InboxEvent)).all()
    assert event.status == "failed"
    assert "R999999999" in event.error or "404" in event.error
    assert stays(db_session, vendor) == []


def test_an_event_for_a_hotel_not_connected_fails_visibly_and_can_be_replayed(
        app, client, db_session, queue, cloud):
    secret = credential(db_session, "apaleo")
    cloud.add_stays("apaleo", "MUC", 0, 1)
    post_event(client, "apaleo", secret, event_for("apaleo", "R000000000"))
    drain(app)
    [event] = db_session.scalars(select(InboxEvent)).all()
    assert event.status == "failed" and "/admin/connectors" in event.error
    connect(db_session, app, cloud, "apaleo")
    from guestcrm.jobs.inbox import process_event
    from guestcrm.services.ingest.inbox import replay

    replay(db_session, event.id, actor="test")
    with app.app_context():
        process_event(event.id)  # the fetch goes to the queue
    drain(app)
    assert len(stays(db_session, "apaleo")) == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_three_deliveries_out_of_order_end_as_one_stay_in_its_newest_state(
        app, client, db_session, queue, cloud, vendor):
    connect(db_session, app, cloud, vendor)
    secret = credential(db_session, vendor)
    account = ACCOUNTS[vendor][0]
    record = cloud.add_stays(vendor, account, 5, 1)[0]
    reservation_id = record.get("id") or record.get("Id") or record["reservationID"]
    deliveries = []
    for kind in ("created", "changed", "checked-out"):
        body = event_for(vendor, reservation_id, kind, event_id=f"{kind}-1")
        deliveries += [body] * 3
    for body in reversed(deliveries):  # newest first, each three times
        assert post_event(client, vendor, secret, body).status_code == 200
    drain(app)
    [stay] = stays(db_session, vendor)
    assert stay.status == "checked_out"
    assert inbox(db_session).get("failed", 0) == 0
    assert db_session.scalar(select(func.count()).select_from(Stay)) == 1


def test_a_credential_limited_to_another_hotel_is_refused(app, client, db_session, cloud):
    from guestcrm.services.access.credentials import create_webhook_credential

    connect(db_session, app, cloud, "apaleo")
    secret = create_webhook_credential(db_session, "apaleo", "other", properties=["ELSE1"])
    from tests.integration.test_webhooks import basic

    answer = client.post("/webhooks/apaleo", json=event_for("apaleo", "R1"),
                         headers=basic(secret, "other"))
    assert answer.status_code == 403
    assert inbox(db_session) == {}


def test_a_revoked_token_shows_on_the_connection_and_fails_the_event(
        app, client, db_session, queue, cloud):
    row_id = connect(db_session, app, cloud, "apaleo").id
    secret = credential(db_session, "apaleo")
    cloud.add_stays("apaleo", "MUC", 0, 1)
    cloud.revoke()
    post_event(client, "apaleo", secret, event_for("apaleo", "R000000000"))
    drain(app)
    [event] = db_session.scalars(select(InboxEvent)).all()
    assert event.status == "failed" and "refused" in event.error
    row = db_session.get(ConnectorConnection, row_id)
    assert row.last_error and "invalid_client" in row.last_error
    assert row.last_error_at is not None


def test_admins_see_ignored_and_fetching_events_with_their_reason(app, client, db_session, queue):
    from tests.factories import sign_in, staff

    secret = credential(db_session, "cloudbeds")
    post_event(client, "cloudbeds", secret, {"event": "housekeeping/room_condition_changed",
                                              "propertyID": 184523})
    drain(app)
    sign_in(client, staff("admin"))
    page = client.get("/admin/inbox?status=ignored").get_data(as_text=True)
    assert "Ignored (1)" in page and "unknown event type housekeeping/room_condition_changed" in page
    assert client.get("/admin/inbox?status=fetching").status_code == 200
