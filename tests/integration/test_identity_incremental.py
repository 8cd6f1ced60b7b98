"""Fuzzy matching on the ingest path: blocking-key table, stored model, three bands, guards."""

from __future__ import annotations

from sqlalchemy import func, select

from guestcrm.db.id_pool import reserve_ids
from guestcrm.models import (
    GuestProfile,
    MergeRecord,
    NotSamePair,
    ProfileBlockingKey,
    ProfileMatchRecord,
    ReviewTask,
    Stay,
)
from guestcrm.services.identity.match_index import defer_match_index, write_deferred_match_index
from guestcrm.services.identity.unmerge import unmerge
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation
from tests.integration.identity_support import store_learned_model

KATHARINA = {"first_name": "Katharina", "last_name": "Müller",
             "emails": [{"address": "k.mueller@web.de"}],
             "phones": [{"number": "+49 176 12345678"}], "birth_date": "1980-04-12",
             "address": {"city": "München", "postal_code": "80331", "country": "DE"}}


def guest(**values) -> list[dict]:
    return [values]


def live(session) -> list[GuestProfile]:
    return session.scalars(select(GuestProfile).where(GuestProfile.merged_into_id.is_(None))
                           .order_by(GuestProfile.id)).all()


def profile_of(session, outcome) -> GuestProfile:
    return session.get(GuestProfile, outcome.stay.profile_id)


def keys_of(session, profile_id: int) -> set[str]:
    return set(session.scalars(select(ProfileBlockingKey.key)
                               .where(ProfileBlockingKey.profile_id == profile_id)))


def test_without_a_stored_model_only_exact_keys_join_profiles(db_session):
    ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]))
    variant = guest(first_name="Katharina", last_name="Mueller", birth_date="1980-04-12",
                    phones=[{"number": "+49 176 12345678"}], emails=[{"address": "kathi@gmx.de"}])
    ingest_reservation(db_session, reservation("R2", guests=variant))
    assert len(live(db_session)) == 2
    assert db_session.scalar(select(func.count()).select_from(ReviewTask)) == 0


def test_ingest_keeps_the_blocking_keys_of_a_profile_current(db_session):
    first = ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]))
    pid = first.stay.profile_id
    assert {"e:k.mueller@web.de", "p:12345678", "d:19800412"} <= keys_of(db_session, pid)
    more = dict(KATHARINA, emails=[{"address": "k.mueller@web.de"}, {"address": "kat@posteo.de"}])
    ingest_reservation(db_session, reservation("R2", guests=[more],
                                               modified_at="2026-01-05T00:00:00+00:00"))
    assert "e:kat@posteo.de" in keys_of(db_session, pid)


def test_a_typo_in_the_surname_with_the_same_phone_and_birth_date_merges(db_session):
    store_learned_model(db_session)
    first = ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]))
    variant = guest(first_name="Katharina", last_name="Mueller", birth_date="1980-04-12",
                    phones=[{"number": "0176 12345678"}], emails=[{"address": "kathi@gmx.de"}],
                    address={"country": "DE"})
    second = ingest_reservation(db_session, reservation("R2", guests=variant))
    survivor = first.stay.profile_id
    assert second.stay.profile_id == survivor and [p.id for p in live(db_session)] == [survivor]
    record = db_session.scalar(select(MergeRecord))
    assert record.rule.startswith("fuzzy:") and float(record.rule[6:]) >= 0.99
    assert record.before["moved"]["stays"] == [second.stay.id]
    assert "e:kathi@gmx.de" in keys_of(db_session, survivor)
    assert keys_of(db_session, record.merged_id) == set()
    assert db_session.get(GuestProfile, survivor).completed_stays == 2


def test_a_fuzzy_merge_can_be_undone_and_the_new_stay_goes_back(db_session):
    store_learned_model(db_session)
    first = ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]))
    variant = guest(first_name="Katharina", last_name="Mueller", birth_date="1980-04-12",
                    phones=[{"number": "+4917612345678"}])
    second = ingest_reservation(db_session, reservation("R2", guests=variant))
    record = db_session.scalar(select(MergeRecord))
    unmerge(db_session, record.id, actor="staff:1", reason="twins")
    assert db_session.get(Stay, second.stay.id).profile_id == record.merged_id
    assert db_session.get(Stay, first.stay.id).profile_id == first.stay.profile_id
    assert len(live(db_session)) == 2
    # Remembered: the same variant arriving again does not merge them a second time.
    ingest_reservation(db_session, reservation("R3", guests=variant))
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)
                             .where(MergeRecord.undone_at.is_(None))) == 0


