"""Which of a guest's addresses and numbers staff see first: a staff correction before what a
PMS sent, then the most recently seen; one staff marked wrong (not valid) never."""

from __future__ import annotations

from collections.abc import Iterable

from guestcrm.models import ContactPoint

STAFF_SOURCE = "staff"


def primary_contacts(contacts: Iterable[ContactPoint]) -> dict[str, ContactPoint]:
    """kind ('email' | 'phone') -> the valid contact shown first."""
    best: dict[str, ContactPoint] = {}
    for contact in sorted(contacts, key=_rank):
        if contact.is_valid:
            best.setdefault(contact.kind, contact)
    return best


def ordered_contacts(contacts: Iterable[ContactPoint]) -> list[ContactPoint]:
    return sorted(contacts, key=_rank)


def _rank(contact: ContactPoint) -> tuple:
    return (not contact.is_valid, contact.source != STAFF_SOURCE,
            -contact.last_seen.timestamp() if contact.last_seen else 0, contact.id or 0)
