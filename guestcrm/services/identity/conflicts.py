"""Exact keys never join two people the data tells apart (issue #17).

A parent and an adult child with the same full name often share the home phone, sometimes
the family email: the exact keys (a phone with the same full name, an email with agreeing
first names) point the child's reservation at the parent's profile. A birth year a
generation away, or Jr. against Sr., says it is someone else: that profile is not a
candidate, whatever key led to it, and two candidates that conflict are not merged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from guestcrm.models import GuestProfile
from guestcrm.schemas.reservation import CanonicalGuest
from guestcrm.services.identity.keys import GuestKeys
from guestcrm.services.identity.matching import GuestRecord, NormalizedRecord, normalize
from guestcrm.services.identity.matching.evidence import records_generation_apart


def _record(first: str | None, last: str | None, born: date | None) -> NormalizedRecord:
    return normalize(GuestRecord(record_id="", first_name=first, last_name=last,
                                 birth_date=born.isoformat() if born else None))


def people_apart(a: NormalizedRecord, b: NormalizedRecord) -> bool:
    """Surely two people: Jr. against Sr., or birth years a generation apart."""
    if a.suffix and b.suffix and a.suffix != b.suffix:
        return True
    return records_generation_apart(a, b)


def profile_record(profile: GuestProfile) -> NormalizedRecord:
    return _record(profile.first_name, profile.last_name, profile.birth_date)


def guest_record(guest: CanonicalGuest) -> NormalizedRecord:
    return _record(guest.first_name, guest.last_name, guest.birth_date)


def drop_conflicting(profiles: Sequence[GuestProfile], guest: CanonicalGuest, keys: GuestKeys,
                     exempt: GuestProfile | None = None) -> list[GuestProfile]:
    """The profiles that neither the guest nor an earlier kept profile is surely apart from.

    `exempt`: the profile already on this guest's seat of the same reservation (a corrected
    birth date on one booking is a correction, not a second person). The external ids of a
    dropped profile leave `keys`: an id belongs to one profile only.
    """
    if not profiles:
        return []
    mine = guest_record(guest)
    kept: list[tuple[GuestProfile, NormalizedRecord]] = []
    for profile in profiles:
        theirs = profile_record(profile)
        if profile is not exempt and people_apart(mine, theirs):
            continue
        if any(people_apart(theirs, other) for _, other in kept):
            continue
        kept.append((profile, theirs))
    out = [p for p, _ in kept]
    dropped = [p for p in profiles if p not in out]
    if dropped:
        held = {(e.kind, e.system, e.value) for p in dropped for e in p.external_ids}
        keys.external = [x for x in keys.external if (x[0], x[1], x[2]) not in held]
    return out
