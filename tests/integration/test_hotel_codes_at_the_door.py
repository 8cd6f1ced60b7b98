"""Hotel codes come from messages and create hotels: one that is not letters, digits, '.', '_'
or '-' (at most 32) gets the protocol's error at the door and nothing is stored (issue #12)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from guestcrm.models import InboxEvent, Property
from guestcrm.schemas.reservation import valid_hotel_code
from guestcrm.services.access.credentials import create_webhook_credential
from tests.integration.test_masking_keeps_ids import ota
from tests.integration.test_webhooks import AB, post_alpinebits, post_ota

pytestmark = pytest.mark.integration
BAD_CODES = ['ALP1"; filename="x.csv', "A B", "X" * 33, "HÖTEL", "a/b", "=cmd|' /C calc'!A0",
             "x\u202eexe"]


@pytest.mark.parametrize("code", BAD_CODES)
def test_an_opentravel_message_with_a_bad_hotel_code_is_refused_and_not_stored(
        client, db_session, code):
    secret = create_webhook_credential(db_session, "opentravel", "cm")
    body = ota("RES-1", code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;"),
               "Eva", "Berger", "eva@example.org", "LOY-1")
    response = post_ota(client, secret, body, user="cm")
    assert response.status_code == 400, response.data[:300]
    assert b"hotel code" in response.data
    assert db_session.scalar(select(func.count()).select_from(InboxEvent)) == 0
    assert db_session.scalar(select(func.count()).select_from(Property)) == 0


def test_an_alpinebits_message_with_a_bad_hotel_code_gets_the_protocol_error(client, db_session):
    secret = create_webhook_credential(db_session, "alpinebits", "cm")
    xml = (AB / "GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml").read_bytes()
    bad = xml.replace(b'HotelCode="123"', b'HotelCode="12 3"')
    assert bad != xml
    response = post_alpinebits(client, secret, bad, user="cm")
    assert response.status_code == 400 and response.data.startswith(b"ERROR:")
    assert db_session.scalar(select(func.count()).select_from(InboxEvent)) == 0


def test_good_hotel_codes_pass():
    for code in ("ALP1", "city-1", "hotel_2.b", "X" * 32):
        assert valid_hotel_code(code)
    for code in BAD_CODES + ["", None]:
        assert not valid_hotel_code(code)