def test_a_name_alone_goes_to_review_and_keeps_its_own_profile(db_session):
    store_learned_model(db_session)
    first = ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]))
    ota = guest(first_name="Katharina", last_name="Müller",
                emails=[{"address": "k81723@guest.booking.com"}], address={"country": "DE"})
    second = ingest_reservation(db_session, reservation("R2", guests=ota, channel="ota"))
    assert second.stay.profile_id != first.stay.profile_id
    task = db_session.scalar(select(ReviewTask))
    assert {task.profile_a_id, task.profile_b_id} == {first.stay.profile_id,
                                                       second.stay.profile_id}
    assert task.status == "open" and task.evidence["levels"]["first"] == "exact"
    assert task.evidence["bits"]["first"] > 0
    assert task.evidence["levels"]["email"] == "missing"  # a relay address is never evidence


def test_a_different_person_is_a_new_profile_without_a_task(db_session):
    store_learned_model(db_session)
    ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]))
    other = guest(first_name="Peter", last_name="Schmidt", emails=[{"address": "ps@mail.de"}])
    ingest_reservation(db_session, reservation("R2", guests=other))
    assert len(live(db_session)) == 2
    assert db_session.scalar(select(func.count()).select_from(ReviewTask)) == 0


def test_a_sister_sharing_the_phone_stays_apart(db_session):
    store_learned_model(db_session)
    ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]))
    sister = guest(first_name="Johanna", last_name="Müller",
                   phones=[{"number": "+49 176 12345678"}], address={"country": "DE"})
    ingest_reservation(db_session, reservation("R2", guests=sister))
    assert len(live(db_session)) == 2
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)) == 0


BAD_GUESTS = {
    "empty names": guest(first_name="", last_name="", phones=[{"number": "+49 176 12345678"}]),
    "only a first name": guest(first_name="Katharina", birth_date="1980-04-12"),
    "emoji": guest(first_name="😀", last_name="🙂", phones=[{"number": "+49 176 12345678"}]),
    # The schema refuses years before 1900; these two pass it and mean "unknown".
    "placeholder birth date": guest(first_name="Katharina", last_name="Müller",
                                    birth_date="1900-01-01", address={"country": "DE"}),
    "birth date = arrival": guest(first_name="Katharina", last_name="Müller",
                                  birth_date="2025-06-01", address={"country": "DE"}),
    "unparseable phone": guest(first_name="Katharina", last_name="Müller",
                               phones=[{"number": "call reception ☎"}], address={"country": "DE"}),
    "mixed scripts": guest(first_name="Катharina", last_name="Мüller", address={"country": "DE"}),
}


def test_bad_input_never_crashes_and_never_merges_on_missing_evidence(db_session):
    store_learned_model(db_session)
    ingest_reservation(db_session, reservation("R0", guests=[KATHARINA]))
    for n, (label, guests) in enumerate(BAD_GUESTS.items(), start=1):
        guests = [{k: v for k, v in g.items() if v is not None} for g in guests]
        outcome = ingest_reservation(db_session, reservation(f"B{n}", guests=guests))
        assert outcome.applied, label
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)) == 0


def test_a_first_name_and_the_same_email_from_an_ota_is_not_enough_to_merge(db_session):
    store_learned_model(db_session)
    base = dict(KATHARINA, emails=[{"address": "kathi.m@posteo.de"}])
    ingest_reservation(db_session, reservation("R1", guests=[base]))
    # Exact email with a compatible first name is an exact key; without a surname the fuzzy
    # path must not add a merge on top of it.
    ingest_reservation(db_session, reservation("R2", guests=guest(first_name="Katharina")))
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)) == 0


def test_profiles_staff_separated_are_not_joined_by_exact_keys_either(db_session):
    a = ingest_reservation(db_session, reservation("R1", email="anna@mail.test"))
    b = ingest_reservation(db_session, reservation("R2", email=None, loyalty="L-1"))
    pa, pb = a.stay.profile_id, b.stay.profile_id
    assert pa != pb
    db_session.add(NotSamePair(profile_a_id=pa, profile_b_id=pb, by="staff:1"))
    db_session.flush()
    both = guest(first_name="Anna", last_name="Huber", emails=[{"address": "anna@mail.test"}],
                 loyalty=[{"program": "CLUB", "number": "L-1"}])
    ingest_reservation(db_session, reservation("R3", guests=both))
    assert {p.id for p in live(db_session)} == {pa, pb}
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)) == 0


