"""The fake PMS: deterministic, standard-conformant, and read by the real connectors as it says."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import lru_cache

import pytest
from lxml import etree

from connectors.card_data import contains_card_number
from connectors.fake import FakePMS, final_state, people_stays
from connectors.fake_people import WISHES
from connectors.preferences import preferences_from_text
from connectors.registry import get_connector
from guestcrm.services.identity.contacts import is_relay_email
from tests.samples import ALPINEBITS, ota_2011b_errors, stored_form

TODAY = date(2026, 3, 14)


@lru_cache(maxsize=4)
def stream(seed: int = 5, n: int = 600) -> tuple:
    return tuple(FakePMS(seed, today=TODAY).events(n))


@lru_cache(maxsize=1)
def alpinebits_schema() -> etree.XMLSchema:
    path = ALPINEBITS / "xsd" / "alpinebits-2024-10.xsd"
    assert path.is_file(), f"missing {path}"
    return etree.XMLSchema(etree.parse(str(path)))


def test_the_same_seed_and_day_give_the_same_bytes():
    first, again = FakePMS(9, today=TODAY).events(150), FakePMS(9, today=TODAY).events(150)
    assert [e.body for e in first] == [e.body for e in again]
    assert [e.body for e in FakePMS(10, today=TODAY).events(150)] != [e.body for e in first]


def test_it_sends_exactly_the_events_asked_for_oldest_first_each_version_once():
    events = stream()
    assert len(events) == 600
    stamps = [max(s.modified_at for s in e.expected) for e in events]
    assert stamps == sorted(stamps)
    assert len({e.key for e in events}) == len(events)
    assert len({e.body for e in events}) == len(events)


def test_every_message_is_valid_against_the_standards_xsds():
    for event in stream():
        if event.connector == "alpinebits":
            schema = alpinebits_schema()
            assert schema.validate(etree.fromstring(event.xml)), (event.key, schema.error_log)
        else:
            assert ota_2011b_errors(event.xml) == [], event.key


def test_the_real_connectors_read_what_the_fake_says_it_sent():
    connectors = {name: get_connector(name) for name in ("alpinebits", "opentravel")}
    for event in stream():
        connector = connectors[event.connector]
        parsed = connector.parse(connector.extract(event.body, event.content_type, event.form))
        assert not parsed.warnings, (event.key, parsed.warnings)
        assert len(parsed.reservations) == len(event.expected), event.key
        for got, want in zip(parsed.reservations, event.expected, strict=True):
            assert (got.source, got.property_code, got.external_id, got.status, got.modified_at) == (
                want.source, want.property_code, want.external_id, want.status, want.modified_at)
            if want.arrival is None:  # a bare AlpineBits cancellation
                assert got.guests == [] and got.arrival is None
                continue
            assert (got.arrival, got.departure, got.room_type, got.amount, got.currency) == (
                want.arrival, want.departure, want.room_type, want.amount, want.currency)
            assert (got.channel, got.channel_name, tuple(got.comments)) == (
                want.channel, want.channel_name, want.comments)
            assert {(p.key, p.value) for p in got.preferences} == set(want.preferences), event.key
            assert [(g.first_name, g.last_name, tuple(e.address for e in g.emails),
                     tuple(p.number for p in g.phones), g.birth_date,
                     tuple(x.number for x in g.loyalty), g.primary) for g in got.guests] == [
                (g.first_name, g.last_name, g.emails, g.phones, g.birth_date, g.loyalty, g.primary)
                for g in want.guests], event.key


@pytest.mark.parametrize("language", sorted(WISHES))
def test_each_wish_a_guest_writes_states_the_preference_the_fake_expects(language):
    for sentence, preference in WISHES[language]:
        found = {(p.key, p.value) for p in preferences_from_text(sentence)}
        assert found == {preference}, sentence


def test_a_change_never_renames_the_guest_or_rewrites_their_comment():
    seen: dict[str, set] = defaultdict(set)
    for event in stream():
        for stay in event.expected:
            if stay.guests:
                seen[stay.external_id].add((tuple((g.first_name, g.last_name) for g in stay.guests),
                                            stay.comments))
    assert seen and all(len(versions) == 1 for versions in seen.values())


def test_the_stream_has_the_life_of_a_real_hotel_group():
    events = stream(seed=5, n=2000)
    states = final_state(list(events))
    statuses = Counter(s.status for s in states.values())
    assert {"confirmed", "cancelled", "checked_out"} <= set(statuses)
    assert Counter(e.connector for e in events).keys() == {"alpinebits", "opentravel"}
    assert {s.property_code for s in states.values()} == {"ALP1", "ALP2", "CITY1"}
    assert max(e.version for e in events) >= 3  # modified twice, or modified and cancelled
    assert any("#2" in key[2] for key in states)  # several rooms in one booking
    visits = Counter(len(stays) for stays in people_stays(list(events)).values())
    assert visits[1] > 0 and max(visits) >= 10  # one-timers and regulars
    guests = [g for s in states.values() for g in s.guests]
    assert any(is_relay_email(e) for g in guests for e in g.emails)
    assert any(g.loyalty for g in guests) and any(not g.primary for g in guests)  # couples
    channels = {s.channel for s in states.values()}
    assert {"direct", "ota", "phone", "walk_in", "corporate"} <= channels
    past = [s for s in states.values() if s.departure and s.departure < TODAY]
    soon = [s for s in states.values() if s.arrival in (TODAY, TODAY + timedelta(days=1))
            and s.status == "confirmed"]
    assert len(past) > 100 and len(soon) >= 5
    assert any(g.birth_date and (g.birth_date.month, g.birth_date.day) == (s.arrival.month,
               s.arrival.day) for s in soon for g in s.guests)
    assert {p for s in states.values() for p in s.preferences} >= {
        ("smoking", "non_smoking"), ("cot", "yes"), ("quiet_room", "yes")}


def test_some_messages_carry_test_card_numbers_that_masking_removes():
    with_cards = [e for e in stream() if contains_card_number(e.xml.decode())]
    assert len(with_cards) > 20
    for event in with_cards:
        message = get_connector(event.connector).extract(event.body, event.content_type, {})
        assert not contains_card_number(message.body.decode())


def test_an_alpinebits_body_is_the_multipart_form_a_client_posts():
    event = next(e for e in stream() if e.connector == "alpinebits")
    message = get_connector("alpinebits").extract(event.body, event.content_type, {})
    assert message.action == "OTA_HotelResNotif:GuestRequests"
    assert message.body == stored_form(event.xml)
