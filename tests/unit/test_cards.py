"""Card numbers, CVVs, PINs and passwords are masked in the parsed message before anything
reads or stores it; ids, loyalty numbers and hotel codes never change, nor does the tree."""

from __future__ import annotations

import json
import re
import time
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from connectors.base import ConnectorError, InboundMessage
from connectors.card_data import contains_card_number, luhn_valid, mask_text
from connectors.card_data_json import mask_json
from connectors.ota_xml import masked
from tests.samples import (
    ALPINEBITS_SAMPLES,
    OPENTRAVEL_SAMPLES,
    SAMPLES,
    alpinebits_sample,
    ota_sample,
)


def mask_xml(body: bytes) -> bytes:
    return masked(InboundMessage(body=body), unparsed_ok=True).body


def shape(body: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """Every element's tag and attribute names, in document order."""
    root = etree.fromstring(body)
    return [(el.tag, tuple(el.attrib)) for el in root.iter() if isinstance(el.tag, str)]


def free_text(body: bytes) -> str:
    """The document's text and every attribute value, as the parser reads them."""
    root = etree.fromstring(body)
    parts = []
    for el in root.iter():
        parts += [el.text or "", el.tail or "", *el.attrib.values()]
    return "\n".join(parts)


def luhn_complete(prefix: str) -> str:
    """The prefix plus the check digit that makes it Luhn-valid."""
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable")


@pytest.mark.parametrize("name", [f"alpinebits/{n}" for n in ALPINEBITS_SAMPLES]
                         + [f"opentravel/{n}" for n in OPENTRAVEL_SAMPLES])
def test_after_masking_no_sample_holds_a_card_number_and_its_tree_is_unchanged(name):
    folder, _, relative = name.partition("/")
    original = alpinebits_sample(relative) if folder == "alpinebits" else ota_sample(relative)
    result = mask_xml(original)
    root = etree.fromstring(result)
    for card in root.iter("{*}PaymentCard"):
        assert not contains_card_number(" ".join([*card.attrib.values(), *card.itertext()]))
    assert not contains_card_number(
        "\n".join(el.text or "" for el in root.iter() if isinstance(el.tag, str)))
    assert shape(result) == shape(original)
    assert mask_xml(result) == result


@pytest.mark.parametrize("name,secret,kept", [
    ("OTA_HotelResNotifRQ.xml", 'CardNumber="4111111111111202"', 'CardNumber="XXXXXXXXXXXX1202"'),
    ("OTA_HotelResNotifRQ2.xml", 'SeriesCode="222"', 'SeriesCode="XXX"'),
    ("OTA_HotelResNotifRQ2.xml", 'MessagePassword="ek^4$327F21"', 'MessagePassword="XXXXXXXXXXX"'),
    ("OTA_HotelResRQ105.xml", 'SeriesCode="1234"', 'SeriesCode="XXXX"'),
    ("OTA_ReadRQ3.xml", 'PinNumber="1207"', 'PinNumber="XXXX"'),
    ("OTA_CancelRS_ForumHotelCancelSample.xml", 'CardNumber="999999999999"',
     'CardNumber="XXXXXXXX9999"'),
    ("2011A/samples/OTA_ProfileCreateRQ.xml", 'CardNumber="832593235600"',
     'CardNumber="XXXXXXXX5600"'),
])
def test_every_card_field_form_of_the_samples_is_masked(name, secret, kept):
    original = ota_sample(name)
    result = mask_xml(original).decode()
    assert secret in original.decode() and secret not in result and kept in result


def test_a_card_number_repeated_in_a_verification_block_is_masked_twice():
    result = mask_xml(ota_sample("OTA_HotelResModifyNotifRQ.xml"))
    assert result.count(b'CardNumber="XXXXXXXXXXXX1202"') == 2 and b"4111111111111202" not in result


def test_a_plain_text_card_number_with_trailing_whitespace_keeps_its_layout():
    result = mask_xml(alpinebits_sample("GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml"))
    assert b"<PlainText>XXXXXXXXXXXX1111\n" in result and b"4444333322221111" not in result


def test_the_cvv_and_card_number_elements_of_ota_2015a_are_masked():
    xml = (b"<PaymentCard><CardNumber><PlainText>9999 9999 9999 9999</PlainText></CardNumber>"
           b"<SeriesCode><PlainText>321</PlainText></SeriesCode>"
           b"<CardNumber EncryptedValue='abc'>51051<![CDATA[05105]]>105100</CardNumber>"
           b"</PaymentCard>")
    result = mask_xml(xml)
    assert b"XXXX XXXX XXXX 9999" in result and b"<PlainText>XXX</PlainText>" in result
    assert b"XXXXXXXXXXXX5100" in result and b'EncryptedValue="XXX"' in result
    assert shape(result) == shape(xml)


def test_a_namespaced_or_single_quoted_attribute_is_masked():
    xml = b"<a xmlns:o='urn:x'><o:PaymentCard o:CardNumber='4111111111111111' SeriesCode = '987'/></a>"
    result = mask_xml(xml)
    assert b'o:CardNumber="XXXXXXXXXXXX1111"' in result and b'SeriesCode="XXX"' in result


@pytest.mark.parametrize("written", [
    "4111 1111 1111 1111", "4111.1111.1111.1111", "4111/1111/1111/1111",
    "4111  1111  1111  1111", "4111\u00a01111\u00a01111\u00a01111", "4111\n1111\n1111\n1111",
    "4111-1111-1111-1111 12/27", "4111111111111111 exp 12/27", "4111111111111111/1227",
    "4111\u20131111\u20131111\u20131111", "4111,1111,1111,1111", "4111_1111_1111_1111",
    "4111 -- 1111 -- 1111 -- 1111", "4111\u20141111\u20141111\u20141111",
])
def test_a_card_number_in_a_comment_is_masked_whatever_separates_its_digits(written):
    xml = f"<R><Comment><Text>pay with {escape(written)} please</Text></Comment></R>".encode()
    result = mask_xml(xml)
    assert not contains_card_number(free_text(result))
    assert "1111" in free_text(result) and "please" in free_text(result)


def test_a_card_number_written_as_character_references_or_split_by_cdata_is_masked():
    refs = "".join(f"&#{ord(c)};" for c in "4111111111111111")
    for text in (refs, "4111<![CDATA[11111111]]>1111", "4111<![CDATA[ 1111 ]]>1111 1111"):
        result = mask_xml(f"<R><Text>card {text}</Text></R>".encode())
        assert not contains_card_number(free_text(result)), text
        assert b"4111" not in result


def test_json_card_fields_are_masked_by_key_and_free_text_by_luhn():
    body = {"payment": {"cardNumber": "5105 1051 0510 5100", "cvv": "123", "CVC": 456,
                        "security_code": "7890", "card_number": 4111111111111111},
            "card": {"number": "4012888888881881"}, "number": "12",
            "reservationId": "4111111111111111", "note": "card 4111 1111 1111 1111"}
    result = mask_json(json.loads(json.dumps(body)))
    payment = result["payment"]
    assert payment["cardNumber"] == "XXXX XXXX XXXX 5100"
    assert (payment["cvv"], payment["CVC"], payment["security_code"]) == ("XXX", "XXX", "XXXX")
    assert payment["card_number"] == "XXXXXXXXXXXX1111"
    assert result["card"]["number"] == "XXXXXXXXXXXX1881" and result["number"] == "12"
    assert result["reservationId"] == "4111111111111111"  # an id is never touched
    assert result["note"] == "card XXXX XXXX XXXX 1111"


def test_a_card_number_sent_as_a_json_number_is_masked_but_numeric_ids_are_not():
    result = mask_json({"payment": {"cc": 4111111111111111}, "nights": 3,
                        "bookingId": 4111111111111111, "total": 4111111111111111.0})
    assert result["payment"]["cc"] == "XXXXXXXXXXXX1111" and result["nights"] == 3
    assert result["bookingId"] == 4111111111111111


def test_the_ohip_schema_example_card_is_masked():
    original = json.loads((SAMPLES / "oracle-ohip" / "distributionreservationnotif.json")
                          .read_text())
    assert "5105105105105100" in json.dumps(original)
    assert "5105105105105100" not in json.dumps(mask_json(original))


@pytest.mark.parametrize("text", [
    "card 4111 1111 1111 1111 exp 12/25", "card 4111-1111-1111-1111", "4111111111111111",
    "CC:378282246310005 (Amex)", "4111111111111111 123",
])
def test_a_luhn_valid_number_in_free_text_is_masked_keeping_four_digits(text):
    assert contains_card_number(text)
    result = mask_text(text)
    assert not contains_card_number(result) and re.search(r"(1111|0005)\b", result)


@pytest.mark.parametrize("text", [
    "+4934567891234567",  # an E.164 phone number, even if Luhn-valid by chance
    "41111111111111110000",  # part of a longer digit run (20 digits)
    "4111111111111112",  # not Luhn-valid
    "411111111111",  # 12 digits: too short
    "Start 2012-01-01 End 2012-01-12",
    "Booking 6b34fe24ac2ff810",
])
def test_numbers_that_are_not_card_numbers_are_left_alone(text):
    assert not contains_card_number(text) and mask_text(text) == text


def test_luhn_accepts_known_test_numbers_and_rejects_a_changed_digit():
    for number in ("4111111111111111", "4444333322221111", "5105105105105100", "378282246310005"):
        assert luhn_valid(number)
        assert not luhn_valid(number[:-1] + str((int(number[-1]) + 1) % 10))
    assert not luhn_valid("9999999999999999") and not luhn_valid("") and not luhn_valid("12a4")


def test_a_body_that_does_not_parse_is_refused_or_masked_as_text():
    with pytest.raises(ConnectorError):
        masked(InboundMessage(body=b"<R>4111111111111111"))
    assert mask_xml(b"<R>4111111111111111") == b"<R>XXXXXXXXXXXX1111"
    assert mask_xml(b"\xff\xfe\x00<") == b"\xff\xfe\x00<"


def test_a_megabyte_of_hostile_text_is_masked_in_under_a_second():
    bodies = [
        b"<CardNumber>" * 60_000,  # unclosed tags: the body does not parse
        b"<R><Text>" + b"4111 1111 " * 100_000 + b"</Text></R>",
        b"<R><Text>" + b"1" * 1_000_000 + b"</Text></R>",
        b"<R><Text>" + b"1 " * 500_000 + b"</Text></R>",
        b"<R><Text>" + b"4111111111111111 " * 60_000 + b"</Text></R>",
    ]
    for body in bodies:
        started = time.perf_counter()
        mask_xml(body)
        assert time.perf_counter() - started < 1.0, body[:30]


# --- properties --------------------------------------------------------------------------------

card_numbers = st.builds(luhn_complete,
                         st.text("0123456789", min_size=11, max_size=17).map(lambda s: "4" + s))
identifiers = st.one_of(card_numbers, st.text("0123456789", min_size=13, max_size=19))
separators = st.sampled_from([" ", "-", ".", "/", "  ", "\u00a0", "\n", " \n ", ",", "_",
                              "\u2013", " - "])
written_cards = st.builds(
    lambda number, sep, group: sep.join(re.findall(f".{{1,{group}}}", number)),
    card_numbers, separators, st.integers(3, 6))
words = st.text(st.characters(codec="utf-8", categories=("L", "Zs", "P")), max_size=30)
ID_ATTRIBUTES = ("ID", "ResID_Value", "MembershipID", "ProfileID", "LocatorID", "Number")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ID_ATTRIBUTES), identifiers), min_size=1, max_size=6),
       st.lists(identifiers, max_size=3))
