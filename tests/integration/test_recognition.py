"""Recognition on PostgreSQL: flags with reasons for real rows, and a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event, select

from guestcrm.extensions import db
from guestcrm.models import CrmSetting, DeskEvent, GuestValue, VipAssignment
from guestcrm.services.recognition.arrivals import arrivals_for
from guestcrm.services.recognition.desk import check_in, record_pms_checkins
from guestcrm.services.recognition.rules import SETTING_KEY
from guestcrm.services.value.ranking import rank_all_tiers
from tests.factories import (
    ComplaintFactory,
    PreferenceFactory,
    ProfileFactory,
    PropertyFactory,
    StayFactory,
    VipAssignmentFactory,
    VipLevelFactory,
    past_stays,
    refresh_figures,
    staff,
)

TODAY = date.today()


def flags_of(arrival):
    return {f.code: f for f in arrival.flags}


def test_a_returning_guest_is_flagged_with_the_nth_stay_and_the_last_hotel(db_session):
    here, there = PropertyFactory(name="Seeblick"), PropertyFactory(name="Alpenhof")
    guest = ProfileFactory(first_name="Anna", last_name="Huber")
    past_stays(guest, there, 3)
    StayFactory(guest=guest, property_id=here.id, arrival=TODAY)
    refresh_figures(guest)

    [arrival] = arrivals_for(db_session, here.id, TODAY)
    returning = flags_of(arrival)["returning"]
    assert returning.facts["nth_stay"] == 4
    assert returning.facts["last_property"] == "Alpenhof"
    assert "4th stay with the group" in returning.reason and "Alpenhof" in returning.reason
    assert "first_stay" not in flags_of(arrival)


def test_a_first_time_guest_is_flagged_as_a_first_stay(db_session):
    here = PropertyFactory()
    StayFactory(property_id=here.id, arrival=TODAY)
    [arrival] = arrivals_for(db_session, here.id, TODAY)
    assert [f.code for f in arrival.flags] == ["first_stay"]


def test_a_vip_comes_first_with_level_reason_and_who_set_it(db_session):
    here = PropertyFactory()
    plain = StayFactory(property_id=here.id, arrival=TODAY).profile_id
    vip_guest = ProfileFactory(first_name="Zoe")
    level = VipLevelFactory(code="PRESS", label="Press", colour="#c2410c", rank=2)
    setter = staff("admin", email="marta.gruber@hotel.test")
    setter.name = "Marta Gruber"
    VipAssignmentFactory(profile_id=vip_guest.id, level_id=level.id, reason="Travel writer",
                         set_by=f"staff:{setter.id}")
    StayFactory(guest=vip_guest, property_id=here.id, arrival=TODAY)

    arrivals = arrivals_for(db_session, here.id, TODAY)
    assert arrivals[0].profile_id == vip_guest.id and arrivals[1].profile_id == plain
    vip = flags_of(arrivals[0])["vip"]
    assert vip.label == "PRESS" and vip.colour == "#c2410c"
    # Who set it, by name (issue #16: people by name everywhere, not "staff:1").
    assert "Travel writer" in vip.reason and "set by Marta Gruber" in vip.reason


def test_a_past_complaint_shows_how_it_was_resolved(db_session):
    here = PropertyFactory(name="Seeblick")
    guest = ProfileFactory()
    ComplaintFactory(profile_id=guest.id, property_id=here.id, category="noise",
                     resolution="Moved to a courtyard room", compensation="Free dinner")
    StayFactory(guest=guest, property_id=here.id, arrival=TODAY)
    [arrival] = arrivals_for(db_session, here.id, TODAY)
    reason = flags_of(arrival)["complaint"].reason
    assert "noise" in reason and "courtyard" in reason and "Free dinner" in reason


def test_a_birthday_during_the_stay_and_preferences_to_prepare_are_flagged(db_session):
    here = PropertyFactory()
    guest = ProfileFactory(birth_date=(TODAY + timedelta(days=1)).replace(year=1980))
    PreferenceFactory(profile_id=guest.id, key="pillow", value="feather")
    PreferenceFactory(profile_id=guest.id, key="bed", value="king", property_id=here.id)
    StayFactory(guest=guest, property_id=here.id, arrival=TODAY, nights=3)
    [arrival] = arrivals_for(db_session, here.id, TODAY)
    flags = flags_of(arrival)
    assert "Birthday on" in flags["celebration"].reason
    assert "pillow: feather" in flags["preferences"].reason
    assert "bed: king" in flags["preferences"].reason


def test_a_first_direct_booking_after_ota_stays_and_a_long_absence_are_flagged(db_session):
    here = PropertyFactory()
    guest = ProfileFactory()
    past_stays(guest, here, 2, channel="ota", end=TODAY - timedelta(days=800))
    StayFactory(guest=guest, property_id=here.id, arrival=TODAY, channel="direct")
    refresh_figures(guest)
    flags = flags_of(arrivals_for(db_session, here.id, TODAY)[0])
    assert flags["first_direct"].facts["ota_stays"] == 2
    assert flags["win_back"].facts["days_away"] >= 800


def test_many_cancellations_are_flagged(db_session):
    here = PropertyFactory()
    guest = ProfileFactory()
    for _ in range(3):
        StayFactory(guest=guest, property_id=here.id, status="cancelled",
                    arrival=TODAY - timedelta(days=40))
    StayFactory(guest=guest, property_id=here.id, arrival=TODAY)
    refresh_figures(guest)
    flags = flags_of(arrivals_for(db_session, here.id, TODAY)[0])
    assert flags["unreliable"].facts == {"cancellations": 3, "no_shows": 0}


def test_a_past_day_counts_only_the_stays_before_it(db_session):
    here = PropertyFactory()
    guest = ProfileFactory()
    past_stays(guest, here, 3, end=TODAY - timedelta(days=10))  # ends 10, 40, 70 days ago
    then = TODAY - timedelta(days=45)
    StayFactory(guest=guest, property_id=here.id, arrival=then, status="checked_in")
    refresh_figures(guest)
    returning = flags_of(arrivals_for(db_session, here.id, then)[0])["returning"]
    assert returning.facts["nth_stay"] == 2 and returning.facts["stays_here"] == 1


def test_a_disabled_rule_raises_no_flag(db_session):
    here = PropertyFactory()
    guest = ProfileFactory()
    past_stays(guest, here, 2)
    StayFactory(guest=guest, property_id=here.id, arrival=TODAY)
    db_session.add(CrmSetting(key=SETTING_KEY, value={"returning": {"enabled": False}}))
    db_session.flush()
    assert "returning" not in flags_of(arrivals_for(db_session, here.id, TODAY)[0])


def test_the_top_spender_gets_the_top_tier_and_a_suggested_vip_level(db_session):
    here = PropertyFactory()
    VipLevelFactory(code="VIP3", label="Valued guest", rank=3)
    guests = [ProfileFactory() for _ in range(120)]
    for i, g in enumerate(guests):
        past_stays(g, here, 1, amount=str(100 + i))
    refresh_figures(*guests)
    rank_all_tiers(db_session)
    top = guests[-1]
    value = db_session.get(GuestValue, top.id)
    assert value.tier == "vip" and db_session.get(GuestValue, guests[0].id).tier == "small"
    refresh_figures(top)
    assignment = db_session.get(VipAssignment, top.id)
    assert assignment is not None and assignment.source == "pyramid"
    StayFactory(guest=top, property_id=here.id, arrival=TODAY)
    flags = flags_of(arrivals_for(db_session, here.id, TODAY)[0])
    assert "suggested from spend" in flags["vip"].reason and flags["top_tier"].facts["tier"] == "vip"


def test_value_is_kept_chain_wide_and_per_property(db_session):
    a, b = PropertyFactory(), PropertyFactory()
    guest = ProfileFactory()
    past_stays(guest, a, 2, channel="ota", amount="200.00")
    past_stays(guest, b, 1, amount="500.00", end=TODAY - timedelta(days=10))
    refresh_figures(guest)
    value = db_session.get(GuestValue, guest.id)
    assert value.average_stay_value == Decimal("300.00")
    assert (value.ota_stays, value.direct_stays, value.last_property_id) == (2, 1, b.id)
    assert value.rfm_segment == "active_regular" and value.lifetime_value > 0


def test_a_check_in_is_recorded_once_and_shows_on_the_arrival(db_session):
    here = PropertyFactory()
    stay = StayFactory(property_id=here.id, arrival=TODAY, room_number="204")
    first = check_in(db_session, stay, actor="staff:1")
    again = check_in(db_session, stay, actor="staff:2")
    assert first.id == again.id and "room 204" in first.message
    [arrival] = arrivals_for(db_session, here.id, TODAY)
    assert arrival.checked_in


def test_a_pms_check_in_raises_the_same_alert(db_session):
    here = PropertyFactory()
    stay = StayFactory(property_id=here.id, arrival=TODAY, status="checked_in")
    assert record_pms_checkins(db_session, [stay.id]) == 1
    assert record_pms_checkins(db_session, [stay.id]) == 0
    event_row = db_session.scalar(select(DeskEvent).where(DeskEvent.stay_id == stay.id))
    assert event_row.actor == "pms"


def _arrivals(n: int, here, level) -> None:
    for i in range(n):
        guest = ProfileFactory()
        past_stays(guest, here, 2)
        ComplaintFactory(profile_id=guest.id, property_id=here.id)
        PreferenceFactory(profile_id=guest.id)
        if i % 2:
            VipAssignmentFactory(profile_id=guest.id, level_id=level.id)
        StayFactory(guest=guest, property_id=here.id, arrival=TODAY)


def _count_queries(fn) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_number_of_arrivals(db_session):
    small, large = PropertyFactory(), PropertyFactory()
    level = VipLevelFactory()
    _arrivals(2, small, level)
    _arrivals(25, large, level)
    db_session.expire_all()
    few = _count_queries(lambda: arrivals_for(db_session, small.id, TODAY))
    db_session.expire_all()
    many = _count_queries(lambda: arrivals_for(db_session, large.id, TODAY))
    assert len(arrivals_for(db_session, large.id, TODAY)) == 25
    assert few == many <= 10
    # A past day reads the earlier stays too: one query more, still not one per arrival.
    db_session.expire_all()
    past_few = _count_queries(lambda: arrivals_for(db_session, small.id, TODAY,
                                                   today=TODAY + timedelta(days=1)))
    db_session.expire_all()
    past_many = _count_queries(lambda: arrivals_for(db_session, large.id, TODAY,
                                                    today=TODAY + timedelta(days=1)))
    assert past_few == past_many == many + 1


def test_the_arrivals_list_and_the_nightly_ranking_also_run_on_the_embedded_sqlite(sqlite_app):
    with sqlite_app.app_context():
        here = PropertyFactory()
        guest = ProfileFactory()
        past_stays(guest, here, 2)
        StayFactory(guest=guest, property_id=here.id, arrival=TODAY)
        refresh_figures(guest)
        assert rank_all_tiers(db.session) == 1
        [arrival] = arrivals_for(db.session, here.id, TODAY)
        assert {"returning", "top_tier"} <= set(flags_of(arrival))
        db.session.rollback()


def test_the_nightly_job_recomputes_every_profile_and_ranks_the_pyramid(sqlite_app):
    from guestcrm.jobs.value import nightly_value_job

    with sqlite_app.app_context():
        here = PropertyFactory()
        guests = [ProfileFactory() for _ in range(3)]
        for i, g in enumerate(guests):
            past_stays(g, here, i + 1, amount="100.00")
        from guestcrm.services.value.counters import recompute_counters

        recompute_counters(db.session, [g.id for g in guests])
        db.session.commit()
        assert nightly_value_job(batch_size=2) == 2
        values = {v.profile_id: v for v in db.session.scalars(select(GuestValue))}
        assert values[guests[2].id].tier == "vip" and values[guests[0].id].tier == "small"
        assert values[guests[2].id].rfm_segment == "active_regular"


def test_tiers_before_the_first_nightly_ranking_count_the_spenders_above(db_session):
    """Before any nightly ranking, a tier comes from counting the live profiles that spent
    more (one array-parameter query on PostgreSQL): the counts are exact, ties included."""
    from guestcrm.models import GuestProfile
    from guestcrm.services.value.ranking import _spenders_above, _union_chunk

    here = PropertyFactory()
    guests = [ProfileFactory() for _ in range(6)]
    for g, amount in zip(guests, ("100", "250", "250", "400", "999.50", "5"), strict=True):
        past_stays(g, here, 1, amount=amount)
    refresh_figures(*guests)
    spends = {Decimal("5"), Decimal("250.00"), Decimal("999.50"), Decimal("1000"), Decimal("1")}
    live = [s for s in db_session.scalars(select(GuestProfile.spend).where(
        GuestProfile.merged_into_id.is_(None), GuestProfile.spend > 0))]
    expected = {spend: sum(1 for other in live if other > spend) for spend in spends}
    assert _spenders_above(db_session, spends) == expected
    assert _union_chunk(db_session, sorted(spends)) == expected  # the way of other databases
    assert _spenders_above(db_session, set()) == {}
