"""Everything held about a guest, as JSON: every row of every table that refers to the guest's
profile (or to a profile merged into it), found through the schema's foreign keys so that a
table added later is included without being named here; mails and sign-in links sent to their
addresses; their stays with the stays' versions; the inbox messages of those stays and any
message that names them (footprint.py); the audit entries, merge records and review tasks
about them. Token digests are left out."""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table, false, or_, select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import (
    AuditEntry,
    EmailSignInLink,
    GuestProfile,
    InboxEvent,
    MergeRecord,
    OutboundMail,
    Stay,
    StayGuest,
    StayVersion,
)
from guestcrm.services.privacy.footprint import guest_footprint

SECRET_COLUMNS = {"token_digest", "code_digest", "secret_hash", "token_hash"}
PROFILE_TABLE = "guest_profile"


def export_guest(session: Session, profile_id: int) -> dict[str, Any]:
    """Everything held about the live guest `profile_id` (and the profiles merged into it) as
    plain JSON values: dates as ISO strings, amounts as strings, message bodies as text. Keys:
    `profiles`, one per table that refers to a profile (`contact_point`, `external_id`, ...;
    mails and sign-in links also when only their address is the guest's), `stays`,
    `stay_guests`, `stay_versions`, `inbox_messages`, `audit_entries`, `merge_records`. Reads
    only: the caller records the request (`record_export`). Raises NotFound for an unknown or
    merged-away id."""
    found = guest_footprint(session, profile_id)
    ids = found.profile_ids
    out: dict[str, Any] = {"exported_at": utcnow().isoformat(), "guest_id": profile_id,
                           "profiles": _rows(session, GuestProfile.__table__,
                                             GuestProfile.__table__.c.id.in_(ids))}
    addressed = {OutboundMail.__tablename__: found.addressed(OutboundMail.to_address),
                 EmailSignInLink.__tablename__: found.addressed(EmailSignInLink.email)}
    for table, columns in profile_references():
        if table.name in ("stay", "stay_guest"):
            continue  # below, with the stays
        out[table.name] = _rows(session, table, or_(*(column.in_(ids) for column in columns),
                                                    addressed.pop(table.name, false())))
    for name, where in addressed.items():
        out[name] = _rows(session, GuestProfile.metadata.tables[name], where)
    out["stays"] = _rows(session, Stay.__table__, Stay.__table__.c.id.in_(found.stay_ids))
    out["stay_guests"] = _rows(session, StayGuest.__table__,
                               StayGuest.__table__.c.profile_id.in_(ids))
    out["stay_versions"] = _rows(session, StayVersion.__table__,
                                 StayVersion.__table__.c.stay_id.in_(found.stay_ids))
    out["inbox_messages"] = _rows(session, InboxEvent.__table__,
                                  InboxEvent.__table__.c.id.in_(found.event_ids))
    out["audit_entries"] = _rows(session, AuditEntry.__table__, found.audit_entries())
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
