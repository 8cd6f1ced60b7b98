"""The AlpineBits door path (card masking, XSD validation, parse, preferences, schema) is linear
in a hostile comment too: a megabyte of preference words and negations is answered in under a
second, refused for being over the comment limit."""

from __future__ import annotations

import time

import pytest

from connectors.alpinebits import AlpineBitsConnector
from connectors.base import ConnectorError, InboundMessage
from connectors.ota_xml import masked
from tests.samples import alpinebits_sample

HOSTILE = {
    "preferences and negations":
        "no smoking, kein Raucher, king bed, not a twin, ohne Federn, high floor " * 15_000,
    "one character": "x" * 1_000_000,
    "unclosed parenthesis": "(no king bed " * 80_000,
}


@pytest.mark.parametrize("comment", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_megabyte_comment_in_an_alpinebits_push_is_refused_in_under_a_second(comment):
    xml = alpinebits_sample("GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml")
    hostile = xml.replace(b"Sind Hunde erlaubt?", comment.encode())
    assert hostile != xml
    message = InboundMessage(body=hostile, content_type="application/xml",
                             action="OTA_HotelResNotif:GuestRequests",
                             headers={"X-AlpineBits-ClientProtocolVersion": "2024-10"})
    started = time.perf_counter()
    with pytest.raises(ConnectorError, match="comments"):
        AlpineBitsConnector().parse(masked(message, unparsed_ok=True))
    assert time.perf_counter() - started < 1.0
