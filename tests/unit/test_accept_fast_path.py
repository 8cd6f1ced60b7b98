"""The shortcuts of the webhook accept path change no answer and no stored byte:
the XML fast path refuses what
the full path refuses with the same reason, the answer reuses the door parse, and the webhook
credential cache never accepts what the full check would refuse."""

from __future__ import annotations

import random
import re

import pytest

from connectors.alpinebits import AlpineBitsConnector
from connectors.base import ConnectorError, InboundMessage
from connectors.fake import FakePMS
from connectors.opentravel import OpenTravelConnector
from connectors.ota_xml import _parse_checked, message_root, parse_xml
from guestcrm.services.access.credentials import WebhookAuthCache, WebhookGrant
from tests.samples import OPENTRAVEL_SAMPLES, alpinebits_sample, ota_sample

PUSH = "OTA_HotelResNotif:GuestRequests"


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
