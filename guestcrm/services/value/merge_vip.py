"""A profile's VIP assignment through a merge and its undo.

The survivor keeps the more important of the two assignments (a staff choice beats the
pyramid's suggestion, then the level ranked first); the merged profile, a tombstone, keeps
none. Both before-images go into the merge record, so unmerge puts them back exactly.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from guestcrm.db.row_images import from_image, row_image
from guestcrm.models import GuestProfile, VipAssignment


def merge_vip(session: Session, survivor: GuestProfile, merged: GuestProfile) -> dict | None:
    """Move or drop `merged`'s assignment; the images for the merge record (None: nothing)."""
    theirs = session.get(VipAssignment, merged.id)
    if theirs is None:
        return None
    mine = session.get(VipAssignment, survivor.id)
    images = {"survivor": row_image(mine) if mine else None, "merged": row_image(theirs)}
    if mine is None or _weight(theirs) < _weight(mine):
        values = from_image(VipAssignment, images["merged"]) | {"profile_id": survivor.id}
        code = theirs.level.code
        if mine is not None:
            session.delete(mine)
        session.delete(theirs)
        session.flush()
        session.add(VipAssignment(**values))
        survivor.vip_level = code
    else:
        session.delete(theirs)
    merged.vip_level = None
    session.flush()
    return images


def unmerge_vip(session: Session, images: dict | None, survivor: GuestProfile,
                merged: GuestProfile) -> None:
    """Both assignments as they were before the merge. Where staff changed or cleared the
    survivor's level since, that later choice stands."""
    if not images:
        return
    current = session.get(VipAssignment, survivor.id)
    if current is not None and _same_choice(current, images["merged"], images["survivor"]):
        session.delete(current)
        session.flush()
        if images["survivor"] is not None:
            session.add(VipAssignment(**from_image(VipAssignment, images["survivor"])))
    session.add(VipAssignment(**from_image(VipAssignment, images["merged"])))
    session.flush()
    for profile in (survivor, merged):
        assignment = session.get(VipAssignment, profile.id)
        if assignment is not None:
            profile.vip_level = assignment.level.code


def _weight(assignment: VipAssignment) -> tuple[int, int]:
    return (0 if assignment.source == "staff" else 1, assignment.level.rank)


def _same_choice(current: VipAssignment, *images: dict | None) -> bool:
    """The survivor's assignment is still one of the two the merge chose between."""
    return any(image is not None and (current.level_id, current.set_at.isoformat(),
                                      current.set_by) == (image["level_id"], image["set_at"],
                                                          image["set_by"])
               for image in images)
