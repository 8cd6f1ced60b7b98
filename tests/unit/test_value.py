"""Guest value without a database: counting, pyramid tiers, RFM segments, lifetime value."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guestcrm.services.value.figures import (
    StayFact,
    frequency_class,
    lifetime_value,
    recency_class,
    rfm_segment,
    summarize,
    summarize_by_property,
)
from guestcrm.services.value.settings import DEFAULT_ACTIONS, ValueSettings
from guestcrm.services.value.tiers import pyramid_tier, tier_by_threshold

TODAY = date(2026, 6, 1)
SETTINGS = ValueSettings()


def stay(days_ago: int, prop: int = 1, status: str = "checked_out", amount: str = "200",
         channel: str = "direct", primary: bool = True, name: str | None = None) -> StayFact:
    arrival = TODAY - timedelta(days=days_ago)
    return StayFact(prop, status, arrival, arrival + timedelta(days=2), 2, Decimal(amount),
                    channel, name, primary)


def test_completed_stays_nights_spend_and_dates_are_counted():
    figures = summarize([stay(100), stay(40, prop=2, amount="400"), stay(-5, status="confirmed")],
                        TODAY)
    assert (figures.completed_stays, figures.nights, figures.spend) == (2, 4, Decimal("600"))
    assert figures.first_stay == TODAY - timedelta(days=100)
    assert figures.last_stay == TODAY - timedelta(days=38) and figures.last_property_id == 2
    assert figures.average_stay_value == Decimal("300.00")


def test_cancellations_and_no_shows_are_counted_but_not_as_stays():
    figures = summarize([stay(10, status="cancelled"), stay(20, status="no_show"), stay(30)],
                        TODAY)
    assert (figures.completed_stays, figures.cancellations, figures.no_shows) == (1, 1, 1)
    assert figures.channel_mix == {"direct": 2}


def test_a_companion_shares_the_stay_but_not_the_bill():
    figures = summarize([stay(30, primary=False)], TODAY)
    assert figures.completed_stays == 1 and figures.spend == 0


def test_direct_and_ota_stays_are_told_apart_and_channel_names_kept():
    figures = summarize([stay(30, channel="ota", name="Booking.com"), stay(60)], TODAY)
    assert (figures.direct_stays, figures.ota_stays) == (1, 1)
    assert figures.channel_mix == {"Booking.com": 1, "direct": 1}


def test_figures_are_also_kept_per_property():
    per = summarize_by_property([stay(30, prop=1), stay(60, prop=2), stay(90, prop=2)], TODAY)
    assert {p: f.completed_stays for p, f in per.items()} == {1: 1, 2: 2}


@given(st.integers(min_value=1, max_value=100_000), st.data())
def test_the_pyramid_shares_follow_the_cut_offs(population, data):
    rank = data.draw(st.integers(min_value=0, max_value=population - 1))
    tier = pyramid_tier(rank, population, SETTINGS.pyramid)
    share = rank / population
    expected = ("vip" if share < 0.01 else "major" if share < 0.05
                else "ordinary" if share < 0.20 else "small")
    assert tier == expected


@given(st.integers(min_value=1, max_value=100_000))
def test_the_top_spender_is_always_in_the_top_tier_and_tiers_never_improve_down_the_ranking(n):
    assert pyramid_tier(0, n, SETTINGS.pyramid) == "vip"
    order = ["vip", "major", "ordinary", "small"]
    ranks = sorted({0, n // 100, n // 20, n // 5, n - 1})
    tiers = [order.index(pyramid_tier(r, n, SETTINGS.pyramid)) for r in ranks]
    assert tiers == sorted(tiers)


def test_exactly_one_percent_of_a_hundred_is_one_vip():
    assert [pyramid_tier(r, 100, SETTINGS.pyramid) for r in (0, 1, 4, 5, 19, 20)] == [
        "vip", "major", "major", "ordinary", "ordinary", "small"]


def test_out_of_range_ranks_have_no_tier():
    assert pyramid_tier(0, 0, SETTINGS.pyramid) is None
    assert pyramid_tier(5, 5, SETTINGS.pyramid) is None


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))
def test_tiers_between_rankings_follow_the_spend_floors(spend):
    floors = {"vip": 5000.0, "major": 2000.0, "ordinary": 500.0}
    tier = tier_by_threshold(spend, floors)
    expected = ("vip" if spend >= 5000 else "major" if spend >= 2000
                else "ordinary" if spend >= 500 else "small")
    assert tier == expected
    assert tier_by_threshold(Decimal("0"), floors) is None


@given(st.integers(min_value=0, max_value=5000))
def test_recency_classes_change_exactly_at_the_cut_off_days(days):
    expected = ("active" if days <= 365 else "silent" if days <= 730
                else "sleeping" if days <= 1095 else "lost")
    assert recency_class(days, SETTINGS.recency_days) == expected


@given(st.integers(min_value=1, max_value=500))
def test_frequency_classes_change_exactly_at_the_cut_off_stays(stays):
    expected = ("new" if stays == 1 else "second" if stays == 2
                else "regular" if stays <= 5 else "fan")
    assert frequency_class(stays, SETTINGS.frequency_stays) == expected


def test_there_are_sixteen_segments_each_with_an_action():
    codes = {rfm_segment(summarize([stay(d)] * n, TODAY), TODAY, SETTINGS)
             for d in (10, 500, 900, 2000) for n in (1, 2, 4, 9)}
    assert len(codes) == 16 and codes == set(DEFAULT_ACTIONS)


def test_a_prospect_has_no_segment_and_no_lifetime_value():
    figures = summarize([stay(-10, status="confirmed")], TODAY)
    assert rfm_segment(figures, TODAY, SETTINGS) is None
    assert lifetime_value(figures, None, SETTINGS) == 0


def test_ota_commission_lowers_the_lifetime_value():
    direct = summarize([stay(30), stay(60)], TODAY)
    ota = summarize([stay(30, channel="ota"), stay(60, channel="ota")], TODAY)
    segment = rfm_segment(direct, TODAY, SETTINGS)
    # 2 past + 0.8 expected future stays at 200, less 18 % commission for the OTA guest.
    assert lifetime_value(direct, segment, SETTINGS) == Decimal("560.00")
    assert lifetime_value(ota, segment, SETTINGS) == Decimal("459.20")


def test_a_commission_by_channel_name_beats_the_kind():
    settings = ValueSettings.from_json({"commission": {"Booking.com": 0.5}})
    figures = summarize([stay(30, channel="ota", name="Booking.com")], TODAY)
    segment = rfm_segment(figures, TODAY, settings)
    assert lifetime_value(figures, segment, settings) == Decimal("130.00")


@pytest.mark.parametrize("bad", [
    {"pyramid": {"vip": 0.3, "major": 0.2}},
    {"recency_days": {"active": 900}},
    {"frequency_stays": {"new": 0}},
    {"commission": {"ota": 1.5}},
    {"pyramid": [0.01]},
])
def test_settings_that_make_no_sense_are_refused(bad):
    with pytest.raises(ValueError):
        ValueSettings.from_json(bad)


def test_stored_settings_are_merged_over_the_defaults():
    settings = ValueSettings.from_json({"pyramid": {"vip": 0.02}, "unknown": 1})
    assert settings.pyramid == {"vip": 0.02, "major": 0.05, "ordinary": 0.20}
