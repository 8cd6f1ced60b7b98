"""OpenTravel push: status/id/channel rules, several reservations per message, answers, transport."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from connectors.base import ConnectorError, InboundMessage
from connectors.card_data import contains_card_number
from connectors.opentravel import OpenTravelConnector
from connectors.opentravel_messages import answer
from connectors.ota_reservation import channel_kind
from connectors.ota_xml import findall, masked, parse_xml
from connectors.registry import get_connector
from tests.samples import OTA_2011B, ota_2011b_errors, ota_sample, stored_form

NS = {"o": "http://www.opentravel.org/OTA/2003/05"}

def mask_card_data(body: bytes) -> bytes:
    """The body as it is stored: card data masked in the parsed tree."""
    return masked(InboundMessage(body=body), unparsed_ok=True).body



def parse(xml: bytes):
    return OpenTravelConnector().parse(InboundMessage(body=xml, content_type="application/xml"))


def only(xml: bytes):
    result = parse(xml)
    assert result.warnings == {}
    [stay] = result.reservations
    return stay


def xpath(xml: bytes, path: str):
    return etree.fromstring(xml).xpath(path, namespaces=NS)


# --- rules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("status,expected", [
    ("Commit", "confirmed"), ("Book", "confirmed"), ("Modify", "confirmed"), ("Reserved", "confirmed"),
    ("Cancel", "cancelled"), ("Cancelled", "cancelled"), ("Requested", "requested"),
    ("Checked-In", "checked_in"), ("In-house", "checked_in"), ("Checked-Out", "checked_out"),
    ("No-show", "no_show"),
])
def test_reservation_statuses_map_to_canonical_statuses(status, expected):
    xml = ota_sample("OTA_HotelResNotifRQ.xml").replace(b"<HotelReservation>",
                                                        f'<HotelReservation ResStatus="{status}">'.encode())
    assert only(xml).status == expected


def test_a_cancel_transaction_cancels_whatever_the_reservation_status_says():
    xml = ota_sample("OTA_HotelResNotifRQ.xml").replace(b'ResStatus="Commit"', b'ResStatus="Cancel"')
    assert only(xml).status == "cancelled"


@pytest.mark.parametrize("status", ["Initiate", "Ignore", "Sideways"])
def test_a_status_that_is_no_booking_is_refused(status):
    xml = ota_sample("OTA_HotelResNotifRQ.xml").replace(b'ResStatus="Commit"', f'ResStatus="{status}"'.encode())
    with pytest.raises(ConnectorError, match="ResStatus"):
        parse(xml)


def _with_ids(*pairs: tuple[str, str]) -> bytes:
    ids = "".join(f'<HotelReservationID ResID_Type="{t}" ResID_Value="{v}"/>' for t, v in pairs)
    xml = ota_sample("OTA_HotelResNotifRQ.xml")
    start = xml.index(b"<HotelReservationIDs>")
    end = xml.index(b"</HotelReservationIDs>")
    return xml[:start] + b"<HotelReservationIDs>" + ids.encode() + xml[end:]


@pytest.mark.parametrize("pairs,expected", [
    ((("13", "a"), ("8", "b"), ("40", "c"), ("10", "d"), ("14", "e")), "e"),
    ((("13", "a"), ("8", "b"), ("40", "c"), ("10", "d")), "d"),
    ((("13", "a"), ("8", "b"), ("40", "c")), "c"),
    ((("13", "a"), ("8", "b")), "b"),
    ((("13", "a"),), "a"),
])
def test_the_reservation_id_follows_the_documented_type_order(pairs, expected):
    assert only(_with_ids(*pairs)).external_id == expected


def test_a_unique_id_of_type_14_beats_every_hotel_reservation_id():
    xml = _with_ids(("14", "e")).replace(b"<RoomStays>", b'<UniqueID Type="14" ID="U1"/><RoomStays>')
    assert ota_2011b_errors(xml) == []
    assert only(xml).external_id == "U1"


@pytest.mark.parametrize("source,kind", [
    ("Booking.com", "ota"), ("booking", "ota"), ("Expedia", "ota"), ("HRS", "ota"), ("Airbnb", "ota"),
    ("Agoda", "ota"), ("Trip.com", "ota"), ("www.hotel-frangart.it", "direct"), ("Website", "direct"),
    ("Amadeus", "gds"), ("1S", "gds"), ("Phone", "phone"), ("Walk-in", "walk_in"),
    ("Corporate", "corporate"), ("Travel Today", None),
])
def test_booking_sources_map_to_channel_kinds(source, kind):
    assert channel_kind(source) == kind


def test_a_message_with_two_reservations_keeps_the_good_one_and_warns_about_the_other():
    xml = ota_sample("OTA_HotelResNotifRQ.xml")
    start, end = xml.index(b"<HotelReservation>"), xml.index(b"</HotelReservations>")
    other = xml[start:end].replace(b'ResID_Value="7865"', b'ResID_Value="7866"').replace(
        b' HotelCode="WASJW"', b"")
    both = xml[:end] + other + xml[end:]
    result = parse(both)
    assert [r.external_id for r in result.reservations] == ["7865"]
    assert "missing hotel code" in result.warnings["7866"]
    body, _ = OpenTravelConnector().accepted_response(InboundMessage(body=both))
    assert ota_2011b_errors(body) == []
    [warning] = xpath(body, "//o:Warning")
    assert (warning.get("Type"), warning.get("RecordID"), warning.get("Status")) == ("12", "7866", "NotProcessed")
    assert xpath(body, "string(//o:HotelReservationID/@ResID_Value)") == "7865"


def test_two_valid_reservations_in_one_message_are_both_read():
    xml = ota_sample("OTA_HotelResNotifRQ.xml")
    start, end = xml.index(b"<HotelReservation>"), xml.index(b"</HotelReservations>")
    other = xml[start:end].replace(b'ResID_Value="7865"', b'ResID_Value="7866"')
    assert [r.external_id for r in parse(xml[:end] + other + xml[end:]).reservations] == ["7865", "7866"]


# --- answers and transport ---------------------------------------------------------------------

@pytest.mark.parametrize("name,root", [
    ("OTA_HotelResNotifRQ.xml", "OTA_HotelResNotifRS"),
    ("OTA_HotelResModifyNotifRQ.xml", "OTA_HotelResModifyNotifRS"),
    ("OTA_HotelResNotifRQ3.xml", "OTA_HotelResNotifRS"),
    ("OTA_HotelResModifyRQ.xml", "OTA_HotelResModifyRS"),
])
def test_a_stored_push_is_answered_with_success_echoing_the_request(name, root):
    request = ota_sample(name)
    body, content_type = OpenTravelConnector().accepted_response(InboundMessage(body=request))
    assert content_type == "application/xml"
    answer_root = etree.fromstring(body)
    assert etree.QName(answer_root).localname == root
    if (OTA_2011B / "xsd" / f"{root}.xsd").is_file():
        assert ota_2011b_errors(body) == []
    request_root = etree.fromstring(request)
    for attribute in ("EchoToken", "Version", "Target"):
        assert answer_root.get(attribute) == request_root.get(attribute)
    assert answer_root.get("TimeStamp")
    assert xpath(body, "count(o:Success)") == 1
    [stay] = parse(request).reservations
    assert xpath(body, "string(//o:HotelReservationID/@ResID_Value)") == stay.external_id


def test_the_answer_pairs_each_id_with_the_type_it_came_from():
    body = answer("OTA_HotelResNotifRQ", {"EchoToken": "1", "Version": "1.0"},
                  [("7865", "13"), ("82329987", "14")], {}, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert ota_2011b_errors(body) == []
    assert [(i.get("ResID_Type"), i.get("ResID_Value")) for i in xpath(body, "//o:HotelReservationID")] == [
        ("13", "7865"), ("14", "82329987")]
    assert xpath(body, "string(/o:OTA_HotelResNotifRS/@TimeStamp)") == "2024-01-01T00:00:00+00:00"


def test_a_stored_message_that_cannot_be_read_is_answered_with_errors():
    body, _ = OpenTravelConnector().accepted_response(InboundMessage(body=ota_sample("OTA_HotelResNotifRQ2.xml")))
    assert ota_2011b_errors(body) == []
    [error] = xpath(body, "//o:Errors/o:Error")
    assert error.get("Type") == "12" and "missing reservation id" in error.text
    assert xpath(body, "string(/o:OTA_HotelResNotifRS/@EchoToken)") == "7656"


def test_refusals_before_storing_are_400_with_an_ota_error_body():
    body, content_type, status = OpenTravelConnector().error_response("malformed XML: boom")
    assert (status, content_type) == (400, "application/xml")
    assert ota_2011b_errors(body) == []
    [error] = xpath(body, "//o:Error")
    assert error.get("Type") == "7" and error.text == "malformed XML: boom"


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8", "", "application/ota+xml"])
def test_xml_content_types_are_accepted(content_type):
    message = OpenTravelConnector().extract(ota_sample("OTA_HotelResNotifRQ.xml"), content_type, {})
    assert message.body == stored_form(ota_sample("OTA_HotelResNotifRQ.xml"))


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"])
def test_a_wrong_content_type_is_refused(content_type):
    with pytest.raises(ConnectorError, match="is not XML"):
        OpenTravelConnector().extract(ota_sample("OTA_HotelResNotifRQ.xml"), content_type, {})


def test_the_connector_is_registered_with_basic_auth_and_no_vendor_message_id():
    connector = get_connector("opentravel")
    assert isinstance(connector, OpenTravelConnector) and connector.auth == "basic"
    assert connector.dedupe_key(InboundMessage(body=ota_sample("OTA_HotelResNotifRQ.xml"))) is None


@pytest.mark.parametrize("name", ["OTA_HotelResNotifRQ.xml", "OTA_HotelResNotifRQ3.xml",
                                  "OTA_HotelResModifyNotifRQ.xml", "OTA_HotelResNotifRQ_Disability.xml"])
def test_a_masked_body_parses_to_the_same_reservations_without_any_card_data(name):
    xml = ota_sample(name)
    masked = parse(mask_card_data(xml)).reservations
    assert masked == parse(xml).reservations
    assert not contains_card_number(repr(masked))


def test_several_room_stays_of_one_reservation_get_numbered_ids():
    xml = ota_sample("OTA_HotelResNotifRQ.xml")
    start, end = xml.index(b"<RoomStay>"), xml.index(b"</RoomStays>")
    two = xml[:end] + xml[start:end].replace(b"CORA999", b"CORA888") + xml[end:]
    first, second = parse(two).reservations
    assert (first.external_id, first.rate_plan) == ("7865", "CORA999")
    assert (second.external_id, second.rate_plan) == ("7865#2", "CORA888")
    assert len(findall(parse_xml(two), "HotelReservations", "HotelReservation", "RoomStays", "RoomStay")) == 2
