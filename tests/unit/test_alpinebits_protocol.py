"""AlpineBits protocol: the form transport, answers to pushes, the handshake, the puller."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from lxml import etree

from connectors.alpinebits import (
    AlpineBitsConnector,
    acks_for,
    build_notif_report,
    build_read_request,
    handshake_response,
    parse_retrieve_response,
    validate_against_xsd,
)
from connectors.base import ConnectorError, InboundMessage
from connectors.registry import get_connector
from tests.samples import (
    ALPINEBITS_VERSIONS,
    alpinebits_sample,
    stored_form,
)

PUSH = "OTA_HotelResNotif:GuestRequests"
PING = "OTA_Ping:Handshaking"
NS = {"o": "http://www.opentravel.org/OTA/2003/05"}
PUSH_SAMPLE = "GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml"
PULL_SAMPLE = "GuestRequests-OTA_ResRetrieveRS-reservation.xml"


def push(xml: bytes, version: str | None = "2024-10") -> InboundMessage:
    headers = {"X-AlpineBits-ClientProtocolVersion": version} if version else {}
    return InboundMessage(body=xml, content_type="application/xml", action=PUSH, headers=headers)


def parse(xml: bytes, version: str | None = "2024-10"):
    return AlpineBitsConnector().parse(push(xml, version))


def xpath(xml: bytes, path: str) -> list:
    return etree.fromstring(xml).xpath(path, namespaces=NS)


# --- transport ---------------------------------------------------------------------------------

def test_the_connector_is_registered_with_basic_auth():
    connector = get_connector("alpinebits")
    assert isinstance(connector, AlpineBitsConnector) and connector.auth == "basic"


def test_extract_takes_the_request_field_of_the_parsed_form():
    xml = alpinebits_sample(PUSH_SAMPLE)
    message = AlpineBitsConnector().extract(b"", "multipart/form-data; boundary=x",
                                            {"action": PUSH, "request": xml.decode()})
    assert (message.body, message.action, message.content_type) == (stored_form(xml), PUSH,
                                                                    "application/xml")
    assert AlpineBitsConnector().dedupe_key(message) is None


def test_extract_reads_an_url_encoded_body_when_no_form_was_passed():
    from urllib.parse import urlencode

    xml = alpinebits_sample(PUSH_SAMPLE)
    body = urlencode({"action": PUSH, "request": xml.decode()}).encode()
    message = AlpineBitsConnector().extract(body, "application/x-www-form-urlencoded", {})
    assert message.body == stored_form(xml) and message.action == PUSH


def test_extract_reads_a_request_sent_as_a_file_part_from_the_raw_body():
    xml = alpinebits_sample(PUSH_SAMPLE)
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="action"\r\n\r\n' + PUSH.encode()
            + b'\r\n--XyZ\r\nContent-Disposition: form-data; name="request"; filename="r.xml"\r\n'
            b"Content-Type: text/xml\r\n\r\n" + xml + b"\r\n--XyZ--\r\n")
    # Flask puts a file part in request.files, so the form it passes has only the action.
    message = AlpineBitsConnector().extract(body, "multipart/form-data; boundary=XyZ", {"action": PUSH})
    assert message.body == stored_form(xml) and message.action == PUSH


def test_server_warnings_of_a_pull_answer_are_reported_but_never_acknowledged_as_refusals():
    xml = alpinebits_sample(PULL_SAMPLE).replace(
        b"<Success/>", b'<Success/><Warnings><Warning Type="11">send complete set</Warning></Warnings>')
    assert validate_against_xsd(xml) == []
    result = parse_retrieve_response(xml)
    assert result.warnings == {"server warning 1": "send complete set"}
    report = build_notif_report(acks_for(result), refused=result.warnings)
    assert xpath(report, "count(//o:Warning)") == 0


def test_extract_reads_a_multipart_body_when_no_form_was_passed():
    xml = alpinebits_sample(PUSH_SAMPLE)
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="action"\r\n\r\n' + PUSH.encode()
            + b'\r\n--XyZ\r\nContent-Disposition: form-data; name="request"; filename="r.xml"\r\n'
            b"Content-Type: text/xml\r\n\r\n" + xml + b"\r\n--XyZ--\r\n")
    message = AlpineBitsConnector().extract(body, "multipart/form-data; boundary=XyZ", {})
    assert message.body == stored_form(xml) and message.action == PUSH


@pytest.mark.parametrize("form,reason", [
    ({"request": "<x/>"}, "missing form field 'action'"),
    ({"action": PUSH}, "missing form field 'request'"),
    ({"action": PUSH, "request": "  "}, "missing form field 'request'"),
    ({"action": "OTA_Read:GuestRequests", "request": "<x/>"}, "unknown or unsupported action"),
    ({"action": "nonsense", "request": "<x/>"}, "unknown or unsupported action"),
])
def test_a_form_without_a_usable_action_or_request_is_refused(form, reason):
    with pytest.raises(ConnectorError, match=reason):
        AlpineBitsConnector().extract(b"", "multipart/form-data", form)


def test_a_request_whose_root_does_not_fit_the_action_is_refused():
    form = {"action": PING, "request": alpinebits_sample(PUSH_SAMPLE).decode()}
    with pytest.raises(ConnectorError, match="needs OTA_PingRQ, got OTA_HotelResNotifRQ"):
        AlpineBitsConnector().extract(b"", "multipart/form-data", form)


def test_a_push_that_breaks_the_schema_is_refused_naming_the_version():
    xml = alpinebits_sample(PUSH_SAMPLE).replace(b'<UniqueID Type="14" ID="6b34fe24ac2ff810"/>', b"")
    with pytest.raises(ConnectorError, match="not valid AlpineBits 2020-10: line"):
        parse(xml, version="2020-10")


def test_an_unsupported_protocol_version_is_refused():
    with pytest.raises(ConnectorError, match="unsupported AlpineBits version '2018-10'"):
        parse(alpinebits_sample(PUSH_SAMPLE), version="2018-10")


def test_a_push_without_a_version_header_is_checked_against_2024_10():
    assert len(parse(alpinebits_sample(PUSH_SAMPLE), version=None).reservations) == 1


def test_errors_are_answered_400_with_a_plain_text_error_line():
    body, content_type, status = AlpineBitsConnector().error_response("missing form field 'action'")
    assert (status, content_type) == (400, "text/plain; charset=utf-8")
    assert body == b"ERROR:missing form field 'action'"
    assert AlpineBitsConnector().error_response("ERROR:x")[0] == b"ERROR:x"


# --- answers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ALPINEBITS_VERSIONS)
def test_a_stored_push_is_answered_with_success_and_its_reservation_id(version):
    body, content_type = AlpineBitsConnector().accepted_response(push(alpinebits_sample(PUSH_SAMPLE)))
    assert content_type == "application/xml"
    assert validate_against_xsd(body, version) == []
    assert xpath(body, "count(o:Success)") == 1
    assert [(u.get("Type"), u.get("ID")) for u in xpath(body, "//o:UniqueID")] == [
        ("14", "6b34fe24ac2ff810")]


def _two_reservation_push() -> bytes:
    """The push sample plus a second reservation that names no hotel (refused)."""
    xml = alpinebits_sample(PUSH_SAMPLE)
    start = xml.index(b"<HotelReservation ")
    end = xml.index(b"</HotelReservation>") + len(b"</HotelReservation>")
    other = xml[start:end].replace(b"6b34fe24ac2ff810", b"f054bbd2f5ebab9")
    cut = other.index(b"<ResGlobalInfo>"), other.index(b"</ResGlobalInfo>") + len(b"</ResGlobalInfo>")
    return xml[:end] + other[: cut[0]] + other[cut[1]:] + xml[end:]


def test_a_refused_reservation_is_a_warning_450_beside_the_accepted_one():
    message = push(_two_reservation_push())
    result = AlpineBitsConnector().parse(message)
    assert [r.external_id for r in result.reservations] == ["6b34fe24ac2ff810"]
    assert "missing hotel code" in result.warnings["f054bbd2f5ebab9"]
    body, _ = AlpineBitsConnector().accepted_response(message)
    assert validate_against_xsd(body) == []
    [warning] = xpath(body, "//o:Warning")
    assert (warning.get("Type"), warning.get("Code"), warning.get("RecordID")) == (
        "3", "450", "f054bbd2f5ebab9")
    sample = alpinebits_sample("GuestRequests-OTA_HotelResNotifRS-reservation-push.xml")
    assert [e.tag for e in etree.fromstring(body)] == [
        e.tag for e in etree.fromstring(sample) if isinstance(e.tag, str)]


def test_a_push_of_which_nothing_can_be_used_is_answered_with_errors():
    xml = alpinebits_sample(PUSH_SAMPLE).replace(b'<BasicPropertyInfo HotelCode="123" HotelName="Frangart Inn"/>', b"")
    body, _ = AlpineBitsConnector(validate=False).accepted_response(push(xml))
    assert validate_against_xsd(body, "2024-10") == []
    [error] = xpath(body, "//o:Errors/o:Error")
    assert error.get("Type") == "13" and "missing hotel code" in error.text


# --- handshake ---------------------------------------------------------------------------------

def test_the_handshake_sample_gets_an_empty_intersection_and_its_echo_data_back():
    request = alpinebits_sample("Handshake-OTA_PingRQ.xml")
    answer = handshake_response(request)
    for version in ALPINEBITS_VERSIONS:
        assert validate_against_xsd(answer, version) == []
    [warning] = xpath(answer, "//o:Warning")
    assert (warning.get("Type"), warning.get("Status")) == ("11", "ALPINEBITS_HANDSHAKE")
    assert json.loads(warning.text) == {"versions": []}  # the client only offered 2018-10
    assert xpath(answer, "string(o:EchoData)") == xpath(request, "string(o:EchoData)")


def test_the_handshake_intersects_versions_and_actions_with_ours():
    offer = {"versions": [
        {"version": "2024-10", "actions": [
            {"action": "action_OTA_Ping"},
            {"action": "action_OTA_HotelResNotif_GuestRequests",
             "supports": ["OTA_HotelResNotif_GuestRequests_accept_RoomRates"]},
            {"action": "action_OTA_HotelInvCountNotif"}]},
        {"version": "2022-10", "actions": [{"action": "action_OTA_Ping"}]},
        {"version": "2018-10", "actions": [{"action": "action_OTA_Ping"}]},
    ]}
    request = ("<OTA_PingRQ xmlns='http://www.opentravel.org/OTA/2003/05' Version='8.000'>"
               f"<EchoData>{json.dumps(offer)}</EchoData></OTA_PingRQ>").encode()
    answer = handshake_response(request)
    assert validate_against_xsd(answer) == []
    assert json.loads(xpath(answer, "string(//o:Warning)")) == {"versions": [
        {"version": "2024-10", "actions": [{"action": "action_OTA_Ping"},
                                           {"action": "action_OTA_HotelResNotif_GuestRequests"}]},
        {"version": "2022-10", "actions": [{"action": "action_OTA_Ping"}]},
    ]}


def test_the_handshake_is_answered_directly_and_parses_to_nothing():
    connector = AlpineBitsConnector()
    request = alpinebits_sample("Handshake-OTA_PingRQ.xml")
    message = connector.extract(b"", "multipart/form-data", {"action": PING, "request": request.decode()})
    body, content_type, status = connector.direct_answer(message)
    assert (content_type, status) == ("application/xml", 200) and b"OTA_PingRS" in body
    assert connector.parse(message).reservations == []
    assert connector.accepted_response(message)[0] == body
    assert connector.direct_answer(push(alpinebits_sample(PUSH_SAMPLE))) is None


def test_a_handshake_without_json_echo_data_is_refused():
    request = b"<OTA_PingRQ xmlns='http://www.opentravel.org/OTA/2003/05' Version='8'><EchoData>hi</EchoData></OTA_PingRQ>"
    with pytest.raises(ConnectorError, match="EchoData is not the JSON"):
        handshake_response(request)


# --- puller ------------------------------------------------------------------------------------

def test_the_read_request_validates_and_names_the_hotel_and_the_start():
    request = build_read_request("123", "Frangart Inn", since=datetime(2012, 3, 21, 14, tzinfo=UTC))
    for version in ALPINEBITS_VERSIONS:
        assert validate_against_xsd(request, version) == []
    [hotel] = xpath(request, "//o:HotelReadRequest")
    assert (hotel.get("HotelCode"), hotel.get("HotelName")) == ("123", "Frangart Inn")
    assert xpath(request, "string(//o:SelectionCriteria/@Start)") == "2012-03-21T14:00:00+00:00"
    assert xpath(build_read_request("123"), "count(//o:SelectionCriteria)") == 0


def test_the_acknowledgement_reproduces_the_sample_acknowledgement():
    report = build_notif_report(
        [("6b34fe24ac2ff810", "14"), ("c24e8b15ca469388", "15"), "1000000000000001"],
        refused={"f054bbd2f5ebab9": "Unable to process reservation"},
    )
    sample = alpinebits_sample("GuestRequests-OTA_ReadRQ-ack.xml")
    for version in ALPINEBITS_VERSIONS:
        assert validate_against_xsd(report, version) == []

    def shape(xml: bytes):
        ids = [(u.get("Type"), u.get("ID")) for u in xpath(xml, "//o:UniqueID")]
        warnings = [(w.get("Type"), w.get("Code"), w.get("RecordID"), w.text.strip())
                    for w in xpath(xml, "//o:Warning")]
        return ids, warnings

    assert shape(report) == shape(sample)


def test_the_acknowledgement_folds_rooms_and_marks_cancellations():
    result = parse_retrieve_response(alpinebits_sample(PULL_SAMPLE))
    acks = acks_for(result)
    assert acks == [("6b34fe24ac2ff810", "14")]
    report = build_notif_report(acks, refused={"HotelReservation #2": "no id"})
    assert xpath(report, "count(//o:Warning)") == 0  # a refusal without an id cannot be named
    assert validate_against_xsd(build_notif_report([])) == []
