"""Pairs staff marked "different guests": remembered across later merges, never merged."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from guestcrm.db.upserts import conflict_insert
from guestcrm.models import GuestProfile, NotSamePair
from guestcrm.services.identity.lookup import live_profile


def live_id(session: Session, profile_id: int) -> int:
    return live_profile(session, profile_id).id


def members(session: Session, profile_id: int) -> set[int]:
    """The profile and every profile merged into it, directly or through others."""
    found, frontier = {profile_id}, [profile_id]
    while frontier:
        frontier = [i for i in session.scalars(
            select(GuestProfile.id).where(GuestProfile.merged_into_id.in_(frontier))
        ) if i not in found]
        found.update(frontier)
    return found


def not_same_partners(session: Session, profile_id: int) -> set[int]:
    """Live profiles staff said are someone else than this (live) profile."""
    mine = members(session, profile_id)
    rows = session.execute(select(NotSamePair.profile_a_id, NotSamePair.profile_b_id).where(
        or_(NotSamePair.profile_a_id.in_(mine), NotSamePair.profile_b_id.in_(mine))
    ))
    others = {b if a in mine else a for a, b in rows}
    return {live_id(session, o) for o in others} - {profile_id}


def are_not_same(session: Session, a: int, b: int) -> bool:
    return live_id(session, b) in not_same_partners(session, live_id(session, a))


def drop_not_same(session: Session, profiles: Sequence[GuestProfile], keys=None
                  ) -> list[GuestProfile]:
    """Keep the first profile and every later one that no kept profile is marked apart from:
    exact keys shared by two people staff separated must not join them again.

    `keys` (identity.GuestKeys): the external ids held by a dropped profile are removed from
    it, since an id belongs to one profile only and the kept one must not take it over.
    """
    if len(profiles) < 2 or session.scalar(select(NotSamePair.id).limit(1)) is None:
        return list(profiles)
    kept: list[GuestProfile] = []
    apart: set[int] = set()
    for profile in profiles:
        if profile.id in apart:
            continue
        kept.append(profile)
        apart |= not_same_partners(session, profile.id)
    dropped = [p for p in profiles if p not in kept]
    if keys is not None and dropped:
        held = {(e.kind, e.system, e.value) for p in dropped for e in p.external_ids}
        keys.external = [x for x in keys.external if (x[0], x[1], x[2]) not in held]
    return kept


def record_not_same(
    session: Session, a: int, b: int, by: str, reason: str | None = None
) -> NotSamePair:
    low, high = sorted((a, b))
    session.execute(
        conflict_insert(session, NotSamePair)
        .values(profile_a_id=low, profile_b_id=high, by=by, reason=reason)
        .on_conflict_do_nothing()
    )
    return session.scalar(select(NotSamePair).where(
        NotSamePair.profile_a_id == low, NotSamePair.profile_b_id == high))
