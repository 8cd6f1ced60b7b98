"""Finding the inbox messages that name a guest but were never processed (a parse failure, one
still waiting): no stay or result points to them, so their raw bodies are searched for the
guest's email addresses, phone numbers, or first and last name together."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from guestcrm.models import ContactPoint, GuestProfile, InboxEvent


@dataclass
class GuestIdentifiers:
    """What identifies the guest in a message: any contact alone, a name only in full."""

    contacts: set[str] = field(default_factory=set)
    names: set[tuple[str, str]] = field(default_factory=set)

    def prefilter(self) -> set[str]:
        """Strings one of which a naming body must hold as stored (a cheap SQL test)."""
        out = set(self.contacts)
        for _, last in self.names:
            out |= {last, last.upper(), last.lower()}
        return {s for s in out if s}

    def named_in(self, text: str) -> bool:
        lowered = text.lower()
        if any(contact.lower() in lowered for contact in self.contacts):
            return True
        return any(_word(first, text) and _word(last, text) for first, last in self.names)


def guest_identifiers(session: Session, profile_ids: list[int]) -> GuestIdentifiers:
    found = GuestIdentifiers()
    for raw, normalized in session.execute(
            select(ContactPoint.value_raw, ContactPoint.value_normalized)
            .where(ContactPoint.profile_id.in_(profile_ids))):
        found.contacts |= {v.strip() for v in (raw, normalized) if v and len(v.strip()) >= 5}
    for first, last in session.execute(select(GuestProfile.first_name, GuestProfile.last_name)
                                       .where(GuestProfile.id.in_(profile_ids))):
        if first and last and first.strip() and last.strip():
            found.names.add((first.strip(), last.strip()))
    return found


def unprocessed_naming(session: Session, who: GuestIdentifiers) -> set[int]:
    """Ids of the messages not processed whose body names the guest."""
    needles = who.prefilter()
    if not needles:
        return set()
    candidates = session.execute(
        select(InboxEvent.id, InboxEvent.body).where(
            InboxEvent.status != "processed",
            or_(*(InboxEvent.body.op("LIKE", is_comparison=True)(_pattern(n))
                  for n in needles))))
    return {event_id for event_id, body in candidates
            if who.named_in(body.decode("utf-8", errors="replace"))}


def _word(word: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, re.IGNORECASE) is not None


def _pattern(needle: str) -> bytes:
    # LIKE over the raw bytes: % and _ left as they are only widen the test (named_in decides).
    return b"%" + needle.encode().replace(b"\\", b"\\\\") + b"%"
