"""A webhook credential can be limited to some hotels: a message naming another hotel is
refused at the door (403, the protocol's error answer) and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from guestcrm.models import InboxEvent, WebhookCredential
from guestcrm.services.access.credentials import create_webhook_credential
from tests.integration.test_webhooks import AB, OTA, post_alpinebits, post_ota

OTA_HOTEL = "WASJW"  # the hotel of the OpenTravel sample
AB_SAMPLE = AB / "GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml"


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(InboxEvent))


def test_a_credential_for_other_hotels_is_refused_and_nothing_is_stored(client, db_session):
    elsewhere = create_webhook_credential(db_session, "opentravel", "cm-vienna",
                                          properties=["VIE01", "VIE02"])
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    for _ in range(2):  # the second time from the credential cache, if there is one
        response = post_ota(client, elsewhere, body, user="cm-vienna")
        assert response.status_code == 403, response.data[:300]
        assert OTA_HOTEL.encode() in response.data and b"Error" in response.data
    assert stored(db_session) == 0


def test_a_credential_for_the_hotel_is_accepted(client, db_session):
    here = create_webhook_credential(db_session, "opentravel", "cm-dc",
                                     properties=[OTA_HOTEL.lower()])
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    assert post_ota(client, here, body, user="cm-dc").status_code == 200
    assert stored(db_session) == 1
    row = db_session.scalar(select(WebhookCredential).where(WebhookCredential.name == "cm-dc"))
    assert row.properties == [OTA_HOTEL]


def test_an_alpinebits_credential_for_another_hotel_gets_the_protocol_error(client, db_session):
    elsewhere = create_webhook_credential(db_session, "alpinebits", "cm-other",
                                          properties=["NOPE"])
    response = post_alpinebits(client, elsewhere, AB_SAMPLE.read_bytes(), user="cm-other")
    assert response.status_code == 403 and b"ERROR" in response.data.upper()
    assert stored(db_session) == 0


def test_a_credential_without_hotels_may_post_for_any(client, db_session):
    anywhere = create_webhook_credential(db_session, "opentravel", "cm-all")
    body = (OTA / "OTA_HotelResNotifRQ.xml").read_bytes()
    assert post_ota(client, anywhere, body, user="cm-all").status_code == 200


