"""Merging two profiles of one guest, recorded with before-images so it can be undone."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestcrm.db.row_images import row_image
from guestcrm.errors import Refused
from guestcrm.models import (
    AuditEntry,
    ConsentEvent,
    DeskEvent,
    GuestNote,
    GuestProfile,
    GuestSession,
    MergeRecord,
    OutboundMail,
    Perk,
    Stay,
    StayGuest,
)
from guestcrm.services.identity.survivorship import absorb_fields, profile_snapshot
from guestcrm.services.value.merge_vip import merge_vip

# Rows that follow their guest into the survivor as they are (unmerge.py puts each back).
MOVED_BY_PROFILE = ((Stay, "stays"), (StayGuest, "stay_guests"), (Perk, "perks"),
                    (OutboundMail, "mails"), (ConsentEvent, "consents"),
                    (GuestSession, "guest_sessions"), (DeskEvent, "desk_events"),
                    (GuestNote, "notes"))
# Every table that refers to a guest profile, and what a merge does with its rows. A table
# added later must be named here (tests/unit/test_merge_coverage.py), so none is forgotten.
MOVED = "moved to the survivor; an undo moves them back"
MERGE_HANDLING: dict[str, str] = {
    "contact_point": MOVED + " (a twin of a survivor's contact is folded into it, restored)",
    "external_id": MOVED,
    "preference": MOVED + " (twins folded, restored)",
    "complaint": MOVED,
    **{model.__tablename__: MOVED for model, _ in MOVED_BY_PROFILE},
    "vip_assignment": "the more important of the two stays on the survivor (merge_vip)",
    "guest_value": "recomputed from the stays",
    "guest_property_value": "recomputed from the stays",
    "profile_blocking_key": "rebuilt by the match index",
    "profile_match_record": "rebuilt by the match index",
    "merge_record": "the record of the merge itself",
    "review_task": "kept: a decision about that pair",
    "not_same_pair": "kept: a decision about that pair",
    "privacy_request": "kept: the record of a request",
}


def merge_profiles(
    session: Session, survivor: GuestProfile, merged: GuestProfile, rule: str, actor: str = "system"
) -> MergeRecord:
    """Move everything of `merged` onto `survivor`; `merged` stays as a tombstone pointing to it."""
    if survivor.id == merged.id:
        raise Refused("a profile cannot be merged into itself")
    session.flush()  # the before-images need every row's id (a batch's new rows are pending)
    before = {"survivor": profile_snapshot(survivor), "merged": profile_snapshot(merged)}
    moved: dict[str, list[int]] = {}
    dropped: list[dict] = []

    own = {(c.kind, c.value_normalized): c for c in survivor.contacts}
    for contact in list(merged.contacts):
        twin = own.get((contact.kind, contact.value_normalized))
        if twin is None:
            moved.setdefault("contacts", []).append(contact.id)
            contact.profile = survivor
            continue
        # Full images of the dropped row and of the twin before it absorbed it: unmerge
        # puts both back exactly (services/identity/unmerge.py).
        dropped.append({"table": "contact_point", "row": row_image(contact),
                        "twin": row_image(twin)})
        twin.verified = twin.verified or contact.verified
        twin.first_seen = min(twin.first_seen, contact.first_seen)
        twin.last_seen = max(twin.last_seen, contact.last_seen)
        if contact.consent_at and (twin.consent_at is None or contact.consent_at > twin.consent_at):
            twin.marketing_consent, twin.consent_at = contact.marketing_consent, contact.consent_at
        merged.contacts.remove(contact)
    for ext in list(merged.external_ids):
        moved.setdefault("external_ids", []).append(ext.id)
        ext.profile = survivor
    prefs = {(p.property_id, p.key, p.value): p for p in survivor.preferences}
    for pref in list(merged.preferences):
        twin = prefs.get((pref.property_id, pref.key, pref.value))
        if twin is None:
            moved.setdefault("preferences", []).append(pref.id)
            pref.profile = survivor
        else:
            dropped.append({"table": "preference", "row": row_image(pref),
                            "twin": row_image(twin)})
            twin.times_seen += pref.times_seen
            twin.last_seen = max(twin.last_seen, pref.last_seen)
            merged.preferences.remove(pref)
    for complaint in list(merged.complaints):
        moved.setdefault("complaints", []).append(complaint.id)
        complaint.profile = survivor
    session.flush()

    for model, key in MOVED_BY_PROFILE:
        ids = list(session.scalars(select(model.id).where(model.profile_id == merged.id)))
        if ids:
            moved[key] = ids
            session.execute(update(model).where(model.id.in_(ids)).values(profile_id=survivor.id))

    absorb_fields(survivor, merged)
    vip = merge_vip(session, survivor, merged)
    merged.merged_into_id = survivor.id
    before.update(moved=moved, dropped=dropped)
    if vip is not None:
        before["vip"] = vip
    record = MergeRecord(
        survivor_id=survivor.id, merged_id=merged.id, rule=rule, actor=actor, before=before
    )
    session.add(record)
    session.add(
        AuditEntry(
            actor=actor,
            action="profile.merge",
            target_type="guest_profile",
            target_id=str(survivor.id),
            details={"merged": merged.id, "rule": rule},
        )
    )
    session.flush()
    return record
