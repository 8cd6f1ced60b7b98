"""Two workers ingesting the same new guest under different emails at the same time must meet
as they would one after the other: the second waits for the first and is matched against it.
Before, they shared no lock (no exact key in common), each missed the other's uncommitted
profile, and the guest kept two unlinked profiles until someone ran `flask dedupe`."""

from __future__ import annotations

import threading
import time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from guestcrm.db.locks import lock_keys
from guestcrm.models import GuestProfile, ReviewTask
from guestcrm.services.identity.keys import profile_lock_names
from guestcrm.services.ingest.reservations import ingest_reservation, lock_names
from tests.builders import reservation
from tests.integration.identity_support import store_learned_model

KATHARINA = {"first_name": "Katharina", "last_name": "Müller", "birth_date": "1980-04-12",
             "emails": [{"address": "k.mueller@web.de"}],
             "address": {"city": "München", "postal_code": "80331", "country": "DE"}}
# The same guest booking again through another channel: another email, no phone.
AGAIN = dict(KATHARINA, last_name="Mueller", emails=[{"address": "kathi@gmx.de"}])


def ingest_as_a_batch(session: Session, booking) -> int:
    """What a batch does for one reservation: take its locks, then look up and ingest."""
    lock_keys(session, lock_names(session, booking), hold=True)
    return ingest_reservation(session, booking).stay.profile_id


def linked(session: Session, a: int, b: int) -> bool:
    """The same profile by now (merged), or a review task asking staff about the pair."""
    survivor = {p: session.get(GuestProfile, p).merged_into_id or p for p in (a, b)}
    if survivor[a] == survivor[b]:
        return True
    return session.scalar(select(ReviewTask.id).where(or_(
        (ReviewTask.profile_a_id == a) & (ReviewTask.profile_b_id == b),
        (ReviewTask.profile_a_id == b) & (ReviewTask.profile_b_id == a)))) is not None


def test_one_after_the_other_the_second_booking_is_matched_to_the_first(app, committed_db):
    store_learned_model(committed_db)
    committed_db.commit()
    first = ingest_as_a_batch(committed_db, reservation("R1", guests=[KATHARINA]))
    committed_db.commit()
    second = ingest_as_a_batch(committed_db, reservation("R2", guests=[AGAIN]))
    committed_db.commit()
    assert linked(committed_db, first, second)


def test_a_batch_with_the_same_new_guest_waits_for_the_other_and_is_matched(app, committed_db):
    store_learned_model(committed_db)
    ingest_reservation(committed_db, reservation("R0"))  # the hotel is known: nothing else
    committed_db.commit()  # is shared by the two batches below
    engine = committed_db.get_bind()
    batch = Session(engine)
    first = ingest_as_a_batch(batch, reservation("R1", guests=[KATHARINA]))
    finished: list[float] = []
    second: list[int] = []

    def other_worker() -> None:
        with Session(engine) as session:
            second.append(ingest_as_a_batch(session, reservation("R2", guests=[AGAIN])))
            session.commit()
            finished.append(time.monotonic())

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        time.sleep(0.8)
        went_ahead = bool(finished)
        released = time.monotonic()
        batch.commit()
    finally:
        batch.close()  # a failed check must not leave the other worker (and teardown) waiting
        thread.join(15)
    assert not went_ahead, "the second batch went ahead while the first held the same new guest"
    assert finished and finished[0] - released < 5
    committed_db.expire_all()
    assert linked(committed_db, first, second[0])


def test_staff_changes_to_a_profile_take_its_name_lock_too(app, committed_db):
    profile = GuestProfile(first_name="Katharina", last_name="Müller", field_versions={},
                           channel_mix={})
    committed_db.add(profile)
    committed_db.commit()
    booking = reservation("R3", guests=[AGAIN])
    name_locks = [n for n in lock_names(committed_db, booking) if n.startswith("name:")]
    assert name_locks and set(name_locks) <= set(profile_lock_names(committed_db, [profile.id]))
