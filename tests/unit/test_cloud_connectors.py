"""Each cloud PMS connector's tables: states, channels, guest fields, ids; notifications; card
data in a document masked before it is stored."""

from __future__ import annotations

import json

import pytest

from connectors.base import ConnectorError
from connectors.cloud import DOCUMENT, FetchNeeded, document_message
from connectors.fake_cloud_records import apaleo, cloudbeds, mews, stay_for, webhook
from connectors.registry import get_connector


def parse(vendor: str, items: list[dict], code: str = "H1"):
    connector = get_connector(vendor)
    message = connector.mask(document_message({"property": code, "items": items}))
    return connector.parse(message)


@pytest.mark.parametrize(("state", "expected"), [
    ("Confirmed", "confirmed"), ("InHouse", "checked_in"), ("CheckedOut", "checked_out"),
    ("Canceled", "cancelled"), ("NoShow", "no_show")])
def test_apaleo_states(state, expected):
    record = apaleo(stay_for(1, 1), "MUC") | {"status": state}
    [reservation] = parse("apaleo", [{"reservation": record}]).reservations
    assert reservation.status == expected


@pytest.mark.parametrize(("state", "reason", "expected"), [
    ("Confirmed", None, "confirmed"), ("Started", None, "checked_in"),
    ("Processed", None, "checked_out"), ("Canceled", None, "cancelled"),
    ("Canceled", "NoShow", "no_show"), ("Optional", None, "requested")])
def test_mews_states_and_the_customer_as_guest(state, reason, expected):
    record, customer = mews(stay_for(1, 2), "ent")
    record |= {"State": state, "CancellationReason": reason}
    customer |= {"Classifications": ["Vip", "DisabledPerson"], "LoyaltyCode": "L-77",
                 "Options": ["SendMarketingEmails"]}
    [reservation] = parse("mews", [{"reservation": record, "guest": customer}]).reservations
    assert reservation.status == expected
    guest = reservation.guests[0]
    assert guest.pms_profile_id == customer["Id"]  # the vendor's guest id: an exact key
    assert guest.loyalty[0].number == "L-77"
    assert guest.emails[0].marketing_consent is True
    assert ("accessible", "yes") in {(p.key, p.value) for p in reservation.preferences}
    assert "PMS classification: Vip" in reservation.comments


@pytest.mark.parametrize(("source", "channel"), [
    ("Website", "direct"), ("Booking.com", "ota"), ("Expedia", "ota"), ("Walk-In", "walk_in"),
    ("Phone", "phone"), ("Something else", "other")])
def test_cloudbeds_channels(source, channel):
    record = cloudbeds(stay_for(1, 3), "184523") | {"source": source}
    [reservation] = parse("cloudbeds", [{"reservation": record}]).reservations
    assert reservation.channel == channel
    assert reservation.guests[0].phones[0].kind == "mobile"


def test_a_card_number_in_a_document_is_masked_before_storing():
    record = cloudbeds(stay_for(1, 4), "184523")
    record["cardsOnFile"] = [{"cardID": "1", "cardNumber": "4111111111111111"}]
    record["notes"] = "guest card 4111 1111 1111 1111 exp 12/29"
    connector = get_connector("cloudbeds")
    stored = connector.mask(document_message({"items": [{"reservation": record}]})).body
    assert b"4111111111111111" not in stored and b"4111 1111 1111 1111" not in stored


def test_one_bad_reservation_in_a_page_does_not_cost_the_others():
    good = apaleo(stay_for(1, 5), "MUC")
    bad = apaleo(stay_for(1, 6), "MUC") | {"departure": "2001-01-01T11:00:00Z"}
    result = parse("apaleo", [{"reservation": good}, {"reservation": bad}])
    assert [r.external_id for r in result.reservations] == [good["id"]]
    assert bad["id"] in result.warnings


@pytest.mark.parametrize("vendor", ("apaleo", "mews", "cloudbeds"))
def test_a_notification_asks_for_a_fetch(vendor):
    connector = get_connector(vendor)
    message = connector.extract(json.dumps(webhook(vendor, "A1", "R7")).encode(),
                                "application/json", {})
    assert message.action != DOCUMENT
    with pytest.raises(FetchNeeded) as raised:
        connector.parse(message)
    [note] = raised.value.notifications
    assert (note.entity_id, note.account) == ("R7", "A1")


@pytest.mark.parametrize("vendor", ("apaleo", "mews", "cloudbeds"))
def test_a_notification_without_its_ids_is_refused_at_the_door(vendor):
    body = {"apaleo": {"topic": "Reservation", "type": "created", "propertyId": "MUC",
                       "data": {}},
            "mews": {"EnterpriseId": "e", "Events": [{"Discriminator": "ServiceOrderUpdated",
                                                      "Value": {}}]},
            "cloudbeds": {"event": "reservation/created", "propertyID": 1}}[vendor]
    with pytest.raises(ConnectorError):
        get_connector(vendor).extract(json.dumps(body).encode(), "application/json", {})
