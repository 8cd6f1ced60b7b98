"""Card numbers, CVVs, PINs and passwords are masked before anything is stored."""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from guestcrm.services.ingest.cards import contains_card_number, luhn_valid, mask_card_data
from tests.samples import (
    ALPINEBITS_SAMPLES,
    OPENTRAVEL_SAMPLES,
    SAMPLES,
    alpinebits_sample,
    ota_sample,
)


def luhn_complete(prefix: str) -> str:
    """The prefix plus the check digit that makes it Luhn-valid."""
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable")


@pytest.mark.parametrize("name", [f"alpinebits/{n}" for n in ALPINEBITS_SAMPLES]
                         + [f"opentravel/{n}" for n in OPENTRAVEL_SAMPLES])
def test_after_masking_no_sample_holds_a_card_number_and_it_still_parses(name):
    folder, _, relative = name.partition("/")
    original = alpinebits_sample(relative) if folder == "alpinebits" else ota_sample(relative)
    masked = mask_card_data(original)
    assert not contains_card_number(masked.decode("utf-8"))
    etree.fromstring(masked)
    assert len(masked) == len(original)
    assert all(a == b or b == ord("X") for a, b in zip(original, masked, strict=True))
    assert mask_card_data(masked) == masked


@pytest.mark.parametrize("name,secret,kept", [
    ("OTA_HotelResNotifRQ.xml", b'CardNumber="4111111111111202"', b'CardNumber="XXXXXXXXXXXX1202"'),
    ("OTA_HotelResNotifRQ2.xml", b'SeriesCode="222"', b'SeriesCode="XXX"'),
    ("OTA_HotelResNotifRQ2.xml", b'MessagePassword="ek^4$327F21"', b'MessagePassword="XXXXXXXXXXX"'),
    ("OTA_HotelResRQ105.xml", b'SeriesCode="1234"', b'SeriesCode="XXXX"'),
    ("OTA_ReadRQ3.xml", b'PinNumber="1207"', b'PinNumber="XXXX"'),
    ("OTA_CancelRS_ForumHotelCancelSample.xml", b'CardNumber="999999999999"', b'CardNumber="XXXXXXXX9999"'),
    ("2011A/samples/OTA_ProfileCreateRQ.xml", b'CardNumber="832593235600"', b'CardNumber="XXXXXXXX5600"'),
])
def test_every_card_field_form_of_the_samples_is_masked(name, secret, kept):
    original = ota_sample(name)
    masked = mask_card_data(original)
    assert secret in original and secret not in masked and kept in masked


def test_a_card_number_repeated_in_a_verification_block_is_masked_twice():
    masked = mask_card_data(ota_sample("OTA_HotelResModifyNotifRQ.xml"))
    assert masked.count(b'CardNumber="XXXXXXXXXXXX1202"') == 2 and b"4111111111111202" not in masked


def test_a_plain_text_card_number_with_trailing_whitespace_keeps_its_layout():
    original = alpinebits_sample("GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml")
    masked = mask_card_data(original)
    assert b"<PlainText>XXXXXXXXXXXX1111\n" in masked and b"4444333322221111" not in masked
    assert masked.replace(b"XXXXXXXXXXXX1111", b"4444333322221111") == original


def test_the_cvv_and_card_number_elements_of_ota_2015a_are_masked():
    xml = (b"<PaymentCard><CardNumber><PlainText>9999 9999 9999 9999</PlainText></CardNumber>"
           b"<SeriesCode><PlainText>321</PlainText></SeriesCode>"
           b"<CardNumber EncryptedValue='abc'><![CDATA[5105105105105100]]></CardNumber></PaymentCard>")
    masked = mask_card_data(xml)
    assert b"XXXX XXXX XXXX 9999" in masked and b"<PlainText>XXX</PlainText>" in masked
    assert b"<![CDATA[XXXXXXXXXXXX5100]]>" in masked and b"EncryptedValue='abc'" in masked
    etree.fromstring(masked)


def test_a_namespaced_or_single_quoted_attribute_is_masked():
    xml = b"<a xmlns:o='urn:x'><o:PaymentCard o:CardNumber='4111111111111111' SeriesCode = '987'/></a>"
    masked = mask_card_data(xml)
    assert b"o:CardNumber='XXXXXXXXXXXX1111'" in masked and b"SeriesCode = 'XXX'" in masked