def test_any_id_or_loyalty_number_survives_unchanged(attributes, hotel_codes):
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in dict(attributes).items())
    hotels = "".join(f'<BasicPropertyInfo HotelCode="{code}"/>' for code in hotel_codes)
    xml = f"<R><UniqueID{attrs}/><Membership{attrs}/>{hotels}</R>".encode()
    result = etree.fromstring(mask_xml(xml))
    original = etree.fromstring(xml)
    assert [dict(el.attrib) for el in result.iter()] == [dict(el.attrib) for el in original.iter()]


@settings(max_examples=200, deadline=None)
@given(written_cards, words, words, st.sampled_from(["Text", "Comment", "SpecialRequest",
                                                      "ListItem", "Description"]))
def test_any_card_number_in_any_free_text_field_is_masked(card, before, after, element):
    xml = f"<R><{element}>{escape(before)} {escape(card)} {escape(after)}</{element}></R>"
    result = mask_xml(xml.encode())
    assert not contains_card_number(free_text(result))
    assert shape(result) == shape(xml.encode())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["CardNumber", "SeriesCode", "Remark", "PinNumber", "ID"]),
                       st.one_of(card_numbers, words)), max_size=5),
    st.lists(st.one_of(written_cards, words), max_size=4),
)
def test_masking_never_changes_the_tree_and_is_idempotent(attributes, texts):
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in dict(attributes).items())
    body = "".join(f"<CardNumber><PlainText>{escape(t)}</PlainText></CardNumber><T>{escape(t)}</T>"
                   for t in texts)
    xml = f'<?xml version="1.0" encoding="UTF-8"?><Root{attrs}>{body}</Root>'.encode()
    result = mask_xml(xml)
    assert shape(result) == shape(xml)
    assert mask_xml(result) == result
    root = etree.fromstring(result)
    assert not any(contains_card_number(t) for t in root.itertext())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text("0123456789", min_size=1, max_size=6), card_numbers),
                min_size=1, max_size=40))
def test_the_array_search_finds_exactly_the_windows_a_plain_search_finds(groups):
    """Long runs are searched with prefix sums, short ones one Luhn check at a time."""
    from connectors.card_data import _card_windows, _windows_one_by_one

    digit_groups = re.findall("[0-9]+", " ".join(groups))
    assert _card_windows(" ".join(groups)) == _windows_one_by_one(digit_groups)
