"""The database side of blocking: a profile as matcher records, and its rows in the
blocking-key table, kept current whenever the profile's data changes.

Call `refresh_match_index(session, ids)` after anything that changes a profile's names,
contacts, ids or address (ingest, merge, unmerge, staff edits); tombstones (merged profiles)
lose their rows, so candidates found through the table are always live profiles.

A batch (services/ingest/processing.py) defers the writes: `defer_match_index` makes the
refreshes of its transaction keep each changed profile's records and keys in memory
(`deferred_entries`, which the fuzzy candidate search reads over the table), and
`write_deferred_match_index` writes them all at the end of the batch, so no refresh flushes
the batch's pending rows on the way.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, delete, insert, inspect, select, tuple_, update
from sqlalchemy.orm import Session

from guestcrm.db.tx_scope import tx_dict
from guestcrm.models import GuestProfile, ProfileBlockingKey, ProfileMatchRecord
from guestcrm.services.identity.lookup import is_new_profile, profile_by_id
from guestcrm.services.identity.matching import GuestRecord, MatchSettings, normalize
from guestcrm.services.identity.matching.blocking import blocking_keys
from guestcrm.services.identity.matching.records import RECORD_FIELDS

# A profile with many emails/phones is scored as a few records (best one counts); more than
# this adds cost on the latency path and little evidence.
MAX_RECORDS = 4


def profile_records(profile: GuestProfile) -> list[GuestRecord]:
    """The profile as matcher records: its newest email and phone first, then one record per
    further email or phone, so a guest found through an older address is scored on it."""
    contacts = _newest_first(profile.contacts)
    emails = [c.value_normalized for c in contacts
              if c.kind == "email" and not c.is_relay and c.is_valid]
    phones = [c.value_normalized for c in contacts if c.kind == "phone" and c.is_valid]
    loyalty = next((e.value for e in profile.external_ids if e.kind == "loyalty"), None)
    base = {
        "source": "profile",
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "birth_date": profile.birth_date.isoformat() if profile.birth_date else None,
        "street": profile.street,
        "city": profile.city,
        "postal_code": profile.postal_code,
        "country": profile.country,
        "language": profile.language,
        "loyalty_id": loyalty,
    }
    first_email = emails[0] if emails else None
    first_phone = phones[0] if phones else None
    variants = [(first_email, first_phone)]
    variants += [(e, first_phone) for e in emails[1:]]
    variants += [(first_email, p) for p in phones[1:]]
    out = []
    for i, (email, phone) in enumerate(variants[:MAX_RECORDS]):
        rid = str(profile.id) if i == 0 else f"{profile.id}#{i}"
        out.append(GuestRecord(record_id=rid, email=email, phone=phone, **base))
    return out


def _newest_first(contacts: list) -> list:
    """By last sighting, then by id, newest first; a contact not inserted yet ranks as the
    id it will get would (after every inserted one, in the order they were added)."""
    ranked = sorted(enumerate(contacts), reverse=True, key=lambda item: (
        item[1].last_seen, item[1].id is None, item[1].id or 0, item[0]))
    return [contact for _, contact in ranked]


def record_keys(records: Iterable[GuestRecord], settings: MatchSettings | None = None) -> set[str]:
    s = settings or MatchSettings()
    keys: set[str] = set()
    for rec in records:
        keys.update(blocking_keys(normalize(rec, s.default_region, s.relay_domains)))
    return {k for k in keys if len(k) <= 255}


def records_to_json(records: list[GuestRecord]) -> list[dict]:
    """The records' set fields, in field order (what `asdict` gives, without its deep copies:
    every field is a string or None)."""
    return [{name: value for name in RECORD_FIELDS if (value := getattr(r, name)) is not None}
            for r in records]


def records_from_json(rows: list[dict]) -> list[GuestRecord]:
    return [GuestRecord(**row) for row in rows]


def refresh_match_index(session: Session, profile_ids: Iterable[int]) -> None:
    """Rewrite the blocking keys and match records of these profiles (live ones only).

    The keys are a function of the records, so a profile whose records did not change (a
    returning guest, a modified booking) costs no key work, and no statement when its stored
    records are already in the transaction's memory (`prefetch_match_records`)."""
    ids = sorted(set(profile_ids))
    if not ids:
        return
    deferred = tx_dict(session, "match_index").get("deferred")
    profiles = {profile_id: profile_by_id(session, profile_id) for profile_id in ids}
    if deferred is None and any(_unsaved(p) for p in profiles.values() if p is not None):
        session.flush()  # new rows get their ids, and defaults, before they are compared
    stored = prefetch_match_records(session, ids)
    changed: dict[int, list[GuestRecord]] = {}
    writes: dict[str, list[dict]] = {"insert": [], "update": [], "delete": [], "none": []}
    for profile_id, profile in profiles.items():
        live = profile is not None and profile.merged_into_id is None
        records = profile_records(profile) if live else []
        as_json = records_to_json(records)
        row = stored[profile_id]
        if row is not None and row == as_json:
            if deferred is not None:
                deferred.pop(profile_id, None)  # back to what the table holds
            continue
        if deferred is not None:
            deferred[profile_id] = (records, record_keys(records) if records else set())
            continue
        changed[profile_id] = records
        writes[_write_kind(row, live)].append({"pid": profile_id, "records": as_json})
        stored[profile_id] = as_json if live else None
    _write_records(session, writes)
    if changed:
        _rewrite_keys(session, changed)


