"""Finding a guest's personal data in stored copies: every spelling of their names, addresses,
phone numbers, birth date and ids that the database holds for them (profiles, contacts, ids,
and the guest entries of their reservations' snapshots), replaced wherever it stands in text,
JSON and raw message bodies (also as XML and JSON would escape it)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import ContactPoint, ExternalId, GuestProfile, StayGuest, StayVersion

ERASED = "[erased]"
MIN_NAME, MIN_OTHER = 2, 5


class Redactor:
    """Replaces the guest's personal strings, as whole words, whatever their case."""

    def __init__(self, names: Iterable[str], others: Iterable[str]) -> None:
        words = {w.strip() for w in names if w and len(w.strip()) >= MIN_NAME}
        words |= {w.strip() for w in others if w and len(w.strip()) >= MIN_OTHER}
        variants = set()
        for word in words:
            variants |= {word, html.escape(word), word.replace("'", "&apos;"),
                         json.dumps(word)[1:-1]}
        self.strings = sorted(variants, key=len, reverse=True)
        self.pattern = (re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, self.strings))
                                   + r")(?!\w)", re.IGNORECASE) if self.strings else None)

    def text(self, value: str) -> str:
        return self.pattern.sub(ERASED, value) if self.pattern else value

    def value(self, data: Any) -> Any:
        """A JSON value with every string redacted (keys too)."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self.value(item) for item in data]
        if isinstance(data, dict):
            return {self.text(str(k)): self.value(v) for k, v in data.items()}
        return data

    def raw(self, body: bytes) -> bytes:
        text = body.decode("utf-8", errors="surrogateescape")
        return self.text(text).encode("utf-8", errors="surrogateescape")

    def found_in(self, text: str) -> bool:
        return bool(self.pattern and self.pattern.search(text))


def guest_redactor(session: Session, profile_ids: list[int]) -> Redactor:
    names: set[str] = set()
    others: set[str] = set()
    for profile in session.scalars(select(GuestProfile).where(GuestProfile.id.in_(profile_ids))):
        _person(names, others, profile.first_name, profile.middle_name, profile.last_name)
        others |= {profile.street or "", profile.company or "",
                   profile.birth_date.isoformat() if profile.birth_date else ""}
    for raw, normalized in session.execute(select(ContactPoint.value_raw,
                                                  ContactPoint.value_normalized)
                                           .where(ContactPoint.profile_id.in_(profile_ids))):
        others |= {raw, normalized}
    others |= set(session.scalars(select(ExternalId.value).where(
        ExternalId.profile_id.in_(profile_ids))))
    for guest in guest_snapshots(session, profile_ids):
        _person(names, others, guest.get("first_name"), guest.get("middle_name"),
                guest.get("last_name"))
        others |= {str(guest.get("birth_date") or "")}
        for item in guest.get("emails") or []:
            others.add(str(item.get("address") or ""))
        for item in guest.get("phones") or []:
            others.add(str(item.get("number") or ""))
        for item in guest.get("loyalty") or []:
            others.add(str(item.get("number") or ""))
        address = guest.get("address") or {}
        if isinstance(address, dict):
            others.add(str(address.get("street") or ""))
    return Redactor(names, others)


def guest_snapshots(session: Session, profile_ids: list[int]) -> list[dict]:
    """The guest entries of this guest in their stays' stored versions."""
    seats = session.execute(select(StayGuest.stay_id, StayGuest.position)
                            .where(StayGuest.profile_id.in_(profile_ids))).all()
    wanted = {(stay_id, position) for stay_id, position in seats}
    out = []
    for stay_id, snapshot in session.execute(select(StayVersion.stay_id, StayVersion.snapshot)
                                             .where(StayVersion.stay_id.in_(
                                                 {s for s, _ in wanted}))):
        for position, guest in enumerate((snapshot or {}).get("guests") or []):
            if (stay_id, position) in wanted and isinstance(guest, dict):
                out.append(guest)
    return out


def _person(names: set[str], others: set[str], first: str | None, middle: str | None,
            last: str | None) -> None:
    parts = [p.strip() for p in (first, middle, last) if p and p.strip()]
    names |= set(parts)
    if len(parts) > 1:
        others.add(" ".join(parts))
