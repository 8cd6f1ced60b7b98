"""AlpineBits GuestRequests: every sample validates and parses to what it says."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from connectors import alpinebits
from connectors.alpinebits import (
    AlpineBitsConnector,
    acks_for,
    parse_retrieve_response,
    validate_against_xsd,
)
from connectors.base import DEFAULT_HOTEL_HEADER, ConnectorError, InboundMessage
from connectors.card_data import contains_card_number
from connectors.ota_xml import masked
from tests.samples import (
    ALPINEBITS,
    ALPINEBITS_INVALID,
    ALPINEBITS_SAMPLES,
    ALPINEBITS_VERSIONS,
    alpinebits_sample,
)

PUSH = "OTA_HotelResNotif:GuestRequests"
PUSH_SAMPLE = "GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml"
PULL_SAMPLE = "GuestRequests-OTA_ResRetrieveRS-reservation.xml"
NOT_RESERVATIONS = (
    "GuestRequests-OTA_HotelResNotifRS-reservation-push.xml",
    "GuestRequests-OTA_ReadRQ-ack.xml",
    "GuestRequests-OTA_ReadRQ.xml",
    "GuestRequests-OTA_ReadRQ-invalid.xml",
    "Handshake-OTA_PingRQ.xml",
    "Handshake-OTA_PingRS.xml",
)

def mask_card_data(body: bytes) -> bytes:
    """The body as it is stored: card data masked in the parsed tree."""
    return masked(InboundMessage(body=body), unparsed_ok=True).body



def push(xml: bytes, version: str | None = "2024-10") -> InboundMessage:
    headers = {"X-AlpineBits-ClientProtocolVersion": version} if version else {}
    return InboundMessage(body=xml, content_type="application/xml", action=PUSH, headers=headers)


def parse(xml: bytes, version: str | None = "2024-10"):
    return AlpineBitsConnector().parse(push(xml, version))


# --- every sample validates ------------------------------------------------------------------

@pytest.mark.parametrize("version", ALPINEBITS_VERSIONS)
@pytest.mark.parametrize("name", sorted(set(ALPINEBITS_SAMPLES) - ALPINEBITS_INVALID))
def test_every_alpinebits_sample_validates_against_each_xsd(name, version):
    assert (ALPINEBITS / "xsd" / f"alpinebits-{version}.xsd").is_file()
    assert validate_against_xsd(alpinebits_sample(name), version) == []


@pytest.mark.parametrize("version", ALPINEBITS_VERSIONS)
def test_the_intentionally_invalid_read_request_fails_validation_naming_the_element(version):
    errors = validate_against_xsd(alpinebits_sample("GuestRequests-OTA_ReadRQ-invalid.xml"), version)
    assert errors and "InvalidElement" in errors[0]


def test_the_sample_list_covers_every_alpinebits_file_in_the_folder():
    on_disk = {str(p.relative_to(ALPINEBITS)) for p in ALPINEBITS.glob("samples*/*.xml")}
    assert on_disk == set(ALPINEBITS_SAMPLES)


def test_compiled_schemas_are_cached():
    alpinebits_messages = alpinebits.validate_against_xsd.__module__
    schema_cache = __import__(alpinebits_messages, fromlist=["_schema"])._schema
    validate_against_xsd(alpinebits_sample(PUSH_SAMPLE))
    before = schema_cache.cache_info().hits
    validate_against_xsd(alpinebits_sample(PUSH_SAMPLE))
    assert schema_cache.cache_info().hits == before + 1


def test_a_missing_xsd_refuses_the_message_instead_of_skipping_validation(monkeypatch, tmp_path):
    monkeypatch.setenv("GUESTCRM_SAMPLES_DIR", str(tmp_path))
    with pytest.raises(ConnectorError, match="is missing"):
        validate_against_xsd(b"<OTA_HotelResNotifRQ/>", "2024-10")


# --- the reservation samples -------------------------------------------------------------------

@pytest.mark.parametrize("name", [PUSH_SAMPLE, PULL_SAMPLE])
def test_the_reservation_sample_yields_otto_mustermanns_stay_with_every_field(name):
    xml = alpinebits_sample(name)
    result = parse(xml) if "NotifRQ" in name else parse_retrieve_response(xml)
    assert result.warnings == {}
    [stay] = result.reservations
    assert (stay.source, stay.external_id, stay.status) == ("alpinebits", "6b34fe24ac2ff810", "confirmed")
    assert (stay.property_code, stay.property_name) == ("123", "Frangart Inn")
    assert (stay.arrival, stay.departure, stay.nights) == (date(2012, 1, 1), date(2012, 1, 12), 11)
    assert stay.modified_at == datetime.fromisoformat("2012-03-21T15:00:00+01:00") == stay.booked_at
    assert (stay.room_type, stay.rate_plan) == ("bigsuite", "123456-xyz")
    assert (stay.adults, stay.children) == (2, 2)
    assert (stay.amount, stay.currency) == (Decimal("299.00"), "EUR")
    assert (stay.channel, stay.channel_name) == ("direct", "www.example.com")
    assert stay.comments == [
        "included services: Parkplatz; Schwimmbad; Skipass",
        "Sind Hunde erlaubt?\n\nMfg.\nOtto Mustermann.",
    ]
    assert stay.preferences == []  # "Sind Hunde erlaubt?" is a question, not a pet
    [guest] = stay.guests
    assert guest.primary
    assert (guest.name_prefix, guest.first_name, guest.last_name, guest.name_title) == (
        "Herr", "Otto", "Mustermann", "Dr")
    assert (guest.birth_date, guest.gender, guest.language) == (date(1980, 1, 1), "male", "de")
    assert [(p.number, p.kind) for p in guest.phones] == [
        ("+4934567891", "voice"), ("+4934567892", "fax"), ("+4934567893", "mobile")]
    assert [(e.address, e.marketing_consent) for e in guest.emails] == [
        ("otto.mustermann@example.com", True)]
    address = guest.address
    assert (address.street, address.city, address.postal_code, address.country) == (
        "Musterstraße 1", "Musterstadt", "1234", "DE")


def test_the_travel_agency_profile_is_not_taken_for_the_guest():
    [stay] = parse(alpinebits_sample(PUSH_SAMPLE)).reservations
    contacts = repr(stay)
    assert "info@example.com" not in contacts and "+391234567890" not in contacts
    assert "Flaneid" not in contacts and "ACME" not in contacts


def test_no_card_number_holder_or_expiry_reaches_the_canonical_reservation():
    for xml in (alpinebits_sample(PUSH_SAMPLE), mask_card_data(alpinebits_sample(PUSH_SAMPLE))):
        [stay] = parse(xml).reservations
        text = repr(stay)
        assert not contains_card_number(text)
        assert "4444" not in text and "1216" not in text and "VI" not in text.split("'")


def test_a_masked_push_still_validates_and_parses_to_the_same_stay():
    masked = mask_card_data(alpinebits_sample(PUSH_SAMPLE))
    for version in ALPINEBITS_VERSIONS:
        assert validate_against_xsd(masked, version) == []
    assert parse(masked).reservations == parse(alpinebits_sample(PUSH_SAMPLE)).reservations


def test_the_cancellation_carries_no_guest_and_takes_the_polled_hotel():
    result = parse_retrieve_response(
        alpinebits_sample("GuestRequests-OTA_ResRetrieveRS-cancellation.xml"), hotel_code="123")
    [stay] = result.reservations
    assert (stay.external_id, stay.status, stay.property_code) == ("c24e8b15ca469388", "cancelled", "123")
    assert stay.guests == [] and stay.arrival is None and stay.booked_at is None
    assert stay.modified_at == datetime.fromisoformat("2012-03-21T15:00:00+01:00")
    assert acks_for(result) == [("c24e8b15ca469388", "15")]


def test_a_cancellation_naming_no_hotel_is_refused_with_a_clear_reason():
    xml = alpinebits_sample("GuestRequests-OTA_ResRetrieveRS-cancellation.xml")
    result = parse_retrieve_response(xml)
    assert result.reservations == []
    assert "missing hotel code" in result.warnings["c24e8b15ca469388"]
    with pytest.raises(ConnectorError, match="missing hotel code"):
        parse(xml)


def test_a_stored_pull_answer_carries_the_polled_hotel_for_its_cancellations():
    xml = alpinebits_sample("GuestRequests-OTA_ResRetrieveRS-cancellation.xml")
    message = InboundMessage(body=xml, headers={DEFAULT_HOTEL_HEADER: "123"})
    [stay] = AlpineBitsConnector().parse(message).reservations
    assert (stay.status, stay.property_code) == ("cancelled", "123")


def test_a_quote_request_with_an_arrival_window_and_no_duration_has_no_departure():
    result = parse_retrieve_response(
        alpinebits_sample("GuestRequests-OTA_ResRetrieveRS-request-with-roomtype.xml"))
    [stay] = result.reservations
    assert (stay.external_id, stay.status) == ("6b34fe24ac2ff811", "requested")
    assert (stay.arrival, stay.departure) == (date(2017, 10, 3), None)
    assert stay.comments == ["flexible arrival 2017-10-03 to 2017-10-08"]
    assert (stay.room_type, stay.adults, stay.children) == ("A", 1, 0)
    assert stay.modified_at == datetime.fromisoformat("2017-09-03T19:47:50+02:00")
    [guest] = stay.guests
    assert (guest.first_name, guest.last_name, guest.gender, guest.language) == (
        "Otto", "Mustermann", None, "de")
    assert guest.address.country == "DE" and guest.emails == [] and guest.phones == []


def test_a_quote_request_with_a_duration_of_four_nights_departs_four_days_later():
    xml = alpinebits_sample("samples-hgv/GuestRequests-OTA_ResRetrieveRS-request-with-roomtype.xml")
    [stay] = parse_retrieve_response(xml).reservations
    assert (stay.arrival, stay.departure, stay.nights) == (date(2017, 10, 3), date(2017, 10, 7), 4)
    assert stay.comments == ["flexible arrival 2017-10-03 to 2017-10-08, 4 nights"]
    assert stay.modified_at == datetime.fromisoformat("2017-09-03T19:47:50+01:00")


def test_an_empty_reservation_list_yields_nothing_and_no_warning():
    result = parse_retrieve_response(
        alpinebits_sample("GuestRequests-OTA_ResRetrieveRS-reservation-empty.xml"))
    assert result.reservations == [] and result.warnings == {}
    assert acks_for(result) == []


def test_an_error_answer_of_the_server_is_a_connector_error_with_its_text():
    xml = alpinebits_sample("GuestRequests-OTA_ResRetrieveRS-error.xml")
    with pytest.raises(ConnectorError, match=r"Type 13 Code 392: Invalid hotel code"):
        parse_retrieve_response(xml)


@pytest.mark.parametrize("name", NOT_RESERVATIONS)
def test_messages_that_hold_no_guest_requests_are_refused_as_a_wrong_root(name):
    xml = alpinebits_sample(name)
    root = etree.QName(etree.fromstring(xml)).localname
    with pytest.raises(ConnectorError, match=f"wrong root element {root}"):
        AlpineBitsConnector(validate=False).parse(push(xml))
    with pytest.raises(ConnectorError, match="expected OTA_ResRetrieveRS"):
        parse_retrieve_response(xml)


@pytest.mark.parametrize("status,expected", [
    ("Requested", "requested"), ("Reserved", "confirmed"), ("Modify", "confirmed"),
    ("Cancelled", "cancelled"),
])
def test_alpinebits_statuses_map_to_canonical_statuses(status, expected):
    xml = alpinebits_sample(PUSH_SAMPLE).replace(b'ResStatus="Reserved"', f'ResStatus="{status}"'.encode())
    [stay] = parse(xml).reservations
    assert stay.status == expected


def test_last_modify_date_time_is_the_version_when_present():
    xml = alpinebits_sample(PUSH_SAMPLE).replace(
        b'CreateDateTime="2012-03-21T15:00:00+01:00"',
        b'CreateDateTime="2012-03-21T15:00:00+01:00" LastModifyDateTime="2012-04-01T08:00:00Z"')
    [stay] = parse(xml).reservations
    assert stay.modified_at == datetime(2012, 4, 1, 8, tzinfo=UTC)
    assert stay.booked_at == datetime.fromisoformat("2012-03-21T15:00:00+01:00")


def test_a_newsletter_no_remark_is_a_refused_marketing_consent():
    xml = alpinebits_sample(PUSH_SAMPLE).replace(b"newsletter:yes", b"newsletter:no")
    [stay] = parse(xml).reservations
    assert stay.guests[0].emails[0].marketing_consent is False


def test_a_pets_special_request_becomes_a_pet_preference():
    request = (b'<SpecialRequests><SpecialRequest RequestCode="PET" CodeContext="ALPINEBITS">'
               b'<Text TextFormat="PlainText">Wir bringen unseren Hund mit</Text>'
               b'</SpecialRequest></SpecialRequests>')
    xml = alpinebits_sample(PUSH_SAMPLE).replace(b"<CancelPenalties>", request + b"<CancelPenalties>")
    assert validate_against_xsd(xml) == []
    [stay] = parse(xml).reservations
    assert stay.special_requests == ["Wir bringen unseren Hund mit"]
    assert [(p.key, p.value, p.source) for p in stay.preferences] == [("pets", "dog", "request")]


def test_two_room_stays_become_two_stays_the_second_with_a_suffix():
    xml = alpinebits_sample(PUSH_SAMPLE)
    start, end = xml.index(b"<RoomStay>"), xml.index(b"</RoomStay>") + len(b"</RoomStay>")
    second = xml[start:end].replace(b"bigsuite", b"double").replace(b'AmountAfterTax="299"',
                                                                    b'AmountAfterTax="150"')
    xml = xml[:end] + second + xml[end:]
    assert validate_against_xsd(xml) == []
    first, other = parse(xml).reservations
    assert (first.external_id, first.room_type, first.amount) == ("6b34fe24ac2ff810", "bigsuite", 299)
    assert (other.external_id, other.room_type, other.amount) == ("6b34fe24ac2ff810#2", "double", 150)
    assert other.guests == first.guests
