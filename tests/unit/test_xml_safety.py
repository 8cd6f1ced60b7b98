"""Hostile and broken input: always a ConnectorError (or a per-reservation warning) with a clear
reason, never another exception, never a resolved entity."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.alpinebits import AlpineBitsConnector, parse_retrieve_response
from connectors.base import ConnectorError, InboundMessage
from connectors.opentravel import OpenTravelConnector
from connectors.ota_xml import MAX_XML_BYTES, parse_xml
from tests.samples import alpinebits_sample, ota_sample

PUSH = "OTA_HotelResNotif:GuestRequests"
AB_PUSH = "GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml"
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b"<OTA_HotelResNotifRQ>&x;</OTA_HotelResNotifRQ>")
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
          b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
          b"<OTA_HotelResNotifRQ>&d;</OTA_HotelResNotifRQ>")
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd"><OTA_HotelResNotifRQ/>'
PARAMETER_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
                    b"<OTA_HotelResNotifRQ/>")
BAD_BODIES = {
    "malformed": (b"<OTA_HotelResNotifRQ><HotelReservations></OTA_HotelResNotifRQ>", "malformed XML"),
    "truncated": (b"<OTA_HotelResNotifRQ><HotelReservations>", "malformed XML"),
    "not xml": (b"hello world", "malformed XML"),
    "xxe": (XXE, "DOCTYPE"),
    "billion laughs": (LAUGHS, "DOCTYPE"),
    "external dtd": (EXTERNAL_DTD, "DOCTYPE"),
    "parameter entity": (PARAMETER_ENTITY, "DOCTYPE"),
    "latin-1 bytes declared utf-8": (
        '<?xml version="1.0" encoding="UTF-8"?><OTA_HotelResNotifRQ>Müller</OTA_HotelResNotifRQ>'
        .encode("latin-1"), "not valid UTF-8"),
    "declared latin-1": (
        '<?xml version="1.0" encoding="ISO-8859-1"?><OTA_HotelResNotifRQ>Müller</OTA_HotelResNotifRQ>'
        .encode("latin-1"), "only UTF-8"),
    "utf-16": ('<?xml version="1.0" encoding="UTF-16"?><OTA_HotelResNotifRQ/>'.encode("utf-16"),
               "not valid UTF-8"),
    "empty": (b"", "empty body"),
    "blank": (b" \r\n\t", "empty body"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_an_unsafe_or_broken_body_is_a_connector_error_saying_why(case):
    body, reason = BAD_BODIES[case]
    with pytest.raises(ConnectorError, match=reason):
        parse_xml(body)
    with pytest.raises(ConnectorError, match=reason):
        OpenTravelConnector().extract(body, "application/xml", {})
    if body.strip():
        form = {"action": PUSH, "request": body}  # as a file part: the bytes as sent
        with pytest.raises(ConnectorError):
            AlpineBitsConnector().extract(b"", "multipart/form-data", form)
        with pytest.raises(ConnectorError):
            parse_retrieve_response(body)


def test_an_external_entity_is_never_resolved():
    for connector in (OpenTravelConnector(), AlpineBitsConnector()):
        try:
            connector.parse(InboundMessage(body=XXE, action=PUSH))
        except ConnectorError as exc:
            assert "root:" not in str(exc)
        else:  # pragma: no cover - parse must refuse
            raise AssertionError("XXE was accepted")


def test_a_body_over_the_size_limit_is_refused():
    body = b"<OTA_HotelResNotifRQ>" + b" " * MAX_XML_BYTES + b"</OTA_HotelResNotifRQ>"
    with pytest.raises(ConnectorError, match="too large"):
        parse_xml(body)


def test_a_wrong_root_element_is_refused_by_both_connectors():
    with pytest.raises(ConnectorError, match="OTA_PingRQ is not a reservation message"):
        OpenTravelConnector().extract(b"<OTA_PingRQ/>", "application/xml", {})
    with pytest.raises(ConnectorError, match="wrong root element Foo"):
        AlpineBitsConnector(validate=False).parse(InboundMessage(body=b"<Foo/>", action=PUSH))


def ab_parse(xml: bytes, validate: bool = True):
    return AlpineBitsConnector(validate=validate).parse(InboundMessage(body=xml, action=PUSH))


def ota_parse(xml: bytes):
    return OpenTravelConnector().parse(InboundMessage(body=xml, content_type="application/xml"))


def test_a_reservation_without_an_id_is_refused():
    with pytest.raises(ConnectorError, match="missing reservation id"):
        ota_parse(ota_sample("OTA_HotelResNotifRQ.xml").replace(b'ResID_Type="13"', b'ResID_Type="99"'))
    xml = alpinebits_sample(AB_PUSH).replace(b'<UniqueID Type="14" ID="6b34fe24ac2ff810"/>', b"")
    with pytest.raises(ConnectorError, match="not valid AlpineBits"):
        ab_parse(xml)
    with pytest.raises(ConnectorError, match="missing reservation id"):
        ab_parse(xml, validate=False)


def test_a_reservation_without_a_hotel_code_is_refused():
    with pytest.raises(ConnectorError, match="missing hotel code"):
        ota_parse(ota_sample("OTA_HotelResNotifRQ.xml").replace(b' HotelCode="WASJW"', b""))
    xml = alpinebits_sample(AB_PUSH).replace(b'HotelCode="123" ', b"")
    with pytest.raises(ConnectorError, match="missing hotel code"):
        ab_parse(xml, validate=False)


@pytest.mark.parametrize("start,end,reason", [
    ("2005-10-20", "2005-10-18", "departure must be after arrival"),
    ("2005-10-18", "2005-10-18", "departure must be after arrival"),
    ("1850-01-01", "1850-01-05", "date out of range"),
    ("2999-01-01", "2999-01-05", "date out of range"),
    ("2005-01-01", "2007-01-01", "longer than a year"),
    ("2005-13-45", "2005-10-20", "invalid stay date"),
    ("yesterday", "2005-10-20", "invalid stay date"),
])
def test_impossible_stay_dates_are_refused_with_the_reason(start, end, reason):
    xml = ota_sample("OTA_HotelResNotifRQ.xml").replace(
        b'<TimeSpan Start="2005-10-18" End="2005-10-20"/>',
        f'<TimeSpan Start="{start}" End="{end}"/>'.encode())
    with pytest.raises(ConnectorError, match=reason):
        ota_parse(xml)
    ab = alpinebits_sample(AB_PUSH).replace(b'Start="2012-01-01" End="2012-01-12"',
                                            f'Start="{start}" End="{end}"'.encode())
    with pytest.raises(ConnectorError):
        ab_parse(ab)
    with pytest.raises(ConnectorError, match=reason):
        ab_parse(ab, validate=False)


def test_an_absurd_birth_date_or_broken_version_stamp_costs_only_that_field():
    xml = alpinebits_sample(AB_PUSH).replace(b'BirthDate="1980-01-01"', b'BirthDate="1066-10-14"').replace(
        b'CreateDateTime="2012-03-21T15:00:00+01:00"', b'CreateDateTime="not a time"')
    [stay] = ab_parse(xml, validate=False).reservations
    assert stay.guests[0].birth_date is None and stay.modified_at is None


def test_an_arrival_missing_on_a_booking_is_refused():
    xml = ota_sample("OTA_HotelResNotifRQ.xml").replace(
        b'<TimeSpan Start="2005-10-18" End="2005-10-20"/>', b"").replace(
        b'EffectiveDate="2005-10-18" ExpireDate="2005-10-20"', b"")
    with pytest.raises(ConnectorError, match="arrival date is required"):
        ota_parse(xml)


def test_an_unknown_currency_or_negative_amount_does_not_crash():
    xml = alpinebits_sample(AB_PUSH).replace(b'AmountAfterTax="299" CurrencyCode="EUR"',
                                             b'AmountAfterTax="-5" CurrencyCode="EURO"')
    with pytest.raises(ConnectorError, match="currency"):
        ab_parse(xml, validate=False)
    xml = alpinebits_sample(AB_PUSH).replace(b'AmountAfterTax="299"', b'AmountAfterTax="NaN"')
    assert ab_parse(xml, validate=False).reservations[0].amount is None


SEEDS = [lambda: alpinebits_sample(AB_PUSH), lambda: ota_sample("OTA_HotelResNotifRQ.xml"),
         lambda: ota_sample("OTA_HotelResRQ105.xml"), lambda: ota_sample("OTA_HotelStayInfoNotifRQ.xml")]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(SEEDS), st.integers(min_value=0), st.integers(min_value=0, max_value=40),
       st.binary(max_size=12))
def test_a_mangled_sample_only_ever_raises_a_connector_error(load, position, length, junk):
    seed = load()  # loaded here, not at import: a missing sample fails this test, not collection
    start = position % len(seed)
    body = seed[:start] + junk + seed[start + length:]
    for connector in (OpenTravelConnector(), AlpineBitsConnector(validate=False)):
        try:
            result = connector.parse(InboundMessage(body=body, action=PUSH))
        except ConnectorError:
            continue
        assert all(r.external_id and r.property_code for r in result.reservations)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_ever_raise_a_connector_error(body):
    for call in (lambda: parse_xml(body),
                 lambda: OpenTravelConnector().extract(body, "application/xml", {}),
                 lambda: AlpineBitsConnector().extract(body, "application/x-www-form-urlencoded", {})):
        try:
            call()
        except ConnectorError:
            pass
