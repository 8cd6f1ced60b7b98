"""Survivorship per field: most frequent value, trusted source first, the winner's source."""

from __future__ import annotations

from datetime import date

from guestcrm.models import GuestProfile
from guestcrm.services.identity.survivorship import (
    GUEST_VERSION,
    STAFF_VERSION,
    absorb_fields,
    apply_values,
)
from guestcrm.services.identity.survivorship_rules import channel_tier, source_of


def profile(**values) -> GuestProfile:
    return GuestProfile(field_versions={}, **values)


def test_a_direct_booking_name_is_not_overwritten_by_a_later_ota_copy():
    p = profile()
    apply_values(p, {"first_name": "Jürgen", "last_name": "Groß"}, "2025-01-01", source="direct")
    apply_values(p, {"first_name": "JURGEN", "last_name": "GROSS"}, "2025-06-01", source="ota")
    assert (p.first_name, p.last_name) == ("Jürgen", "Groß")
    assert source_of(p.field_versions, "first_name") == "direct booking"
    apply_values(p, {"first_name": "Juergen"}, "2025-07-01", source="direct")
    assert p.first_name == "Juergen"  # the newest among equally trusted sources


def test_a_pms_birth_date_fills_a_gap_and_yields_to_a_direct_booking():
    p = profile()
    apply_values(p, {"birth_date": date(1980, 4, 12)}, "2025-01-01", source="ota")
    apply_values(p, {"birth_date": date(1980, 4, 21)}, "2024-01-01", source="pms")
    assert p.birth_date == date(1980, 4, 21)
    assert source_of(p.field_versions, "birth_date") == "PMS"


def test_staff_and_guest_edits_win_over_any_source_and_say_so():
    p = profile()
    apply_values(p, {"first_name": "Kathi"}, GUEST_VERSION)
    apply_values(p, {"first_name": "Katharina"}, "2026-01-01", source="direct")
    assert p.first_name == "Kathi"
    assert source_of(p.field_versions, "first_name") == "guest self-service"
    apply_values(p, {"first_name": "Katharina"}, STAFF_VERSION)
    assert source_of(p.field_versions, "first_name") == "staff edit"


def test_the_most_frequent_language_wins_over_one_newer_booking():
    p = profile()
    for n in range(3):
        apply_values(p, {"language": "de"}, f"2025-0{n + 1}-01", source="pms")
    apply_values(p, {"language": "en"}, "2025-09-01", source="pms")  # a colleague booked
    assert p.language == "de"
    apply_values(p, {"language": "en"}, "2025-09-01", source="pms", count=False)  # re-sent
    assert p.language == "de"
    for n in range(3):
        apply_values(p, {"language": "en"}, f"2026-0{n + 1}-01", source="pms")
    assert p.language == "en"


def test_rules_are_chosen_per_field():
    p = profile()
    for n in range(3):
        apply_values(p, {"language": "de"}, f"2025-0{n + 1}-01", rules={"language": "newest"})
    apply_values(p, {"language": "en"}, "2025-09-01", rules={"language": "newest"})
    assert p.language == "en"


def test_a_merge_keeps_the_trusted_value_and_adds_up_the_counts():
    survivor, merged = profile(), profile()
    apply_values(survivor, {"first_name": "MARIA", "language": "it"}, "2026-01-01", source="ota")
    for n in range(2):
        apply_values(merged, {"first_name": "Maria", "language": "de"}, f"2024-0{n + 1}-01",
                     source="direct")
    absorb_fields(survivor, merged)
    assert survivor.first_name == "Maria"
    assert source_of(survivor.field_versions, "first_name") == "direct booking"
    assert survivor.language == "de"  # seen twice against once


def test_booking_channels_map_to_source_tiers():
    assert channel_tier("direct") == "direct"
    assert channel_tier("ota") == "ota" and channel_tier("gds") == "ota"
    assert channel_tier("walk_in") == channel_tier(None) == "pms"
