"""Undoing a merge: both profiles as they were, their rows back where they belonged.

MergeRecord.before holds both profiles' before-images, the ids of the rows that moved and
full images of the duplicate rows that were dropped (services/identity/merge.py). Unmerge re-points
the moved rows that still sit on the survivor, re-creates the dropped rows with their old
ids, takes back from the survivor's fields and twins exactly what the merged profile gave
them, recomputes counters and the match index, and remembers the pair as different people.

Later merges into the same survivor stay in place (their contributions are kept); a survivor
that was itself merged away must be unmerged first (newest first, like an undo stack).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestcrm.db.row_images import from_image, row_image
from guestcrm.db.types import utcnow
from guestcrm.errors import Refused
from guestcrm.models import (
    AuditEntry,
    Complaint,
    ConsentEvent,
    ContactPoint,
    DeskEvent,
    ExternalId,
    GuestNote,
    GuestProfile,
    GuestSession,
    MergeRecord,
    OutboundMail,
    Perk,
    Preference,
    Stay,
    StayGuest,
)
from guestcrm.services.identity.keys import lock_profiles_for_staff
from guestcrm.services.identity.match_index import refresh_match_index
from guestcrm.services.identity.not_same import record_not_same
from guestcrm.services.identity.survivorship import PROFILE_FIELDS
from guestcrm.services.identity.survivorship_rules import FieldState
from guestcrm.services.value.counters import recompute_counters
from guestcrm.services.value.merge_vip import unmerge_vip

MOVED = (
    ("contacts", ContactPoint),
    ("external_ids", ExternalId),
    ("preferences", Preference),
    ("complaints", Complaint),
    ("stays", Stay),
    ("stay_guests", StayGuest),
    ("perks", Perk),
    ("mails", OutboundMail),
    ("consents", ConsentEvent),
    ("guest_sessions", GuestSession),
    ("desk_events", DeskEvent),
    ("notes", GuestNote),
)
_OWN_FIELDS = ("vip_level", "notes")


class UnmergeError(Refused):
    pass


def unmerge(session: Session, record_id: int, actor: str, reason: str | None = None
            ) -> tuple[GuestProfile, GuestProfile]:
    """Undo one merge; returns (survivor, restored profile)."""
    record = session.get(MergeRecord, record_id)
    if record is None:
        raise UnmergeError(f"no merge record {record_id}")
    lock_profiles_for_staff(session, [record.survivor_id, record.merged_id])
    if record.undone_at is not None:
        raise UnmergeError(f"merge {record_id} was already undone")
    survivor = session.get(GuestProfile, record.survivor_id)
    merged = session.get(GuestProfile, record.merged_id)
    if survivor.merged_into_id is not None:
        raise UnmergeError(f"profile #{survivor.id} was merged into #{survivor.merged_into_id} "
                           "later; undo that merge first")
    if merged.merged_into_id != survivor.id:
        raise UnmergeError(f"profile #{merged.id} is no longer merged into #{survivor.id}")
    before = record.before
    later = session.scalars(select(MergeRecord).where(
        MergeRecord.survivor_id == survivor.id, MergeRecord.id > record.id,
        MergeRecord.undone_at.is_(None)).order_by(MergeRecord.id)).all()

    _take_back_fields(survivor, before["survivor"], before["merged"],
                      [r.before["merged"] for r in later])
    _restore_fields(merged, before["merged"])
    merged.merged_into_id = None
    session.flush()
    for key, model in MOVED:
        ids = before.get("moved", {}).get(key, [])
        if ids:
            # Only rows still on the survivor: a stay re-resolved since belongs elsewhere now.
            session.execute(update(model)
                            .where(model.id.in_(ids), model.profile_id == survivor.id)
                            .values(profile_id=merged.id)
                            .execution_options(synchronize_session=False))
    for item in before.get("dropped", []):
        _restore_dropped(session, item, merged.id)
    session.flush()
    unmerge_vip(session, before.get("vip"), survivor, merged)
    session.expire_all()  # collections on both profiles changed under the ORM's feet

    record.undone_at = utcnow()
    record_not_same(session, survivor.id, merged.id, by=actor, reason=reason or "unmerged")
    session.add(AuditEntry(actor=actor, action="profile.unmerge", target_type="guest_profile",
                           target_id=str(survivor.id),
                           details={"merge_record": record.id, "restored": merged.id,
                                    "rule": record.rule, "reason": reason}))
    ids = [survivor.id, merged.id]
    recompute_counters(session, ids)
    from guestcrm.services.value.figures import recompute_value  # the recognition feature's figures

    recompute_value(session, ids)
    refresh_match_index(session, ids)
    return survivor, merged


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def _python(field: str, value):
    return date.fromisoformat(value) if field == "birth_date" and value else value


def _take_back_fields(survivor: GuestProfile, mine: dict, theirs: dict, later: list[dict]) -> None:
    """Where the survivor's field still holds what the merged profile brought, replay the
    survivorship without it: its own earlier value, then later merges' values (with the
    source each came from); the value counts it brought are taken back."""
    state = FieldState(survivor.field_versions)
    their_state = FieldState(theirs.get("field_versions", {}))
    for field in PROFILE_FIELDS:
        value = theirs.get(field)
        if value is None or _json(getattr(survivor, field)) != value:
            continue
        if state.versions.get(field, "") != their_state.versions.get(field, ""):
            continue
        own = FieldState(mine.get("field_versions", {}))
        best, best_version = mine.get(field), own.versions.get(field)
        best_source = own.sources.get(field)
        for image in later:
            candidate = image.get(field)
            other = FieldState(image.get("field_versions", {}))
            version = other.versions.get(field, "")
            if candidate is not None and (best is None or version > (best_version or "")):
                best, best_version, best_source = candidate, version, other.sources.get(field)
        setattr(survivor, field, _python(field, best))
        if best_version is None:
            state.versions.pop(field, None)
            state.sources.pop(field, None)
        else:
            state.take(field, best_version, best_source)
    state.uncount(their_state.seen)
    survivor.field_versions = state.dump()
    for field in _OWN_FIELDS:
        if mine.get(field) is None and theirs.get(field) is not None \
                and getattr(survivor, field) == theirs[field]:
            setattr(survivor, field, None)


def _restore_fields(profile: GuestProfile, image: dict) -> None:
    for field in PROFILE_FIELDS + _OWN_FIELDS:
        setattr(profile, field, _python(field, image.get(field)))
    profile.field_versions = dict(image.get("field_versions", {}))


def _restore_dropped(session: Session, item: dict, profile_id: int) -> None:
    model = {"contact_point": ContactPoint, "preference": Preference}.get(item.get("table"))
    if model is None or "row" not in item:
        return  # a merge recorded before full images were kept: nothing exact to restore
    twin_image = item["twin"]
    twin = session.get(model, twin_image["id"])
    row = from_image(model, item["row"])
    if twin is not None:
        _untwin(twin, from_image(model, twin_image), row)
    row["profile_id"] = profile_id
    session.add(model(**row))


def _untwin(twin, was: dict, dropped: dict) -> None:
    """Give back what the twin absorbed, field by field, where it still shows."""
    if isinstance(twin, Preference):
        twin.times_seen -= dropped["times_seen"]
        if twin.last_seen == max(was["last_seen"], dropped["last_seen"]):
            twin.last_seen = was["last_seen"]
        return
    if twin.first_seen == min(was["first_seen"], dropped["first_seen"]):
        twin.first_seen = was["first_seen"]
    if twin.last_seen == max(was["last_seen"], dropped["last_seen"]):
        twin.last_seen = was["last_seen"]
    if twin.verified and not was["verified"]:
        twin.verified = was["verified"]


__all__ = ["UnmergeError", "row_image", "unmerge"]


OWN_UNDO_WINDOW = timedelta(minutes=10)


def undo_own_merge(session: Session, record_id: int, actor: str,
                   window: timedelta = OWN_UNDO_WINDOW) -> tuple[GuestProfile, GuestProfile]:
    """The person who just merged two guests (one key on the review page) takes it back,
    within a few minutes; after that, or for anyone else, undoing is an admin's task."""
    record = session.get(MergeRecord, record_id)
    if record is None or record.actor != actor or record.undone_at is not None:
        raise Refused("only the person who made this merge can take it back here")
    if utcnow() - record.created_at > window:
        raise Refused("too late to take this merge back here: an admin can undo it")
    return unmerge(session, record_id, actor=actor, reason="taken back right after by who made it")
