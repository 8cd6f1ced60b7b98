"""Preferences from free text (English and German) and from OTA codes."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.preferences import (
    BED_TYPE_CODES,
    ROOM_AMENITY_CODES,
    RULES,
    merge_preferences,
    preferences_from_amenity,
    preferences_from_request,
    preferences_from_room_type,
    preferences_from_text,
)
from guestcrm.schemas.reservation import CanonicalPreference


def found(text: str) -> set[tuple[str, str]]:
    return {(p.key, p.value) for p in preferences_from_text(text)}


@pytest.mark.parametrize("text,expected", [
    ("non-smoking Room requested;king bed", {("smoking", "non_smoking"), ("bed", "king")}),
    ("Non smoking please", {("smoking", "non_smoking")}),
    ("No smoking room", {("smoking", "non_smoking")}),
    ("not a smoking room", {("smoking", "non_smoking")}),
    ("We are smokers, smoking room please", {("smoking", "smoking")}),
    ("Nichtraucherzimmer bitte", {("smoking", "non_smoking")}),
    ("Wir möchten nicht rauchen", {("smoking", "non_smoking")}),
    ("Ich rauche nicht", {("smoking", "non_smoking")}),
    ("kein Raucherzimmer", {("smoking", "non_smoking")}),
    ("Raucherzimmer", {("smoking", "smoking")}),
    ("1 king", {("bed", "king")}),
    ("Queen size bed if possible", {("bed", "queen")}),
    ("twin beds", {("bed", "twin")}),
    ("two single beds", {("bed", "twin")}),
    ("Bitte zwei Einzelbetten", {("bed", "twin")}),
    ("Doppelbett gewünscht", {("bed", "double")}),
    ("a double bed", {("bed", "double")}),
    ("no king bed, twin please", {("bed", "twin")}),
    ("high floor, away from the elevator", {("floor", "high"), ("quiet_room", "yes")}),
    ("Zimmer in einer hohen Etage", {("floor", "high")}),
    ("oberes Stockwerk bitte", {("floor", "high")}),
    ("Erdgeschoss wegen Knieproblemen", {("floor", "low")}),
    ("ground floor", {("floor", "low")}),
    ("quiet room please", {("quiet_room", "yes")}),
    ("Ein ruhiges Zimmer wäre schön", {("quiet_room", "yes")}),
    ("we need a cot for our baby", {("cot", "yes")}),
    ("crib", {("cot", "yes")}),
    ("Babybett benötigt", {("cot", "yes")}),
    ("Bitte ein Kinderbett", {("cot", "yes")}),
    ("Wheelchair user", {("accessible", "yes")}),
    ("accessible room", {("accessible", "yes")}),
    ("Rollstuhlfahrer, barrierefreies Zimmer", {("accessible", "yes")}),
    ("feather-free pillows", {("allergy", "feather_free")}),
    ("hypoallergenic bedding", {("allergy", "feather_free")}),
    ("no feathers please", {("allergy", "feather_free")}),
    ("Allergiker, bitte federfreie Decken", {("allergy", "feather_free")}),
    ("Wir bringen unseren Hund mit", {("pets", "dog")}),
    ("travelling with our dog", {("pets", "dog")}),
    ("with our cat", {("pets", "cat")}),
    ("vegetarian breakfast", {("diet", "vegetarian")}),
    ("Ich bin Veganerin", {("diet", "vegan")}),
    ("vegetarisch und glutenfrei", {("diet", "vegetarian"), ("diet", "gluten_free")}),
    ("gluten-free meals", {("diet", "gluten_free")}),
    ("balcony", {("balcony", "yes")}),
])
def test_free_text_states_preferences(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "Sind Hunde erlaubt?",
    "Sind Hunde erlaubt?\n\nMfg.\nOtto Mustermann.",
    "Do you allow dogs?",
    "Is there a quiet room?",
    "no dogs",
    "ohne Hund",
    "keine Haustiere",
    "I am allergic to dogs",
    "Hundehaarallergie",
    "Parkplatz; Schwimmbad; Skipass",
    "Wir kommen um hundert Uhr",  # "hundert" is not a Hund
    "",
])
def test_questions_negations_and_unrelated_text_state_no_preference(text):
    assert found(text) == set()


def test_a_polite_request_phrased_as_a_question_is_still_a_preference():
    assert found("Could we get a cot?") == {("cot", "yes")}
    assert found("Könnten wir ein ruhiges Zimmer bekommen?") == {("quiet_room", "yes")}


def test_only_the_question_is_dropped_from_a_longer_comment():
    assert found("Sind Hunde erlaubt? Wir sind Nichtraucher.") == {("smoking", "non_smoking")}


def test_free_text_preferences_say_where_they_came_from_and_are_deduplicated():
    result = preferences_from_text("king bed. King bed! king", source="comment")
    assert result == [CanonicalPreference("bed", "king", "comment")]


def test_a_specific_pet_replaces_a_bare_pets_yes():
    assert found("pets: our dog") == {("pets", "dog")}
    assert [(p.key, p.value) for p in preferences_from_request("PET", None)] == [("pets", "yes")]
    assert [(p.key, p.value) for p in preferences_from_request("PETS", "ein kleiner Hund")] == [("pets", "dog")]


@pytest.mark.parametrize("code,expected", [
    ("161", ("accessible", "yes")), ("74", ("smoking", "non_smoking")), ("58", ("bed", "king")),
    ("101", ("smoking", "smoking")), ("7", ("balcony", "yes")), ("187", ("allergy", "feather_free")),
])
def test_room_amenity_codes_map_to_preferences(code, expected):
    [pref] = preferences_from_amenity(code)
    assert (pref.key, pref.value, pref.source) == (*expected, "request")


def test_an_amenity_the_guest_refuses_or_does_not_know_is_no_preference():
    assert preferences_from_amenity("74", "Unacceptable") == []
    assert preferences_from_amenity("9999") == []
    assert preferences_from_amenity(None) == []


def test_room_type_attributes_map_to_preferences():
    assert {(p.key, p.value) for p in preferences_from_room_type("true", "3")} == {
        ("smoking", "non_smoking"), ("bed", "king")}
    assert {(p.key, p.value) for p in preferences_from_room_type("false", "1")} == {("bed", "double")}
    assert preferences_from_room_type(None, "42") == []


def test_the_code_tables_only_produce_known_keys():
    keys = {rule.key for rule in RULES}
    assert {key for key, _ in ROOM_AMENITY_CODES.values()} <= keys
    assert set(BED_TYPE_CODES.values()) <= {rule.value for rule in RULES if rule.key == "bed"}


def test_merge_keeps_the_first_source_of_a_repeated_preference():
    merged = merge_preferences([CanonicalPreference("bed", "king", "request")],
                               [CanonicalPreference("bed", "king", "comment")])
    assert merged == [CanonicalPreference("bed", "king", "request")]


@given(st.text(max_size=300))
def test_any_text_gives_known_unique_preferences_without_failing(text):
    result = preferences_from_text(text)
    pairs = [(p.key, p.value) for p in result]
    assert len(pairs) == len(set(pairs))
    assert {p.key for p in result} <= {rule.key for rule in RULES}
    assert all(p.source == "comment" for p in result)


@given(st.sampled_from(["king bed", "Nichtraucher", "Babybett", "quiet room", "vegan"]),
       st.sampled_from(["?", " ?", "?\n"]))
def test_any_stated_wish_turned_into_a_plain_question_states_nothing(wish, mark):
    assert found(f"Is there a {wish}{mark}") == set()


# --- linear time on hostile text (issue #12 defect 3) ---------------------------------------

HOSTILE = [
    "non-smoking room, high floor, no feather pillows, quiet room please " * 15_000,
    "no " * 330_000 + "smoking",
    "kein nicht no never " * 50_000 + "Nichtraucher",
    "a" * 1_000_000,
    "smoking " * 125_000,
    ", but " * 160_000 + "king bed",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:20])
def test_a_megabyte_of_hostile_comment_is_read_in_under_a_second(text):
    started = time.perf_counter()
    preferences_from_text(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("size", [12_000, 24_000, 48_000])
def test_reading_time_grows_linearly_with_the_comment(size):
    """The review measured 2.2 s / 11 s / 44 s for 12k / 24k / 48k characters of comment."""
    text = ("Bitte ein ruhiges Zimmer, kein Raucherzimmer, hohe Etage, no feathers. " * size)[:size]
    started = time.perf_counter()
    preferences_from_text(text)
    assert time.perf_counter() - started < 0.25


@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from(["no", "kein", "non-smoking", "smoking", "king", "bed", ",",
                                 "but", "high", "floor", "quiet", "room", "nicht", "feather",
                                 "pillow", " ", "."]), min_size=5, max_size=60),
       st.integers(1_000, 20_000))
def test_generated_long_comments_are_read_quickly(words, repeats):
    text = (" ".join(words) + " ") * repeats
    started = time.perf_counter()
    preferences_from_text(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("text", HOSTILE[:3], ids=lambda t: t[:20])
def test_the_clause_reader_itself_is_linear_beyond_the_comment_limit(text):
    """preferences_from_text reads no further than a comment may be long; the clause reader
    under it must still be linear, whatever calls it."""
    from connectors.preferences import _clause_preferences

    started = time.perf_counter()
    _clause_preferences(text[:300_000], "comment")
    assert time.perf_counter() - started < 1.0
