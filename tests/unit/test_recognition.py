"""Recognition rules without a database: each flag, its reason and facts, priorities, settings."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from guestcrm.services.recognition.facts import (
    ArrivalFacts,
    ComplaintFact,
    PreferenceFact,
    VipFact,
)
from guestcrm.services.recognition.rules import (
    DEFAULT_RULES,
    anniversary_in,
    arrival_priority,
    evaluate,
    merge_rules,
    ordinal,
)
from guestcrm.services.value.figures import ValueFigures

ARRIVAL = date(2026, 6, 10)
RULES = merge_rules(None)


def facts(**kw) -> ArrivalFacts:
    base = {"stay_id": 1, "arrival": ARRIVAL, "departure": ARRIVAL + timedelta(days=3),
            "channel": "direct", "channel_name": None, "property_id": 1, "profile_id": 7,
            "name": "Anna Huber"}
    return ArrivalFacts(**{**base, **kw})


def history(**kw) -> ValueFigures:
    return ValueFigures(**kw)


def codes(f: ArrivalFacts, rules=RULES) -> list[str]:
    return [flag.code for flag in evaluate(f, rules)]


def test_a_returning_guest_gets_the_nth_stay_and_where_they_last_stayed():
    f = facts(history=history(completed_stays=19, last_stay=date(2026, 3, 2)),
              stays_here=4, last_property_name="Alpenhof")
    [flag] = [x for x in evaluate(f, RULES) if x.code == "returning"]
    assert flag.reason == ("20th stay with the group (4 here before); last stayed at Alpenhof, "
                           "left 2 Mar 2026")
    assert flag.facts["nth_stay"] == 20


def test_a_first_visit_is_said_so_and_is_not_returning():
    assert codes(facts()) == ["first_stay"]


def test_a_walk_in_without_a_profile_gets_no_flag():
    assert codes(facts(profile_id=None)) == []


def test_the_vip_flag_carries_level_colour_and_why():
    vip = VipFact("VIP1", "Very important", "#123456", 1, "Owner's friend", "staff:3", "staff")
    [flag] = [x for x in evaluate(facts(vip=vip), RULES) if x.code == "vip"]
    assert (flag.label, flag.colour) == ("VIP1", "#123456")
    assert flag.reason == "Very important (VIP1): Owner's friend — set by staff:3"


def test_a_higher_vip_rank_sorts_first():
    def prio(rank):
        vip = VipFact(f"V{rank}", "x", "#000000", rank, "r", "s", "staff")
        return evaluate(facts(vip=vip), RULES)[0].priority
    assert prio(1) > prio(2) > prio(3)


def test_a_pms_vip_code_is_shown_when_staff_set_none():
    [flag] = [x for x in evaluate(facts(pms_vip="GOLD"), RULES) if x.code == "vip"]
    assert "GOLD" in flag.reason


def test_a_recent_complaint_shows_its_resolution_and_an_old_one_is_forgotten():
    recent = ComplaintFact(ARRIVAL - timedelta(days=100), "noise", "Bar music", "Moved room",
                           "Free dinner", "Seeblick")
    old = ComplaintFact(ARRIVAL - timedelta(days=900), "food", "Cold soup", None, None, None)
    [flag] = [x for x in evaluate(facts(complaints=[recent, old]), RULES)
              if x.code == "complaint"]
    assert "Bar music" in flag.reason and "Moved room (compensation: Free dinner)" in flag.reason
    assert flag.facts["count"] == 1
    assert "complaint" not in codes(facts(complaints=[old]))


def test_a_birthday_on_the_departure_day_counts_and_the_day_after_does_not():
    assert "celebration" in codes(facts(birth_date=date(1980, 6, 13)))
    assert "celebration" not in codes(facts(birth_date=date(1980, 6, 14)))


def test_a_wedding_anniversary_and_a_first_stay_anniversary_are_celebrations():
    f = facts(anniversary=date(2011, 6, 11),
              history=history(completed_stays=3, first_stay=date(2016, 6, 12),
                              last_stay=date(2025, 1, 1)))
    [flag] = [x for x in evaluate(f, RULES) if x.code == "celebration"]
    assert "Anniversary on 11 Jun 2026" in flag.reason
    assert "10 years since their first stay" in flag.reason


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31)),
       st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
       st.integers(min_value=0, max_value=30))
def test_an_anniversary_is_found_exactly_when_its_day_falls_within_the_stay(born, start, nights):
    end = start + timedelta(days=nights)
    found = anniversary_in(born, start, end)
    days = [start + timedelta(days=i) for i in range(nights + 1)]
    matching = [d for d in days if (d.month, d.day) == (born.month, born.day)
                or ((born.month, born.day) == (2, 29) and (d.month, d.day) == (2, 28)
                    and not _leap(d.year))]
    assert found == (matching[0] if matching else None)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@given(st.integers(min_value=0, max_value=3000))
def test_win_back_starts_exactly_at_the_absence_threshold(days_away):
    f = facts(history=history(completed_stays=2, last_stay=ARRIVAL - timedelta(days=days_away)))
    assert ("win_back" in codes(f)) == (days_away >= 365)


def test_the_first_direct_booking_after_ota_stays_is_thanked():
    f = facts(history=history(completed_stays=3, ota_stays=3, last_stay=date(2026, 1, 1)))
    assert "first_direct" in codes(f)
    assert "first_direct" not in codes(facts(channel="ota", history=f.history))
    again = history(completed_stays=4, ota_stays=3, direct_stays=1, last_stay=date(2026, 1, 1))
    assert "first_direct" not in codes(facts(history=again))


@given(st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=5))
def test_many_cancellations_or_any_no_show_are_flagged(cancellations, no_shows):
    f = facts(history=history(cancellations=cancellations, no_shows=no_shows))
    assert ("unreliable" in codes(f)) == (cancellations >= 3 or no_shows >= 1)


def test_preferences_to_prepare_list_the_configured_kinds_and_requests():
    prefs = [PreferenceFact("pillow", "feather", 3, False), PreferenceFact("newspaper", "FT", 1,
                                                                             False)]
    f = facts(preferences=prefs, special_requests=["late arrival"])
    [flag] = [x for x in evaluate(f, RULES) if x.code == "preferences"]
    assert flag.reason == "Prepare pillow: feather; request: late arrival"


def test_top_tier_and_at_risk_segments_are_flagged_with_the_hotels_action():
    f = facts(tier="major", segment="sleeping_fan", segment_label="Sleeping fans",
              segment_action="Call them", history=history(completed_stays=8,
                                                          last_stay=date(2024, 1, 1)))
    flags = {x.code: x for x in evaluate(f, RULES)}
    assert flags["top_tier"].label == "Major guest"
    assert flags["rfm"].reason == "Sleeping fans: Call them"
    assert "rfm" not in codes(facts(segment="active_new", segment_label="x", segment_action="y"))


def test_flags_come_most_important_first_and_the_arrival_priority_is_the_top_flag():
    vip = VipFact("VIP2", "Important", "#000000", 2, "r", "s", "staff")
    f = facts(vip=vip, history=history(completed_stays=1, last_stay=date(2026, 1, 1)),
              birth_date=date(1990, 6, 11))
    flags = evaluate(f, RULES)
    assert [x.code for x in flags] == ["vip", "celebration", "returning"]
    assert arrival_priority(flags)[0] == flags[0].priority


def test_rules_are_data_the_hotel_can_switch_off_reorder_and_retune():
    rules = merge_rules({"returning": {"priority": 200, "label": "Regular"},
                         "first_stay": {"enabled": False},
                         "win_back": {"params": {"absent_days": 30}},
                         "no_such_rule": {"priority": 1}})
    f = facts(history=history(completed_stays=1, last_stay=ARRIVAL - timedelta(days=40)))
    flags = evaluate(f, rules)
    assert [(x.code, x.label) for x in flags][:2] == [("returning", "Regular"),
                                                       ("win_back", "Welcome back")]
    assert codes(facts(), rules) == []
    assert {r.code for r in rules} == {r.code for r in DEFAULT_RULES}


def test_ordinals_read_naturally():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2_000_000_000))
def test_a_notice_signature_verifies_only_with_the_same_secret_body_and_a_fresh_time(body, ts):
    from guestcrm.services.recognition.notify import sign, verify

    stamp = str(ts)
    signature = sign("secret", stamp, body)
    assert verify("secret", stamp, body, signature, now=ts + 10)
    assert not verify("secret", stamp, body + b"x", signature, now=ts)
    assert not verify("Secret", stamp, body, signature, now=ts)
    assert not verify("secret", stamp, body, signature, now=ts + 301)


def test_compiled_rules_flag_exactly_as_the_rules_do():
    from guestcrm.services.recognition.rules import compile_rules, evaluate_compiled

    rules = merge_rules({"returning": {"enabled": False}, "vip": {"priority": 5}})
    compiled = compile_rules(rules)
    assert [c.code for c in compiled] == [r.code for r in rules if r.enabled]
    f = facts(vip=VipFact("VIP2", "Very", "#111111", 2, "Owner", "ana", "staff"),
              history=history(completed_stays=3, last_stay=ARRIVAL - timedelta(days=900)))
    assert evaluate_compiled(f, compiled) == evaluate(f, rules)
    assert evaluate_compiled(f, compiled)[0].code == "win_back"  # vip now 5 + 8


def test_the_collector_is_paused_only_inside_and_an_outer_pause_is_kept():
    import gc

    from guestcrm.services.recognition.arrivals import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
