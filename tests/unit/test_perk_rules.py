"""The perk rule engine without a database: eligibility, contradictions, stacking, windows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guestcrm.services.perks.codes import new_code, normalize_code
from guestcrm.services.perks.guest_facts import StayRow, facts_at
from guestcrm.services.perks.rules import (
    Candidate,
    Eligibility,
    GuestFacts,
    OfferInvalid,
    OfferTerms,
    birthday_within,
    choose_offers,
    nights_blacked_out,
    qualifies,
)

TODAY = date(2026, 6, 1)


def facts(n: int = 1, **kw) -> GuestFacts:
    values = {"stay_number": n, "stays_12m": n, "nights_12m": 2 * n, "direct_stays_before": 0,
              "trigger_channel": "direct"}
    return GuestFacts(**(values | kw))


def terms(**kw) -> OfferTerms:
    values = {"perk_type": "late_checkout", "amount": None, "valid_from": None,
              "valid_until": None, "blackouts": (), "max_issued": None, "max_redeemed": None,
              "max_per_guest_per_year": None, "code_valid_days": 365, "priority": 100}
    return OfferTerms(**(values | kw))


@given(n=st.integers(1, 50), stay=st.integers(1, 200))
def test_the_nth_stay_qualifies_exactly_once(n, stay):
    assert qualifies(Eligibility(nth_stay=n), facts(stay)) == (stay == n)


@given(every=st.integers(1, 20), stay=st.integers(1, 200))
def test_every_n_stays_qualifies_on_each_multiple(every, stay):
    assert qualifies(Eligibility(every_n_stays=every), facts(stay)) == (stay % every == 0)


@given(n=st.integers(1, 40), every=st.integers(1, 40))
def test_nth_and_every_n_together_are_refused_exactly_when_they_can_never_both_hold(n, every):
    if n % every:
        with pytest.raises(OfferInvalid, match="never a multiple"):
            Eligibility.from_json({"nth_stay": n, "every_n_stays": every})
    else:
        rule = Eligibility.from_json({"nth_stay": n, "every_n_stays": every})
        assert qualifies(rule, facts(n))


@given(least=st.integers(1, 30), stays=st.integers(0, 30), nights=st.integers(0, 90))
def test_minimum_stays_and_nights_in_twelve_months_are_inclusive(least, stays, nights):
    f = facts(stays + 1, stays_12m=stays, nights_12m=nights)
    assert qualifies(Eligibility(min_stays_12m=least), f) == (stays >= least)
    assert qualifies(Eligibility(min_nights_12m=least), f) == (nights >= least)


def test_a_minimum_of_twelve_month_stays_above_the_nth_stay_is_a_contradiction():
    with pytest.raises(OfferInvalid, match="cannot hold"):
        Eligibility.from_json({"nth_stay": 2, "min_stays_12m": 3})
    # At a booking the new stay is not among the completed ones yet.
    with pytest.raises(OfferInvalid, match="cannot hold"):
        Eligibility.from_json({"trigger": "booking", "nth_stay": 2, "min_stays_12m": 2})
    Eligibility.from_json({"nth_stay": 2, "min_stays_12m": 2})


def test_ota_but_never_direct_and_first_direct_booking():
    ota = Eligibility(ota_never_direct=True)
    assert qualifies(ota, facts(trigger_channel="ota"))
    assert not qualifies(ota, facts(trigger_channel="ota", direct_stays_before=1))
    assert not qualifies(ota, facts(trigger_channel="direct"))
    first = Eligibility(first_direct=True)
    assert qualifies(first, facts(trigger_channel="direct"))
    assert not qualifies(first, facts(trigger_channel="direct", direct_stays_before=2))
    with pytest.raises(OfferInvalid, match="OTA"):
        Eligibility.from_json({"ota_never_direct": True, "first_direct": True})


def test_tiers_and_segments_must_be_known_and_match():
    rule = Eligibility.from_json({"tiers": ["vip", "major"], "segments": ["active_fan"]})
    assert qualifies(rule, facts(tier="vip", segment="active_fan"))
    assert not qualifies(rule, facts(tier="small", segment="active_fan"))
    with pytest.raises(OfferInvalid, match="unknown tiers"):
        Eligibility.from_json({"tiers": ["platinum"]})
    with pytest.raises(OfferInvalid, match="unknown rule"):
        Eligibility.from_json({"nth_stays": 3})
    with pytest.raises(OfferInvalid, match="whole number"):
        Eligibility.from_json({"nth_stay": "3"})
    with pytest.raises(OfferInvalid, match="between"):
        Eligibility.from_json({"every_n_stays": 0})


def test_a_rule_survives_its_own_json():
    rule = Eligibility.from_json({"trigger": "booking", "every_n_stays": 3, "tiers": ["vip"],
                                  "birthday_in_stay": True})
    assert Eligibility.from_json(rule.to_json()) == rule


@given(birth=st.dates(date(1930, 1, 1), date(2010, 12, 31)),
       arrival=st.dates(date(2025, 1, 1), date(2027, 12, 31)), nights=st.integers(0, 40))
def test_a_birthday_falls_within_the_stay_exactly_on_its_days(birth, arrival, nights):
    departure = arrival + timedelta(days=nights)
    days = [arrival + timedelta(days=i) for i in range(max(nights, 1))]

    def is_birthday(day):
        if (birth.month, birth.day) == (2, 29):
            leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
            return (day.month, day.day) == ((2, 29) if leap else (2, 28))
        return (day.month, day.day) == (birth.month, birth.day)

    assert birthday_within(birth, arrival, departure) == any(is_birthday(d) for d in days)


def test_stacking_issues_stackable_offers_together_and_a_non_stackable_one_alone():
    a, b = Candidate(1, 10, True), Candidate(2, 20, True)
    solo = Candidate(3, 5, False)
    assert choose_offers([a, b]) == [1, 2]
    assert choose_offers([a, b, solo]) == [3]
    assert choose_offers([a, Candidate(4, 50, False)]) == [1]
    assert choose_offers([Candidate(9, 5, False), Candidate(8, 5, False)]) == [8]
    assert choose_offers([]) == []


@given(st.lists(st.tuples(st.integers(0, 20), st.booleans()), max_size=8, unique_by=lambda t: t))
def test_what_stacking_chooses_never_mixes_a_non_stackable_offer_with_another(items):
    candidates = [Candidate(i + 1, p, s) for i, (p, s) in enumerate(items)]
    chosen = choose_offers(candidates)
    kinds = {c.offer_id: c.stackable for c in candidates}
    assert len(chosen) == len(set(chosen))
    if any(not kinds[i] for i in chosen):
        assert len(chosen) == 1
    if candidates:
        assert chosen  # something always issues
        best = min(candidates, key=lambda c: (c.priority, c.offer_id))
        assert best.offer_id in chosen


@given(first=st.dates(date(2026, 1, 1), date(2026, 12, 31)), length=st.integers(0, 30),
       arrival=st.dates(date(2026, 1, 1), date(2026, 12, 31)), nights=st.integers(0, 14))
def test_a_stay_is_blacked_out_exactly_when_one_of_its_nights_is(first, length, arrival, nights):
    last = first + timedelta(days=length)
    departure = arrival + timedelta(days=nights)
    nights_of_stay = [arrival + timedelta(days=i) for i in range(max(nights, 1))]
    assert nights_blacked_out(arrival, departure, [(first, last)]) == any(
        first <= d <= last for d in nights_of_stay)


def test_offer_terms_that_contradict_themselves_are_refused_with_the_reason():
    terms().check()
    cases = {
        "ends before it starts": terms(valid_from=date(2026, 5, 1), valid_until=date(2026, 4, 1)),
        "cover the whole": terms(valid_from=date(2026, 5, 1), valid_until=date(2026, 5, 10),
                                 blackouts=((date(2026, 4, 1), date(2026, 5, 5)),
                                            (date(2026, 5, 6), date(2026, 6, 1)))),
        "more redemptions": terms(max_issued=10, max_redeemed=11),
        "percentage": terms(perk_type="percent_discount", amount=120),
        "amount above 0": terms(perk_type="fixed_discount", amount=None),
        "perk type": terms(perk_type="free_car"),
        "between 1 and 1095": terms(code_valid_days=0),
    }
    for reason, offer in cases.items():
        with pytest.raises(OfferInvalid, match=reason):
            offer.check()
    terms(valid_from=date(2026, 5, 1), valid_until=date(2026, 5, 10),
          blackouts=((date(2026, 5, 1), date(2026, 5, 9)),)).check()


def stay(i, arrival, nights=2, status="checked_out", channel="ota"):
    return StayRow(i, 1, status, arrival, arrival + timedelta(days=nights), nights, channel)


def test_facts_at_a_completed_stay_count_it_and_the_twelve_months_before():
    history = [stay(1, date(2024, 1, 1)), stay(2, date(2025, 9, 1), channel="direct"),
               stay(3, date(2026, 3, 1)), stay(4, date(2026, 2, 1), status="cancelled")]
    trigger = stay(5, date(2026, 5, 20), nights=3)
    f = facts_at(history + [trigger], trigger, "stay_completed", TODAY)
    assert (f.stay_number, f.stays_12m, f.nights_12m, f.direct_stays_before) == (4, 3, 7, 1)


def test_facts_at_a_booking_count_the_stays_before_it_and_not_itself():
    history = [stay(1, date(2026, 1, 1)), stay(2, date(2026, 3, 1))]
    booking = stay(3, date(2026, 7, 1), status="confirmed", channel="direct")
    f = facts_at(history + [booking], booking, "booking", TODAY)
    assert (f.stay_number, f.stays_12m, f.nights_12m) == (3, 2, 4)
    assert qualifies(Eligibility(trigger="booking", first_direct=True), f)


def test_codes_are_unguessable_and_forgiving_to_type():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert normalize_code(code.lower().replace("-", " ")) == code
    assert normalize_code(code.replace("0", "O")) == code
    assert normalize_code(code[:-1]) is None
    assert normalize_code("x" * 1000) is None
    assert normalize_code("GC-UUUU-UUUU-UUUU-UUUU") is None
