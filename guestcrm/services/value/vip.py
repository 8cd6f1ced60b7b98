"""VIP levels (admins define them) and a profile's level, set by staff with a reason or
suggested from the pyramid tier; chain-wide, mirrored on GuestProfile.vip_level for the API."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, GuestProfile, GuestValue, VipAssignment, VipLevel
from guestcrm.services.value.settings import TIERS, ValueSettings

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class VipError(Refused):
    pass


def vip_levels(session: Session, active_only: bool = True) -> list[VipLevel]:
    query = select(VipLevel).order_by(VipLevel.rank, VipLevel.code)
    if active_only:
        query = query.where(VipLevel.active.is_(True))
    return list(session.scalars(query))


def save_vip_level(
    session: Session, code: str, label: str, colour: str, rank: int, actor: str, active: bool = True
) -> VipLevel:
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9_-]{1,32}", code):
        raise VipError("a code is 1-32 letters, digits, - or _")
    if not COLOUR.match(colour):
        raise VipError("a colour is #rrggbb")
    level = session.scalar(select(VipLevel).where(VipLevel.code == code)) or VipLevel(code=code)
    level.label, level.colour, level.rank, level.active = label.strip(), colour, rank, active
    session.add(level)
    session.add(AuditEntry(actor=actor, action="vip_level.save", target_type="vip_level",
                           target_id=code, details={"label": label, "rank": rank}))
    session.flush()
    return level


def assign_vip(
    session: Session, profile: GuestProfile, level_code: str | None, reason: str, actor: str
) -> VipAssignment | None:
    """Set (or with None clear) a profile's level; a staff choice always beats the suggestion."""
    reason = reason.strip()
    current = session.get(VipAssignment, profile.id)
    if level_code is None:
        if current is not None:
            session.delete(current)
        profile.vip_level = None
        _audit(session, actor, profile.id, None, reason)
        session.flush()
        return None
    if not reason:
        raise VipError("say why this guest is a VIP")
    level = session.scalar(select(VipLevel).where(VipLevel.code == level_code))
    if level is None or not level.active:
        raise VipError(f"no VIP level {level_code!r}")
    current = current or VipAssignment(profile_id=profile.id)
    current.level_id, current.reason, current.source = level.id, reason[:2000], "staff"
    current.set_by, current.set_at = actor, utcnow()
    session.add(current)
    profile.vip_level = level.code
    _audit(session, actor, profile.id, level.code, reason)
    session.flush()
    return current


def _audit(session: Session, actor: str, profile_id: int, code: str | None, reason: str) -> None:
    session.add(AuditEntry(actor=actor, action="profile.vip", target_type="guest_profile",
                           target_id=str(profile_id), details={"level": code, "reason": reason}))


def suggest_vip_levels(
    session: Session, profile_ids: list[int], settings: ValueSettings,
    tiers: dict[int, str | None] | None = None,
) -> None:
    """Top-tier guests get the configured level unless staff chose one; it leaves with the tier.

    `tiers` are the tiers just computed, when the caller has them (saves reading them back).
    """
    if not settings.pyramid_vip_level or not profile_ids:
        return
    if tiers is None:
        tiers = dict(session.execute(select(GuestValue.profile_id, GuestValue.tier).where(
            GuestValue.profile_id.in_(profile_ids))).all())
    tops = {pid for pid, tier in tiers.items() if tier == TIERS[0]}
    assigned = {a.profile_id: a for a in session.scalars(
        select(VipAssignment).where(VipAssignment.profile_id.in_(profile_ids)))}
    level = session.scalar(select(VipLevel).where(
        VipLevel.code == settings.pyramid_vip_level)) if tops - set(assigned) else None
    for pid in tiers:
        current = assigned.get(pid)
        if pid in tops and current is None and level is not None:
            session.add(VipAssignment(
                profile_id=pid, level_id=level.id, source="pyramid", set_by="system",
                reason=f"Top {settings.pyramid[TIERS[0]]:.0%} of the group's guests by spend"))
            session.get(GuestProfile, pid).vip_level = level.code
        elif pid not in tops and current is not None and current.source == "pyramid":
            session.delete(current)
            session.get(GuestProfile, pid).vip_level = None
    session.flush()
