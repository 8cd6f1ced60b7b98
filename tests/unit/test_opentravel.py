"""OpenTravel push: every reservation sample, the non-reservation samples, and the answers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from connectors.base import ConnectorError, InboundMessage
from connectors.opentravel import OpenTravelConnector
from connectors.ota_guest import parse_customer, parse_res_guests
from connectors.ota_reservation import ReservationContext, draft_reservations
from connectors.ota_xml import find, parse_xml
from tests.samples import OPENTRAVEL_SAMPLES, OTA_2011B, SAMPLES, ota_2011b_errors, ota_sample

NS = {"o": "http://www.opentravel.org/OTA/2003/05"}
RESPONSES = ("OTA_CancelRS_ForumHotelCancelSample.xml", "OTA_HotelResModifyNotifRS.xml",
             "OTA_HotelResNotifRS.xml", "OTA_HotelResNotifRS_RecordLevelProcessingErrors.xml",
             "OTA_HotelResRS.xml", "2011A/samples/OTA_ProfileReadRS3.xml")
NOT_RESERVATIONS = ("OTA_NotifReportRQ.xml", "OTA_ReadRQ3.xml", "2011A/samples/OTA_ProfileCreateRQ.xml",
                    "2011A/samples/OTA_ProfileMergeRQ.xml")


def parse(xml: bytes):
    return OpenTravelConnector().parse(InboundMessage(body=xml, content_type="application/xml"))


def only(xml: bytes):
    result = parse(xml)
    assert result.warnings == {}
    [stay] = result.reservations
    return stay


def prefs(stay) -> set[tuple[str, str]]:
    return {(p.key, p.value) for p in stay.preferences}


def xpath(xml: bytes, path: str):
    return etree.fromstring(xml).xpath(path, namespaces=NS)


def first_reservation(xml: bytes):
    root = parse_xml(xml)
    return next(root.iter("{*}HotelReservation"))


# --- every sample validates ------------------------------------------------------------------

@pytest.mark.parametrize("name", OPENTRAVEL_SAMPLES)
def test_every_opentravel_sample_validates_against_its_2011b_schema(name):
    assert ota_2011b_errors(ota_sample(name)) == []


def test_the_sample_list_covers_every_opentravel_file_in_the_folder():
    on_disk = {str(p.relative_to(SAMPLES / "opentravel")) for p in (SAMPLES / "opentravel").glob("*/samples/*.xml")}
    assert on_disk == set(OPENTRAVEL_SAMPLES)
    assert (OTA_2011B / "xsd" / "OTA_HotelResNotifRQ.xsd").is_file()


# --- reservation samples -----------------------------------------------------------------------

def test_the_notification_sample_yields_david_dewberrys_stay_with_his_wishes():
    stay = only(ota_sample("OTA_HotelResNotifRQ.xml"))
    assert (stay.source, stay.external_id, stay.status) == ("opentravel", "7865", "confirmed")
    assert (stay.property_code, stay.property_name) == ("WASJW", "JW Marriott Hotel Pennsylvania Avenue")
    assert (stay.arrival, stay.departure, stay.rate_plan) == (date(2005, 10, 18), date(2005, 10, 20), "CORA999")
    assert (stay.adults, stay.children, stay.amount) == (1, 0, None)
    assert (stay.channel, stay.channel_name) == ("other", "Travel Today")
    assert stay.modified_at == datetime.fromisoformat("2005-01-26T10:22:00-05:00")
    assert stay.comments == ["non-smoking Room requested;king bed"]
    assert prefs(stay) == {("smoking", "non_smoking"), ("bed", "king")}
    assert {p.source for p in stay.preferences} == {"comment"}
    [guest] = stay.guests
    assert (guest.name_prefix, guest.first_name, guest.last_name) == ("Mr.", "David", "Dewberry")
    assert [(p.number, p.kind) for p in guest.phones] == [("7245554321", "voice")]
    assert [e.address for e in guest.emails] == ["david.dewberry@dewberrycorp.com"]
    address = guest.address
    assert (address.street, address.city, address.postal_code, address.state, address.country) == (
        "321 Myrtle Lane", "Latrobe", "15650", "PA", "US")


def test_the_disability_sample_asks_for_an_accessible_non_smoking_king_room():
    stay = only(ota_sample("OTA_HotelResNotifRQ_Disability.xml"))
    assert (stay.external_id, stay.property_code, stay.arrival) == ("7865", "AAABC", date(2012, 10, 18))
    assert prefs(stay) == {("accessible", "yes"), ("smoking", "non_smoking"), ("bed", "king")}
    assert next(p for p in stay.preferences if p.key == "accessible").source == "request"
    assert stay.special_requests == ["Wheelchair user"]
    assert stay.guests[0].last_name == "Dewberry"


def test_the_modification_sample_moves_departure_and_is_a_newer_version():
    original = only(ota_sample("OTA_HotelResNotifRQ.xml"))
    modified = only(ota_sample("OTA_HotelResModifyNotifRQ.xml"))
    # By the documented id order a Type 14 id wins over Type 13 (see the report on this split).
    assert (modified.external_id, modified.status, modified.property_code) == ("82329987", "confirmed", "WASJW")
    assert (modified.arrival, modified.departure) == (date(2005, 10, 18), date(2005, 10, 21))
    assert modified.modified_at == datetime.fromisoformat("2005-01-26T13:05:00-05:00")
    assert modified.modified_at > original.modified_at
    assert prefs(modified) == {("smoking", "non_smoking"), ("bed", "king")}
    assert modified.guests == original.guests


def test_the_expedia_modify_request_brings_special_requests_and_a_middle_name():
    stay = only(ota_sample("OTA_HotelResModifyRQ.xml"))
    assert (stay.external_id, stay.property_code, stay.status) == ("1312", "AXY772", "confirmed")
    assert (stay.channel, stay.channel_name) == ("ota", "Expedia")
    assert (stay.arrival, stay.departure, stay.room_type, stay.rate_plan) == (
        date(2003, 6, 4), date(2003, 6, 9), "A1K", "RAC")
    assert (stay.amount, stay.currency, stay.adults) == (Decimal("550.00"), "USD", 1)
    assert stay.booked_at == datetime.fromisoformat("2003-03-11T17:29:00-08:00")
    assert stay.special_requests == ["1 king", "Non-Smoking"]
    assert prefs(stay) == {("bed", "king"), ("smoking", "non_smoking")}
    [guest] = stay.guests
    assert (guest.first_name, guest.middle_name, guest.last_name) == ("Crystal", "Vanessa", "Tanner")


def test_three_guests_with_a_confirmation_number_and_the_hotel_from_the_pos():
    stay = only(ota_sample("OTA_HotelResNotifRQ3.xml"))
    assert (stay.external_id, stay.property_code, stay.property_name) == ("193350531", "1234567", "ABC Hotel")
    assert (stay.arrival, stay.departure, stay.room_type, stay.rate_plan) == (
        date(2011, 6, 1), date(2011, 6, 6), "A1K", "RMTXFD")
    assert [(g.first_name, g.last_name, g.primary) for g in stay.guests] == [
        ("Jane", "Smith", True), ("Tom", "Jones", False), ("Sam", "Davidson", False)]
    assert [g.emails[0].address for g in stay.guests] == [
        "janesmith@anycompany.com", "tjones@anycompany.com", "sam.davidson@anycompany.com"]
    assert stay.guests[0].phones[0].number == "999-999-9999"
    assert stay.guests[0].address is None  # the address in the sample is the card's billing address
    text = repr(stay)
    assert "9999999999999999" not in text and "'123'" not in text and "ek^4" not in text
    assert "Thomas R Jones" not in text and "Anywhere Street" not in text


def test_billing_instructions_without_any_reservation_id_are_refused():
    with pytest.raises(ConnectorError, match="missing reservation id"):
        parse(ota_sample("OTA_HotelResNotifRQ2.xml"))
    guests = parse_res_guests(first_reservation(ota_sample("OTA_HotelResNotifRQ2.xml")))
    assert [(g["first_name"], g["primary"]) for g in guests] == [("Jane", True), ("Tom", False), ("Sam", False)]


def test_a_booking_request_without_confirmation_number_is_refused_but_reads_fully():
    xml = ota_sample("OTA_HotelResRQ.xml")
    with pytest.raises(ConnectorError, match="missing reservation id"):
        parse(xml)
    [draft] = draft_reservations(first_reservation(xml), ReservationContext("opentravel", reservation_id="X"))
    assert (draft["property_code"], draft["arrival"], draft["departure"]) == ("DENWE", "2005-08-10", "2005-08-12")
    assert draft["guests"][0]["last_name"] == "Costello"
    assert draft["guests"][0]["emails"] == [{"address": "charlotte.costello@corp.com", "marketing_consent": None}]
    assert {(p["key"], p["value"]) for p in draft["preferences"]} == {("smoking", "non_smoking"), ("bed", "king")}


def test_one_room_stay_of_two_room_types_becomes_two_stays():
    xml = ota_sample("OTA_HotelResRQ105.xml")
    context = ReservationContext("opentravel", reservation_id="R105", property_code="ABC")
    first, second = draft_reservations(first_reservation(xml), context)
    assert (first["external_id"], first["room_type"], first["rate_plan"], first["adults"]) == (
        "R105", "1KDLXE", "RPKINGDLX", 2)
    assert (second["external_id"], second["room_type"], second["rate_plan"], second["adults"]) == (
        "R105#2", "A2DL", "RPDBLSTD", 1)
    assert (first["arrival"], first["departure"]) == ("2011-09-18", "2011-09-22") == (
        second["arrival"], second["departure"])
    assert {(p["key"], p["value"]) for p in first["preferences"]} == {
        ("smoking", "non_smoking"), ("bed", "king"), ("balcony", "yes")}
    assert {(p["key"], p["value"]) for p in second["preferences"]} == {("bed", "double"), ("smoking", "smoking")}
    assert first["guests"] == [] and "9999" not in repr(first) + repr(second)
    with pytest.raises(ConnectorError, match="missing reservation id"):
        parse(xml)


def test_post_stay_information_is_a_checked_out_stay_with_its_revenue_and_loyalty():
    stay = only(ota_sample("OTA_HotelStayInfoNotifRQ.xml"))
    assert (stay.external_id, stay.status, stay.property_code) == ("71294827", "checked_out", "WASJW")
    assert (stay.arrival, stay.departure) == (date(2005, 10, 18), date(2005, 10, 21))
    assert (stay.amount, stay.currency) == (Decimal("1668.94"), "USD")
    assert (stay.room_type, stay.rate_plan) == ("NKNG", "CORA")
    assert stay.modified_at == datetime.fromisoformat("2005-10-18T09:30:47-05:00")
    assert stay.booked_at == datetime.fromisoformat("2005-09-17T09:30:47-05:00")
    [guest] = stay.guests
    assert (guest.first_name, guest.last_name) == ("Dieter", "Gastwart")
    assert [(p.number, p.kind) for p in guest.phones] == [("+4989360020", "voice")]
    assert (guest.address.street, guest.address.city, guest.address.country) == ("Baslerstrasse 70", "Munich", "DE")
    assert [(m.program, m.number, m.level) for m in guest.loyalty] == [("MRW", "123456789", "Platinum")]


def test_a_retrieve_answer_yields_both_of_brandon_wilsons_stays():
    result = parse(ota_sample("OTA_ResRetrieveRS2.xml"))
    assert result.warnings == {} and result.echo_token == "3229853"
    assert [(r.external_id, r.arrival, r.departure, r.property_code, r.status) for r in result.reservations] == [
        ("83428984", date(2003, 11, 23), date(2003, 11, 26), "WASTC", "confirmed"),
        ("80422743", date(2004, 1, 6), date(2004, 1, 10), "WASTC", "confirmed")]
    assert {(g.first_name, g.last_name) for r in result.reservations for g in r.guests} == {("Brandon", "Wilson")}


def test_the_cancel_sample_names_no_hotel_and_is_refused():
    xml = ota_sample("OTA_CancelRQ_ForumHotelCancelSample.xml")
    with pytest.raises(ConnectorError, match=r"99999999: missing hotel code"):
        parse(xml)


def test_a_cancel_request_with_the_hotel_in_its_verification_cancels_without_a_guest():
    xml = ota_sample("OTA_CancelRQ_ForumHotelCancelSample.xml").replace(
        b"<!-- The credit card associated with the hotel reservation. -->",
        b'<TPA_Extensions><BasicPropertyInfo HotelCode="ABC"/></TPA_Extensions>')
    stay = only(xml)
    assert (stay.external_id, stay.status, stay.property_code) == ("99999999", "cancelled", "ABC")
    assert stay.guests == [] and stay.arrival is None
    assert stay.modified_at == datetime.fromisoformat("2010-10-18T14:28:47-05:00")
    body, _ = OpenTravelConnector().accepted_response(InboundMessage(body=xml))
    assert ota_2011b_errors(body) == []
    assert xpath(body, "string(/o:OTA_CancelRS/@Status)") == "Cancelled"
    assert xpath(body, "string(//o:UniqueID/@ID)") == "99999999"
    ignored = xml.replace(b'CancelType="Initiate"', b'CancelType="Ignore"')
    with pytest.raises(ConnectorError, match="withdraws"):
        parse(ignored)


@pytest.mark.parametrize("name", RESPONSES)
def test_response_samples_are_refused_as_responses(name):
    with pytest.raises(ConnectorError, match="is a response, not a reservation message"):
        OpenTravelConnector().extract(ota_sample(name), "application/xml", {})


@pytest.mark.parametrize("name", NOT_RESERVATIONS)
def test_other_messages_are_refused_as_not_reservations(name):
    with pytest.raises(ConnectorError, match="is not a reservation message"):
        parse(ota_sample(name))


def test_the_profile_samples_read_as_guests_with_loyalty_phones_and_documents_left_out():
    root = parse_xml(ota_sample("2011A/samples/OTA_ProfileCreateRQ.xml"))
    guest = parse_customer(find(root, "Profile", "Customer"))
    assert (guest["first_name"], guest["middle_name"], guest["last_name"], guest["gender"]) == (
        "Delilah", "Ann", "Beaudry", "female")
    assert guest["birth_date"] == "1949-06-03" and guest["nationality"] == "US"
    assert guest["phones"] == [{"number": "+17705632891", "kind": "voice"},
                               {"number": "+14049330045", "kind": "mobile"}]
    assert guest["address"] == {"street": "2980 Elm Street", "city": "Atlanta", "postal_code": "30067",
                                "state": "GA", "country": "US"}
    assert [(m["program"], m["number"], m["level"]) for m in guest["loyalty"]] == [
        ("DL", "589038475", "Gold"), ("Avis", "458574943", None)]
    assert "832593235600" not in repr(guest) and "34985769574" not in repr(guest)
    merge = parse_xml(ota_sample("2011A/samples/OTA_ProfileMergeRQ.xml"))
    other = parse_customer(find(merge, "Profile", "Customer"))
    assert [p["number"] for p in other["phones"]] == ["+33497532160", "+33688171400"]
    assert other["address"]["country"] == "FR" and other["address"]["street"] == "123 Rue Fantastique"
    readrs = parse_xml(ota_sample("2011A/samples/OTA_ProfileReadRS3.xml"))
    people = [parse_customer(c) for c in readrs.iter("{*}Customer")]
    assert [(p["first_name"], p["birth_date"]) for p in people] == [
        ("John", "1980-01-01"), ("Sarah", "1980-01-01"), ("Fei", "1980-01-01")]


def test_a_profile_unique_id_of_type_21_is_the_pms_profile_id():
    xml = ota_sample("OTA_HotelResNotifRQ.xml").replace(
        b'<Profile ProfileType="1">', b'<UniqueID Type="21" ID="PMS-42"/><Profile ProfileType="1">')
    assert ota_2011b_errors(xml) == []
    assert only(xml).guests[0].pms_profile_id == "PMS-42"


def test_a_message_with_a_megabyte_comment_is_answered_in_under_a_second():
    """The whole door path (parse, card masking, preferences, validation) is linear: a comment
    far over its 4,000-character limit is refused, quickly."""
    import time

    from connectors.base import ConnectorError
    from connectors.opentravel import OpenTravelConnector

    comment = ("no smoking, kein Raucher, king bed, 4111 1111 1111 1111, high floor " * 15_000)
    xml = ota_sample("OTA_HotelResNotifRQ.xml").replace(
        b"non-smoking Room requested;king bed", comment.encode())
    connector = OpenTravelConnector()
    started = time.perf_counter()
    message = connector.extract(xml, "application/xml", {})
    try:
        connector.parse(message)
    except ConnectorError as exc:
        assert "comments" in str(exc)
    assert time.perf_counter() - started < 1.0
