"""The review queue: candidate pairs in the middle band, decided by staff.

Who may see a task: admins all; other staff only tasks where at least one of the two
profiles has a stay (as booker or companion) at one of their hotels. A task is about
whether *their* guest has a second profile, so the other side is shown to them too; after a
merge they would see the merged profile at their desk anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, GuestProfile, ReviewTask, Stay, StayGuest
from guestcrm.services.identity.keys import lock_profiles_for_staff
from guestcrm.services.identity.match_index import refresh_match_index
from guestcrm.services.identity.matching.features import LEVELS
from guestcrm.services.identity.matching.scorer import PairScore
from guestcrm.services.identity.merge import merge_profiles
from guestcrm.services.identity.not_same import live_id, record_not_same
from guestcrm.services.value.counters import recompute_counters


class ReviewError(Refused):
    pass


def evidence(score: PairScore, bits: dict | None = None) -> dict:
    """Per field the scorer's level and, when the model is at hand, what it weighed (bits)."""
    out: dict = {"levels": dict(score.levels), "bits": {}}
    if bits is not None:
        for field, name in score.levels.items():
            index = 0 if name == "missing" else LEVELS[field].index(name) + 1
            out["bits"][field] = round(float(bits[field][index]), 1)
    return out


def open_review_task(session: Session, a: int, b: int, score: PairScore,
                     property_id: int | None = None, source: str = "ingest",
                     bits: dict | None = None) -> ReviewTask | None:
    """One task per pair; an existing one (open or decided) is left as it is."""
    low, high = sorted((a, b))
    existing = session.scalar(select(ReviewTask).where(
        ReviewTask.profile_a_id == low, ReviewTask.profile_b_id == high))
    if existing is not None:
        return None
    task = ReviewTask(profile_a_id=low, profile_b_id=high, probability=score.probability,
                      weight=score.weight, evidence=evidence(score, bits),
                      property_id=property_id, source=source, status="open")
    session.add(task)
    session.flush()
    return task


def profiles_at(property_ids: set[int]):
    """Profile ids with a stay, as booker or companion, at one of these hotels (a subquery)."""
    booker = select(Stay.profile_id).where(Stay.property_id.in_(property_ids))
    seat = (select(StayGuest.profile_id).join(Stay, Stay.id == StayGuest.stay_id)
            .where(Stay.property_id.in_(property_ids)))
    return booker.union(seat)


def visible_tasks(session: Session, property_ids: set[int] | None, status: str = "open"):
    """A select of the tasks these staff may see, strongest first; None = every property."""
    query = select(ReviewTask).where(ReviewTask.status == status)
    if property_ids is not None:
        here = profiles_at(property_ids)
        query = query.where(or_(ReviewTask.profile_a_id.in_(here),
                                ReviewTask.profile_b_id.in_(here)))
    return query.order_by(ReviewTask.probability.desc(), ReviewTask.id)


def task_for(session: Session, task_id: int, property_ids: set[int] | None
             ) -> ReviewTask | None:
    """The task if these staff may see it (any status), else None."""
    query = select(ReviewTask).where(ReviewTask.id == task_id)
    if property_ids is not None:
        here = profiles_at(property_ids)
        query = query.where(or_(ReviewTask.profile_a_id.in_(here),
                                ReviewTask.profile_b_id.in_(here)))
    return session.scalar(query)


@dataclass
class Outcome:
    task: ReviewTask
    survivor_id: int | None = None  # "same": the profile both now live on
    merge_id: int | None = None  # "same": the merge made (the same person may undo it)


def decide(session: Session, task: ReviewTask, same: bool, actor: str,
           reason: str | None = None) -> Outcome:
    """Apply a staff decision: merge the two (survivor: the older profile) or remember them as
    different people. Both are audited; deciding twice is refused."""
    lock_profiles_for_staff(session, [task.profile_a_id, task.profile_b_id])
    if task.status != "open":
        raise ReviewError(f"task {task.id} was already decided ({task.status})")
    a, b = live_id(session, task.profile_a_id), live_id(session, task.profile_b_id)
    survivor_id = merge_id = None
    if same:
        if a != b:
            survivor_id, merged_id = sorted((a, b))
            survivor = session.get(GuestProfile, survivor_id)
            merge_id = merge_profiles(session, survivor, session.get(GuestProfile, merged_id),
                                      rule="staff:review", actor=actor).id
            _recompute(session, [survivor_id])
            refresh_match_index(session, [survivor_id, merged_id])
        else:
            survivor_id = a
    else:
        if a == b:
            raise ReviewError("these profiles were merged meanwhile; undo that merge first")
        record_not_same(session, task.profile_a_id, task.profile_b_id, by=actor, reason=reason)
    task.status = "same" if same else "different"
    task.decided_by, task.decided_at = actor, utcnow()
    session.add(AuditEntry(actor=actor, action=f"review.{task.status}", target_type="review_task",
                           target_id=str(task.id),
                           details={"profiles": [task.profile_a_id, task.profile_b_id],
                                    "probability": round(task.probability, 4),
                                    "reason": reason}))
    session.flush()
    return Outcome(task, survivor_id, merge_id)


def _recompute(session: Session, ids: list[int]) -> None:
    from guestcrm.services.value.figures import recompute_value  # the recognition feature's figures

    recompute_counters(session, ids)
    recompute_value(session, ids)