def _write_kind(row: list | None, live: bool) -> str:
    if not live:
        return "delete" if row is not None else "none"
    return "insert" if row is None else "update"


def _write_records(session: Session, writes: dict[str, list[dict]]) -> None:
    """The match records' changes: a statement per kind of change, for all profiles."""
    table = ProfileMatchRecord.__table__
    if writes["delete"]:
        session.execute(delete(table).where(
            table.c.profile_id.in_([w["pid"] for w in writes["delete"]])))
    if writes["insert"]:
        session.execute(insert(table), [{"profile_id": w["pid"], "records": w["records"]}
                                        for w in writes["insert"]])
    if writes["update"]:
        session.execute(update(table).where(table.c.profile_id == bindparam("b_pid"))
                        .values(records=bindparam("b_records")),
                        [{"b_pid": w["pid"], "b_records": w["records"]} for w in writes["update"]])


def defer_match_index(session: Session) -> None:
    """Until `write_deferred_match_index`, this transaction's refreshes stay in memory."""
    tx_dict(session, "match_index")["deferred"] = {}


def deferred_entries(session: Session) -> dict[int, tuple[list[GuestRecord], set[str]]]:
    """Profile id -> (records, blocking keys) the table does not hold yet (a profile merged
    away: no records, no keys). Empty unless a batch defers."""
    return tx_dict(session, "match_index").get("deferred") or {}


def write_deferred_match_index(session: Session) -> None:
    """Write what the batch deferred (recomputed from the profiles as they are now)."""
    deferred = tx_dict(session, "match_index").pop("deferred", None)
    if deferred:
        refresh_match_index(session, deferred)


def prefetch_match_records(session: Session, profile_ids: Iterable[int]) -> dict[int, list | None]:
    """The stored match records of these profiles (None: no row), read once per transaction:
    the transaction's memory of them, which `refresh_match_index` keeps current."""
    stored = tx_dict(session, "match_records")
    missing = set(profile_ids) - set(stored)
    stored.update(dict.fromkeys(p for p in missing if is_new_profile(session, p)))
    missing = sorted(p for p in missing if p not in stored)
    with session.no_autoflush:  # the table is written with statements, never pending
        for start in range(0, len(missing), 1000):
            chunk = missing[start:start + 1000]
            stored.update(dict.fromkeys(chunk))
            stored.update(session.execute(
                select(ProfileMatchRecord.profile_id, ProfileMatchRecord.records)
                .where(ProfileMatchRecord.profile_id.in_(chunk))).all())
    return stored


def _unsaved(profile: GuestProfile) -> bool:
    """The profile, or one of its contacts or ids, is not in the database yet."""
    return (profile.id is None or inspect(profile).pending
            or any(c.id is None for c in profile.contacts)
            or any(e.id is None for e in profile.external_ids))


def _rewrite_keys(session: Session, changed: dict[int, list[GuestRecord]]) -> None:
    current: dict[int, set[str]] = {profile_id: set() for profile_id in changed}
    for profile_id, key in session.execute(
        select(ProfileBlockingKey.profile_id, ProfileBlockingKey.key)
        .where(ProfileBlockingKey.profile_id.in_(list(changed)))
    ):
        current[profile_id].add(key)
    stale_rows, fresh_rows = [], []
    for profile_id, records in changed.items():
        wanted = record_keys(records) if records else set()
        stale_rows += [(profile_id, k) for k in sorted(current[profile_id] - wanted)]
        fresh_rows += [{"profile_id": profile_id, "key": k}
                       for k in sorted(wanted - current[profile_id])]
    if stale_rows:
        session.execute(delete(ProfileBlockingKey).where(
            tuple_(ProfileBlockingKey.profile_id, ProfileBlockingKey.key).in_(stale_rows)))
    if fresh_rows:
        session.execute(insert(ProfileBlockingKey), fresh_rows)


def rebuild_match_index(session: Session, batch: int = 1000, progress=None) -> int:
    """Every live profile's rows, from scratch (after an upgrade or a bulk load)."""
    session.execute(delete(ProfileBlockingKey))
    session.execute(delete(ProfileMatchRecord))
    tx_dict(session, "match_records").clear()
    ids = list(session.scalars(
        select(GuestProfile.id).where(GuestProfile.merged_into_id.is_(None)).order_by(GuestProfile.id)
    ))
    for start in range(0, len(ids), batch):
        refresh_match_index(session, ids[start:start + batch])
        if progress:
            progress(f"indexed {min(start + batch, len(ids))}/{len(ids)} profiles")
    return len(ids)