def test_json_card_fields_are_masked_and_stay_json():
    body = json.dumps({"payment": {"cardNumber": "5105 1051 0510 5100", "cvv": "123", "CVC": 456,
                                   "security_code": "7890", "card_number": 4111111111111111,
                                   "number": "12"}}).encode()
    masked = json.loads(mask_card_data(body))["payment"]
    assert masked["cardNumber"] == "XXXX XXXX XXXX 5100"
    assert (masked["cvv"], masked["CVC"], masked["security_code"]) == ("XXX", "XXX", "XXXX")
    assert masked["card_number"] == "XXXXXXXXXXXX1111" and masked["number"] == "12"


def test_the_ohip_schema_example_card_is_masked():
    path = SAMPLES / "oracle-ohip" / "distributionreservationnotif.json"
    original = path.read_bytes()
    assert b"5105105105105100" in original
    masked = mask_card_data(original)
    assert not contains_card_number(masked.decode()) and b"5105105105105100" not in masked
    json.loads(masked)


@pytest.mark.parametrize("text", [
    "card 4111 1111 1111 1111 exp 12/25",
    "card 4111-1111-1111-1111",
    "4111111111111111",
    "CC:378282246310005 (Amex)",
    "4111111111111111 123",  # card and CVV side by side
])
def test_a_luhn_valid_number_in_free_text_is_found_and_masked_keeping_four_digits(text):
    assert contains_card_number(text)
    masked = mask_card_data(text.encode()).decode()
    assert not contains_card_number(masked)
    assert re.search(r"(1111|0005)\b", masked)


@pytest.mark.parametrize("text", [
    "+4934567891234567",  # an E.164 phone number, even if Luhn-valid by chance
    "41111111111111110000",  # part of a longer digit run (20 digits)
    "4111111111111112",  # not Luhn-valid
    "411111111111",  # 12 digits: too short for the free-text rule
    "Start 2012-01-01 End 2012-01-12",
    "Booking 6b34fe24ac2ff810",
])
def test_numbers_that_are_not_card_numbers_are_left_alone(text):
    assert not contains_card_number(text)
    assert mask_card_data(text.encode()) == text.encode()


def test_luhn_accepts_known_test_numbers_and_rejects_a_changed_digit():
    for number in ("4111111111111111", "4444333322221111", "5105105105105100", "378282246310005"):
        assert luhn_valid(number)
        assert not luhn_valid(number[:-1] + str((int(number[-1]) + 1) % 10))
    assert not luhn_valid("9999999999999999") and not luhn_valid("") and not luhn_valid("12a4")


def test_empty_and_binary_bodies_are_handled():
    assert mask_card_data(b"") == b""
    assert mask_card_data(b"\xff\xfe\x00<") == b"\xff\xfe\x00<"


# --- properties --------------------------------------------------------------------------------

cards = st.builds(luhn_complete, st.text("0123456789", min_size=11, max_size=17).map(lambda s: "4" + s))
separated = st.builds(
    lambda number, sep: sep.join(re.findall(".{1,4}", number)), cards, st.sampled_from(["", " ", "-"]))
safe_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@given(separated, safe_text, safe_text)
def test_a_generated_card_number_between_any_words_is_masked(card, before, after):
    text = f"{before} {card} {after}"
    masked = mask_card_data(text.encode()).decode()
    assert card not in masked
    assert not contains_card_number(masked)


@settings(max_examples=150)
@given(
    st.lists(st.tuples(st.sampled_from(["CardNumber", "SeriesCode", "Note", "PinNumber", "ID"]),
                       st.one_of(cards, safe_text)), max_size=4),
    st.lists(st.one_of(separated, safe_text), max_size=4),
)
def test_masking_never_breaks_a_well_formed_document(attributes, texts):
    unique = dict(attributes)
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in unique.items())
    body = "".join(f"<CardNumber><PlainText>{escape(t)}</PlainText></CardNumber><T>{escape(t)}</T>"
                   for t in texts)
    xml = f'<?xml version="1.0" encoding="UTF-8"?><Root{attrs}>{body}</Root>'.encode()
    etree.fromstring(xml)
    masked = mask_card_data(xml)
    etree.fromstring(masked)
    assert not contains_card_number(masked.decode())
    assert mask_card_data(masked) == masked