def test_a_profile_merged_by_exact_keys_leaves_the_blocking_index(db_session):
    # Two profiles of one guest (one known by email, one by phone and name) until a booking
    # carries both keys: the second is merged away and must no longer be a fuzzy candidate.
    by_email = guest(first_name="Katharina", last_name="Müller",
                     emails=[{"address": "k.mueller@web.de"}])
    by_phone = guest(first_name="Katharina", last_name="Müller",
                     phones=[{"number": "+49 176 12345678"}])
    first = ingest_reservation(db_session, reservation("R1", guests=by_email))
    second = ingest_reservation(db_session, reservation("R2", guests=by_phone))
    merged_id = max(first.stay.profile_id, second.stay.profile_id)
    assert keys_of(db_session, merged_id)
    ingest_reservation(db_session, reservation("R3", guests=[KATHARINA]))
    assert len(live(db_session)) == 1
    assert keys_of(db_session, merged_id) == set()
    assert db_session.get(ProfileMatchRecord, merged_id) is None


def test_in_a_batch_a_variant_matches_a_profile_whose_index_is_not_written_yet(db_session):
    # A batch (services/ingest/processing.py) writes the blocking index once, at its end: until then
    # the fuzzy search must see the batch's own profiles from memory.
    store_learned_model(db_session)
    reserve_ids(db_session)
    defer_match_index(db_session)
    variant = guest(first_name="Katharina", last_name="Mueller", birth_date="1980-04-12",
                    phones=[{"number": "0176 12345678"}], emails=[{"address": "kathi@gmx.de"}],
                    address={"country": "DE"})
    first = ingest_reservation(db_session, reservation("R1", guests=[KATHARINA]), in_batch=True)
    assert keys_of(db_session, first.stay.profile_id) == set()  # deferred
    second = ingest_reservation(db_session, reservation("R2", guests=variant), in_batch=True)
    other = ingest_reservation(db_session, reservation("R3"), in_batch=True)
    write_deferred_match_index(db_session)
    survivor = first.stay.profile_id
    assert second.stay.profile_id == survivor
    assert [p.id for p in live(db_session)] == sorted([survivor, other.stay.profile_id])
    record = db_session.scalar(select(MergeRecord))
    assert record.rule.startswith("fuzzy:")
    assert {"e:k.mueller@web.de", "e:kathi@gmx.de", "p:12345678"} <= keys_of(db_session, survivor)
    assert keys_of(db_session, record.merged_id) == set()
    assert db_session.get(ProfileMatchRecord, record.merged_id) is None
    assert keys_of(db_session, other.stay.profile_id)
    stored = db_session.get(ProfileMatchRecord, survivor).records
    assert {r.get("email") for r in stored} == {"k.mueller@web.de", "kathi@gmx.de"}


def test_a_namesake_at_the_same_home_with_their_own_phone_and_email_is_left_to_staff(db_session):
    """Issue #17: name and address agree, but each has their own mobile and email (a parent
    and an adult child): a review task, never an automatic merge."""
    store_learned_model(db_session)
    home = {"street": "Seilerstrasse 5", "city": "Küsnacht", "postal_code": "8700",
            "country": "CH"}
    parent = guest(first_name="Jara", last_name="Lang", emails=[{"address": "jara668@web.de"}],
                   phones=[{"number": "+41 78 731 62 84"}], address=home)
    child = guest(first_name="Jara", last_name="Lang", emails=[{"address": "jlang@gmx.de"}],
                  phones=[{"number": "+41 73 456 62 44"}], address=home)
    first = ingest_reservation(db_session, reservation("R1", guests=parent))
    second = ingest_reservation(db_session, reservation("R2", guests=child))
    assert second.stay.profile_id != first.stay.profile_id
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)) == 0


def test_one_guest_at_the_same_home_with_a_new_email_and_the_same_phone_still_merges(db_session):
    store_learned_model(db_session)
    home = {"street": "Seilerstrasse 5", "city": "Küsnacht", "postal_code": "8700",
            "country": "CH"}
    first = ingest_reservation(db_session, reservation("R1", guests=guest(
        first_name="Jara", last_name="Lang", emails=[{"address": "jara668@web.de"}],
        phones=[{"number": "+41 78 731 62 84"}], address=home)))
    second = ingest_reservation(db_session, reservation("R2", guests=guest(
        first_name="Jara", last_name="Lang", emails=[{"address": "jara.lang@gmx.ch"}],
        phones=[{"number": "+41787316284"}], address=home)))
    assert second.stay.profile_id == first.stay.profile_id
