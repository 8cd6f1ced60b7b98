"""Issuing perks on PostgreSQL: when stays complete and bookings arrive, once per stay, within
caps, with a mail for guests who agreed to offers; merges carry perks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, OutboundMail, Perk
from guestcrm.services.identity.merge import merge_profiles
from guestcrm.services.identity.unmerge import unmerge
from guestcrm.services.perks.issuing import issue_by_staff, issue_for_stays
from guestcrm.services.perks.offers import OfferScope, change_status, save_offer
from guestcrm.services.perks.rules import OfferInvalid
from tests.integration.perk_support import GROUP, guest, publish_offer, stay

pytestmark = pytest.mark.integration


def perks_of(session, profile_id):
    return list(session.scalars(select(Perk).where(Perk.profile_id == profile_id)))


def test_the_second_completed_stay_issues_the_perk_once_however_often_it_is_processed(
        db_session):
    offer = publish_offer(db_session)
    first = stay(db_session, "S1", ago=40)
    second = stay(db_session, "S2", ago=2)
    assert issue_for_stays(db_session, [first.id]).perk_ids == []  # 1st stay, and too old
    issued = issue_for_stays(db_session, [second.id])
    assert len(issued.perk_ids) == 1 and len(issued.mail_ids) == 1
    for _ in range(3):
        assert issue_for_stays(db_session, [first.id, second.id]).perk_ids == []
    (perk,) = perks_of(db_session, second.profile_id)
    assert (perk.offer_id, perk.stay_id, perk.status, perk.trigger) == (
        offer.id, second.id, "issued", "stay_completed")
    assert perk.code.startswith("GC-") and perk.expires_on > date.today()
    mail = db_session.scalar(select(OutboundMail).where(OutboundMail.perk_id == perk.id))
    assert mail.to_address == "anna.huber@mail.test" and perk.code in mail.body


def test_a_guest_who_did_not_agree_to_offers_gets_the_perk_but_no_mail(db_session):
    publish_offer(db_session, rule={"nth_stay": 1})
    done = stay(db_session, "S1", who=guest(consent=False))
    issued = issue_for_stays(db_session, [done.id])
    assert len(issued.perk_ids) == 1 and issued.mail_ids == []


def test_a_direct_booking_of_an_ota_guest_issues_the_first_direct_perk(db_session):
    publish_offer(db_session, name="Welcome drink", perk_type="amenity",
                  rule={"trigger": "booking", "first_direct": True})
    ota = stay(db_session, "S1", ago=100, channel="ota")
    booking = stay(db_session, "B1", status="confirmed", channel="direct",
                   arrival=date.today() + timedelta(days=20))
    assert issue_for_stays(db_session, [ota.id]).perk_ids == []
    assert len(issue_for_stays(db_session, [booking.id]).perk_ids) == 1
    later = stay(db_session, "B2", status="confirmed", channel="direct",
                 arrival=date.today() + timedelta(days=60))
    assert issue_for_stays(db_session, [later.id]).perk_ids == []  # not the first direct one


def test_caps_in_all_and_per_guest_hold(db_session):
    publish_offer(db_session, rule={"every_n_stays": 1}, max_issued=2)
    stays = [stay(db_session, f"S{i}", who=guest(email=f"g{i}@mail.test", first=f"G{i}",
                                                 last=f"Guest{i}")) for i in range(4)]
    assert len(issue_for_stays(db_session, [s.id for s in stays]).perk_ids) == 2


def test_per_guest_per_year_cap(db_session):
    publish_offer(db_session, rule={"every_n_stays": 1}, max_per_guest_per_year=1)
    a, b = stay(db_session, "S1", ago=5), stay(db_session, "S2", ago=1)
    assert len(issue_for_stays(db_session, [a.id, b.id]).perk_ids) == 1


def test_a_non_stackable_offer_of_higher_priority_issues_alone(db_session):
    solo = publish_offer(db_session, name="Upgrade", perk_type="room_upgrade",
                         rule={"nth_stay": 1}, priority=1)
    publish_offer(db_session, name="Gift", perk_type="welcome_gift", rule={"nth_stay": 1},
                  stackable=True, priority=5)
    done = stay(db_session, "S1")
    (perk_id,) = issue_for_stays(db_session, [done.id]).perk_ids
    assert db_session.get(Perk, perk_id).offer_id == solo.id


def test_drafts_and_paused_offers_issue_nothing(db_session):
    offer = publish_offer(db_session, rule={"nth_stay": 1})
    change_status(db_session, offer.id, "pause", GROUP, actor="test")
    assert issue_for_stays(db_session, [stay(db_session, "S1").id]).perk_ids == []


def test_an_offer_is_refused_at_save_with_the_reason(db_session):
    with pytest.raises(OfferInvalid, match="never a multiple"):
        save_offer(db_session, {"name": "x", "perk_type": "amenity",
                                "rule": {"nth_stay": 3, "every_n_stays": 2}}, GROUP, "test")
    h1 = stay(db_session, "S1", hotel="H1").property_id
    h2 = stay(db_session, "S2", hotel="H2").property_id
    with pytest.raises(OfferInvalid, match="hotels you manage"):
        save_offer(db_session, {"name": "x", "perk_type": "amenity", "rule": {},
                                "property_ids": [h2]}, OfferScope(frozenset({h1})), "test")
    with pytest.raises(OfferInvalid, match="unknown hotel"):
        save_offer(db_session, {"name": "x", "perk_type": "amenity", "rule": {},
                                "property_ids": [999999]}, GROUP, "test")


def test_every_status_change_is_audited(db_session):
    offer = publish_offer(db_session)
    change_status(db_session, offer.id, "pause", GROUP, actor="rm")
    change_status(db_session, offer.id, "archive", GROUP, actor="rm")
    actions = list(db_session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "perk_offer", AuditEntry.target_id == str(offer.id))
        .order_by(AuditEntry.id)))
    assert actions == ["offer.create", "offer.publish", "offer.pause", "offer.archive"]
    with pytest.raises(Refused):
        change_status(db_session, offer.id, "publish", GROUP, actor="rm")


def test_staff_issue_a_perk_by_hand_within_the_caps(db_session):
    offer = publish_offer(db_session, max_per_guest_per_year=1)
    done = stay(db_session, "S1")
    perk = issue_by_staff(db_session, done.profile_id, offer.id, done.property_id, "staff:1")
    assert perk.trigger == "staff" and perk.stay_id is None
    with pytest.raises(Refused, match="cap"):
        issue_by_staff(db_session, done.profile_id, offer.id, done.property_id, "staff:1")
    elsewhere = stay(db_session, "S2", hotel="H2")
    change_status(db_session, offer.id, "pause", GROUP, actor="test")
    offer.property_ids = [done.property_id]
    change_status(db_session, offer.id, "publish", GROUP, actor="test")
    with pytest.raises(Refused, match="published at this hotel"):
        issue_by_staff(db_session, done.profile_id, offer.id, elsewhere.property_id, "staff:1")


def test_a_merge_carries_perks_and_mails_and_an_undo_puts_them_back(db_session):
    publish_offer(db_session, rule={"nth_stay": 1})
    a = stay(db_session, "S1", who=guest(email="one@mail.test", first="Ann", last="One"))
    b = stay(db_session, "S2", who=guest(email="two@mail.test", first="Bob", last="Two"))
    issue_for_stays(db_session, [a.id, b.id])
    from guestcrm.models import GuestProfile

    survivor = db_session.get(GuestProfile, a.profile_id)
    merged = db_session.get(GuestProfile, b.profile_id)
    record = merge_profiles(db_session, survivor, merged, rule="staff", actor="test")
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Perk).where(
        Perk.profile_id == survivor.id)) == 2
    unmerge(db_session, record.id, actor="test")
    db_session.commit()
    assert len(perks_of(db_session, merged.id)) == 1
    assert db_session.scalar(select(OutboundMail.profile_id).where(
        OutboundMail.to_address == "two@mail.test")) == merged.id
