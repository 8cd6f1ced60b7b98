"""Everything held about a guest, as JSON: every row of every table that refers to the guest's
profile (or to a profile merged into it), found through the schema's foreign keys so that a
table added later is included without being named here; their stays with the stays' versions;
the inbox messages of those stays and any message that named them; the audit entries, merge
records and review tasks about them. Token digests are left out."""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table, or_, select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import NotFound
from guestcrm.models import (
    AuditEntry,
    GuestProfile,
    InboxEvent,
    MergeRecord,
    Stay,
    StayGuest,
    StayVersion,
)
from guestcrm.services.privacy.erasure import guest_and_merged

SECRET_COLUMNS = {"token_digest", "code_digest", "secret_hash", "token_hash"}
PROFILE_TABLE = "guest_profile"


def export_guest(session: Session, profile_id: int) -> dict[str, Any]:
    """Everything held about the live guest `profile_id` (and the profiles merged into it) as
    plain JSON values: dates as ISO strings, amounts as strings, message bodies as text. Keys:
    `profiles`, one per table that refers to a profile (`contact_point`, `external_id`, ...),
    `stays`, `stay_guests`, `stay_versions`, `inbox_messages`, `audit_entries`,
    `merge_records`. Reads only: the caller records the request (`record_export`). Raises
    NotFound for an unknown or merged-away id."""
    profile = session.get(GuestProfile, profile_id)
    if profile is None or profile.merged_into_id is not None:
        raise NotFound(f"no guest {profile_id}")
    ids = guest_and_merged(session, profile_id)
    out: dict[str, Any] = {"exported_at": utcnow().isoformat(), "guest_id": profile_id,
                           "profiles": _rows(session, GuestProfile.__table__,
                                             GuestProfile.__table__.c.id.in_(ids))}
    for table, columns in profile_references():
        if table.name in ("stay", "stay_guest"):
            continue  # below, with the stays
        out[table.name] = _rows(session, table, or_(*(column.in_(ids) for column in columns)))
    stay_ids = set(session.scalars(select(StayGuest.stay_id).where(
        StayGuest.profile_id.in_(ids)))) | set(session.scalars(select(Stay.id).where(
            Stay.profile_id.in_(ids))))
    out["stays"] = _rows(session, Stay.__table__, Stay.__table__.c.id.in_(stay_ids))
    out["stay_guests"] = _rows(session, StayGuest.__table__,
                               StayGuest.__table__.c.profile_id.in_(ids))
    out["stay_versions"] = _rows(session, StayVersion.__table__,
                                 StayVersion.__table__.c.stay_id.in_(stay_ids))
    event_ids = {v["inbox_event_id"] for v in out["stay_versions"] if v["inbox_event_id"]}
    wanted = set(ids)
    for event_id, result in session.execute(select(InboxEvent.id, InboxEvent.result)
                                            .where(InboxEvent.status == "processed")):
        if wanted & set((result or {}).get("profiles") or []):
            event_ids.add(event_id)
    out["inbox_messages"] = _rows(session, InboxEvent.__table__,
                                  InboxEvent.__table__.c.id.in_(event_ids))
    out["audit_entries"] = _rows(session, AuditEntry.__table__, (
        AuditEntry.__table__.c.target_type == PROFILE_TABLE)
        & AuditEntry.__table__.c.target_id.in_([str(i) for i in ids]))
    merges = MergeRecord.__table__.c
    out["merge_records"] = _rows(session, MergeRecord.__table__,
                                 or_(merges.survivor_id.in_(ids), merges.merged_id.in_(ids)))
    return out


def profile_references() -> list[tuple[Table, list[Column]]]:
    """Every table with a foreign key to guest_profile, with those columns (a review task names
    two profiles), from the schema."""
    found = []
    for table in GuestProfile.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if any(fk.column.table.name == PROFILE_TABLE for fk in column.foreign_keys)]
        if columns and table.name != PROFILE_TABLE:
            found.append((table, columns))
    return found


def _rows(session: Session, table: Table, where) -> list[dict[str, Any]]:
    columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    return [{c.name: _plain(v) for c, v in zip(columns, row, strict=True)}
            for row in session.execute(select(*columns).where(where))]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(value).decode()}
    return value
