"""A batch's memory of which profiles hold which exact keys (services/ingest/processing.py).

`prefetch_keys` asks the database once for every external id, email and phone a whole batch
of reservations carries, and loads the profiles holding them. From then on, until the
transaction ends, `exact_keys.find_profiles` answers those keys from memory, and every key a
profile gains in the batch (`note_keys`, called by `guests.enrich_profile`) is added, so a
later reservation of the batch finds what an earlier one created without a query (nor the
flush of everything pending that each query would cost).

Merges move contacts and ids to the survivor; the memory keeps the old holder and
`find_profiles` follows it to the survivor (lookup.live_profile), as it does for rows read
from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from guestcrm.db.tx_scope import tx_dict
from guestcrm.models import ContactPoint, ExternalId, GuestProfile

if TYPE_CHECKING:  # identity.py reads this index: no import at run time
    from guestcrm.services.identity.keys import GuestKeys

_CHUNK = 1000  # keys per IN (...) list
# What ingest reads of a returning guest, loaded with the profiles (a query per relation for
# the whole batch): loaded one profile at a time, each load would flush all that is pending.
_WITH_DETAILS = (selectinload(GuestProfile.contacts), selectinload(GuestProfile.external_ids),
                 selectinload(GuestProfile.preferences))


@dataclass
class KeyIndex:
    """Key -> ids of the profiles holding it; a key absent from a map was never asked."""

    external: dict[tuple[str, str, str], set[int]] = field(default_factory=dict)
    emails: dict[str, set[int]] = field(default_factory=dict)
    phones: dict[str, set[int]] = field(default_factory=dict)

    def covers(self, keys: GuestKeys) -> bool:
        """Whether every exact key of this guest is known here."""
        return (all((k, s, v) in self.external for k, s, v, _ in keys.external)
                and all(e in self.emails for e in keys.identifying_emails)
                and all(p in self.phones for _, p, _ in keys.phones))


def key_index(session: Session) -> KeyIndex | None:
    """The transaction's index, if a batch prefetched one."""
    return tx_dict(session, "key_index").get("index")


def prefetch_keys(session: Session, all_keys: Iterable[GuestKeys]) -> set[int]:
    """Look up every key of these guests at once; keep the answers, and
    the profiles holding them, for the rest of the transaction. Returns the profiles' ids."""
    index = KeyIndex()
    external, emails, phones = set(), set(), set()
    for keys in all_keys:
        external.update((k, s, v) for k, s, v, _ in keys.external)
        emails.update(keys.identifying_emails)
        phones.update(p for _, p, _ in keys.phones)
    for chunk in _chunks(sorted(external)):
        rows = session.execute(select(ExternalId.kind, ExternalId.system, ExternalId.value,
                                      ExternalId.profile_id)
                               .where(tuple_(ExternalId.kind, ExternalId.system,
                                             ExternalId.value).in_(chunk)))
        for kind, system, value, profile_id in rows:
            index.external.setdefault((kind, system, value), set()).add(profile_id)
    for kind, wanted, found in (("email", emails, index.emails), ("phone", phones, index.phones)):
        for chunk in _chunks(sorted(wanted)):
            rows = session.execute(select(ContactPoint.value_normalized, ContactPoint.profile_id)
                                   .where(ContactPoint.kind == kind,
                                          ContactPoint.value_normalized.in_(chunk)))
            for value, profile_id in rows:
                found.setdefault(value, set()).add(profile_id)
    for key in external:
        index.external.setdefault(key, set())
    for value in emails:
        index.emails.setdefault(value, set())
    for value in phones:
        index.phones.setdefault(value, set())
    holders = {p for m in (index.external, index.emails, index.phones)
               for ids in m.values() for p in ids}
    loaded = _load_profiles(session, holders)
    tx_dict(session, "key_index")["index"] = index
    return loaded


def note_keys(session: Session, profile: GuestProfile, keys: GuestKeys) -> None:
    """`profile` now holds these keys: remember it, if a batch indexes."""
    index = key_index(session)
    if index is None:
        return
    for kind, system, value, _ in keys.external:
        index.external.setdefault((kind, system, value), set()).add(profile.id)
    for _, email, _, _ in keys.emails:
        index.emails.setdefault(email, set()).add(profile.id)
    for _, phone, _ in keys.phones:
        index.phones.setdefault(phone, set()).add(profile.id)


def _load_profiles(session: Session, ids: set[int]) -> set[int]:
    """Load these profiles and the ones they were merged into, a few queries in all: the
    lookups that follow find them in the session. Returns the ids of all it loaded."""
    loaded = set(ids)
    while ids:
        merged_into = set()
        for chunk in _chunks(sorted(ids)):
            for profile in session.scalars(select(GuestProfile).options(*_WITH_DETAILS)
                                           .where(GuestProfile.id.in_(chunk))):
                if profile.merged_into_id is not None:
                    merged_into.add(profile.merged_into_id)
        ids = {i for i in merged_into
               if session.identity_map.get(identity_key(GuestProfile, i)) is None}
        loaded |= ids
    return loaded


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]
