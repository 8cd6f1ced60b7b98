"""Issue #17 on the exact-key path: a shared home phone or family email does not join a parent
and an adult child of the same name; a Jr. does not join a Sr."""

from __future__ import annotations

from sqlalchemy import func, select

from guestcrm.models import GuestProfile, MergeRecord
from guestcrm.services.ingest.reservations import ingest_reservation
from tests.builders import reservation

HOME_PHONE = [{"number": "+44 20 7946 0018"}]


def live_count(session) -> int:
    return session.scalar(select(func.count()).select_from(GuestProfile)
                          .where(GuestProfile.merged_into_id.is_(None)))


def robert(birth_date: str | None, last: str = "Brown", **more) -> list[dict]:
    values = {"first_name": "Robert", "last_name": last, "phones": HOME_PHONE, **more}
    if birth_date:
        values["birth_date"] = birth_date
    return [values]


def test_a_son_with_his_fathers_name_and_home_phone_gets_his_own_profile(db_session):
    father = ingest_reservation(db_session, reservation("R1", guests=robert("1958-03-03")))
    son = ingest_reservation(db_session, reservation("R2", guests=robert("1988-11-20")))
    assert son.stay.profile_id != father.stay.profile_id
    again = ingest_reservation(db_session, reservation("R3", guests=robert("1958-03-03")))
    assert again.stay.profile_id == father.stay.profile_id


def test_jr_and_sr_sharing_the_family_email_stay_two_profiles(db_session):
    email = [{"address": "brownfamily@btinternet.com"}]
    sr = ingest_reservation(db_session, reservation("R1", guests=robert(
        None, last="Brown Sr.", emails=email)))
    jr = ingest_reservation(db_session, reservation("R2", guests=robert(
        None, last="Brown Jr.", emails=email)))
    assert jr.stay.profile_id != sr.stay.profile_id


def test_a_guest_without_birth_date_does_not_merge_a_father_and_son_it_points_to(db_session):
    ingest_reservation(db_session, reservation("R1", guests=robert("1958-03-03")))
    ingest_reservation(db_session, reservation("R2", guests=robert("1988-11-20")))
    assert live_count(db_session) == 2
    ingest_reservation(db_session, reservation("R3", guests=robert(None)))
    assert live_count(db_session) == 2
    assert db_session.scalar(select(func.count()).select_from(MergeRecord)) == 0


def test_one_guest_with_a_birth_date_typo_still_attaches_by_phone(db_session):
    first = ingest_reservation(db_session, reservation("R1", guests=robert("1984-03-07")))
    again = ingest_reservation(db_session, reservation("R2", guests=robert("1948-03-07")))
    assert again.stay.profile_id == first.stay.profile_id
