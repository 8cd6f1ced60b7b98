"""The shortcuts of the webhook accept path change no answer and no stored byte:
card masking skips only passes that could not change anything, the XML fast path refuses what
the full path refuses with the same reason, the answer reuses the door parse, and the webhook
credential cache never accepts what the full check would refuse."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.alpinebits import AlpineBitsConnector
from connectors.base import ConnectorError, InboundMessage
from connectors.fake import FakePMS
from connectors.opentravel import OpenTravelConnector
from connectors.ota_xml import _parse_checked, message_root, parse_xml
from guestcrm.services.access.credentials import WebhookAuthCache, WebhookGrant
from guestcrm.services.ingest import cards
from tests.samples import ALPINEBITS_SAMPLES, OPENTRAVEL_SAMPLES, alpinebits_sample, ota_sample

PUSH = "OTA_HotelResNotif:GuestRequests"


def mask_every_pass(body: bytes) -> bytes:
    """mask_card_data as it was before its pre-checks: every pass, always."""
    if not body:
        return body
    masked = cards._ATTRIBUTE.sub(cards._mask_attribute, body)
    masked = cards._ELEMENT.sub(cards._mask_element, masked)
    masked = cards._JSON_MEMBER.sub(cards._mask_json_member, masked)
    for _ in range(cards._MAX_PASSES):
        again = cards._RUN.sub(cards._mask_run, masked)
        if again == masked:
            break
        masked = again
    return masked


FRAGMENTS = [
    b"4111111111111111", b"4111 1111 1111 1111", b"4111-1111-1111-1111", b"+4915421052967",
    b"+49 4111111111111111", b"12+4111111111111111", b"5105105105105100", b"378282246310005",
    b"2024-06-28", b"0043 512 123456", b"1234567890123", b'CardNumber="4012888888881881"',
    b'cardnumber="5555555555554444"', b"<CardNumber><PlainText>4111111111111111</PlainText>",
    b"</CardNumber>", b'<SeriesCode>123</SeriesCode>', b'PinNumber="1234"', b'"cvv": "123"',
    b'"card_number": 4111111111111111', b'"PAN" : "4111-1111-1111-1111"', b'"pin":"0000"',
    b"<a>", b"</a>", b" ", b"-", b"+", b"x", b"9", b'"', b":", b"=", b"'", b"\n",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_masking_with_pre_checks_equals_masking_with_every_pass(parts):
    body = b"".join(parts)
    assert cards.mask_card_data(body) == mask_every_pass(body)


@pytest.mark.parametrize("name", [f"alpinebits/{n}" for n in ALPINEBITS_SAMPLES]
                         + [f"opentravel/{n}" for n in OPENTRAVEL_SAMPLES])
def test_masking_a_sample_is_unchanged_by_the_pre_checks(name):
    folder, _, relative = name.partition("/")
    body = alpinebits_sample(relative) if folder == "alpinebits" else ota_sample(relative)
    assert cards.mask_card_data(body) == mask_every_pass(body)


def test_masking_fake_pms_messages_is_unchanged_by_the_pre_checks():
    for event in FakePMS(5).events(200):
        assert cards.mask_card_data(event.body) == mask_every_pass(event.body)


def outcome(parse, body: bytes) -> tuple[str, str]:
    try:
        root = parse(body)
    except ConnectorError as exc:
        return "refused", str(exc)
    return "parsed", root.tag


def test_the_xml_fast_path_accepts_and_refuses_like_the_full_path():
    bodies = [event.body for event in FakePMS(9).events(60) if event.connector == "opentravel"]
    bodies += [ota_sample(name) for name in OPENTRAVEL_SAMPLES]
    rnd = random.Random(7)
    alphabet = list(b'<>/&;#"\'=:!?[]- x\x01') + ["<!DOCTYPE a>", "<!doctype a>", "<!ENTITY"]
    cases = list(bodies)
    for _ in range(1500):
        body = bytearray(rnd.choice(bodies))
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(len(body))
            piece = rnd.choice(alphabet)
            piece = piece.encode() if isinstance(piece, str) else bytes([piece])
            if rnd.random() < 0.5:
                body[at:at + rnd.randint(0, 4)] = piece
            else:
                del body[at:at + rnd.randint(1, 6)]
        cases.append(bytes(body))
    cases += [b"<a>" * 300 + b"</a>" * 300, b'<?xml version="1.1"?><a/>', b"<a:b/>", b"<a>&x;</a>"]
    for body in cases:
        full = outcome(_parse_checked, body)
        fast = outcome(parse_xml, body)
        if full[0] == "refused" and fast[0] == "refused":
            continue  # parse_xml's own checks (encoding, size) may speak first: both refuse
        assert fast == full, body


def test_a_dtd_in_any_case_still_gets_the_dtd_answer():
    for doctype in (b"<!DOCTYPE r>", b"<!DocType r>"):
        with pytest.raises(ConnectorError, match="DOCTYPE|malformed"):
            parse_xml(doctype + b"<OTA_HotelResNotifRQ/>")
    with pytest.raises(ConnectorError, match="DOCTYPE"):
        parse_xml(b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')


def test_the_root_kept_by_extract_is_used_only_for_the_same_body():
    body = ota_sample("OTA_HotelResNotifRQ.xml")
    message = OpenTravelConnector().extract(body, "application/xml", {})
    assert message_root(message) is message.xml[1]
    message.body = body.replace(b"OTA_HotelResNotifRQ", b"OTA_CancelRQ")
    assert message_root(message).tag.endswith("OTA_CancelRQ")


def without_time(answer: bytes) -> bytes:
    return re.sub(rb'TimeStamp="[^"]*"', b"", answer)


def test_the_answer_from_the_door_parse_equals_the_answer_from_reading_again():
    compared = 0
    for event in FakePMS(11).events(80):
        connector = (AlpineBitsConnector() if event.connector == "alpinebits"
                     else OpenTravelConnector())
        message = connector.extract(event.body, event.content_type, event.form)
        message.headers = dict(event.headers)
        try:
            parsed = connector.parse(message)
        except ConnectorError:
            continue
        again = InboundMessage(body=message.body, content_type=message.content_type,
                               action=message.action, headers=message.headers)
        message.parsed = parsed
        assert without_time(connector.accepted_response(message)[0]) == without_time(
            connector.accepted_response(again)[0])
        compared += 1
    assert compared > 40


def test_a_push_whose_reservations_are_partly_refused_gets_the_same_answer():
    xml = alpinebits_sample("GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml")
    connector = AlpineBitsConnector(validate=False)
    message = InboundMessage(body=xml, content_type="application/xml", action=PUSH)
    message.parsed = connector.parse(message)
    again = InboundMessage(body=xml, content_type="application/xml", action=PUSH)
    assert connector.accepted_response(message) == connector.accepted_response(again)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


GRANT = WebhookGrant("cm", frozenset({"WASJW"}))


def test_the_credential_cache_remembers_only_the_exact_pair_until_its_ttl():
    clock = Clock()
    cache = WebhookAuthCache(ttl=30, clock=clock)
    assert not cache.hit("opentravel", "cm", "s3cret")
    cache.remember("opentravel", "cm", "s3cret", GRANT)
    assert cache.hit("opentravel", "cm", "s3cret") == GRANT
    for connector, name, secret in (("opentravel", "cm", "s3cret!"), ("opentravel", "cm", ""),
                                    ("opentravel", "cm2", "s3cret"), ("alpinebits", "cm", "s3cret"),
                                    ("opentravel", "cms", "3cret")):
        assert not cache.hit(connector, name, secret)
    clock.now += 29.9
    assert cache.hit("opentravel", "cm", "s3cret")
    clock.now += 0.2
    assert not cache.hit("opentravel", "cm", "s3cret")


def test_a_zero_ttl_disables_the_credential_cache():
    cache = WebhookAuthCache(ttl=0)
    cache.remember("opentravel", "cm", "s3cret", GRANT)
    assert not cache.hit("opentravel", "cm", "s3cret")


def test_the_credential_cache_holds_no_secret_and_stays_bounded():
    clock = Clock()
    cache = WebhookAuthCache(ttl=30, clock=clock, max_entries=10)
    for index in range(25):
        cache.remember("opentravel", f"cm{index}", "s3cret", GRANT)
        assert len(cache._grants) <= 10
    assert cache.hit("opentravel", "cm24", "s3cret")
    assert all(b"s3cret" not in key for key in cache._grants)
