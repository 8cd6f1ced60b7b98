"""Staff changes to profiles wait for the batches ingesting those guests (and hold new ones
off): a batch must never add a stay to a profile that staff merged away meanwhile."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from guestcrm.db.locks import lock_keys
from guestcrm.models import ContactPoint, GuestProfile, ReviewTask
from guestcrm.services.identity.keys import profile_lock_names
from guestcrm.services.identity.merge import merge_profiles
from guestcrm.services.identity.review_tasks import decide
from guestcrm.services.identity.unmerge import unmerge
from tests.integration.test_review_queue import EVIDENCE


def two_profiles(session) -> tuple[int, int]:
    profiles = []
    for first, email in (("Anna", "anna@example.com"), ("Anna", "anna.k@example.org")):
        profile = GuestProfile(first_name=first, last_name="Kranz", field_versions={},
                               channel_mix={})
        profile.contacts.append(ContactPoint(kind="email", value_raw=email,
                                             value_normalized=email, source="test"))
        session.add(profile)
        profiles.append(profile)
    session.commit()
    return profiles[0].id, profiles[1].id


def waits_for_the_batch(engine, batch_keys: list[str], staff_change) -> float:
    """A 'batch' session holds `batch_keys` as a batch does; `staff_change(session)` runs in
    another session and commits. Returns how long the staff change waited."""
    batch = Session(engine)
    lock_keys(batch, batch_keys, hold=True)
    finished: list[float] = []

    def staff() -> None:
        with Session(engine) as session:
            staff_change(session)
            session.commit()
            finished.append(time.monotonic())

    thread = threading.Thread(target=staff)
    thread.start()
    time.sleep(0.8)
    assert not finished, "the staff change went ahead while a batch held the guest's keys"
    released = time.monotonic()
    batch.commit()
    batch.close()
    thread.join(15)
    assert finished, "the staff change never finished"
    return finished[0] - released


def test_a_staff_merge_waits_for_the_batch_holding_the_guests_keys(app, committed_db):
    a, b = two_profiles(committed_db)
    task = ReviewTask(profile_a_id=a, profile_b_id=b, probability=0.8, weight=2.0,
                      evidence=EVIDENCE, status="open")
    committed_db.add(task)
    committed_db.commit()
    task_id = task.id
    assert "email:anna.k@example.org" in profile_lock_names(committed_db, [b])

    def merge_by_review(session) -> None:
        decide(session, session.get(ReviewTask, task_id), same=True, actor="test")

    engine = committed_db.get_bind()
    assert waits_for_the_batch(engine, ["email:anna.k@example.org"], merge_by_review) < 5
    committed_db.expire_all()
    assert committed_db.get(GuestProfile, b).merged_into_id == a


def test_undoing_a_merge_waits_for_the_batch_holding_the_guests_keys(app, committed_db):
    a, b = two_profiles(committed_db)
    record = merge_profiles(committed_db, committed_db.get(GuestProfile, a),
                            committed_db.get(GuestProfile, b), rule="test")
    committed_db.commit()
    record_id = record.id
    engine = committed_db.get_bind()
    assert waits_for_the_batch(engine, ["email:anna@example.com"],
                               lambda session: unmerge(session, record_id, actor="test")) < 5
    committed_db.expire_all()
    assert committed_db.get(GuestProfile, b).merged_into_id is None
