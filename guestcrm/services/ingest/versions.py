"""The version key of a delivery: what orders the versions of one reservation.

Vendor time (LastModifyDateTime / CreateDateTime), sequence, status rank (a cancellation
outranks a confirmation at the same instant) and a digest of the content, so that the same
message delivered twice has the same key and any two different ones are ordered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from datetime import UTC

from guestcrm.schemas.reservation import STATUS_RANK, CanonicalReservation

_EPOCH = "0000-00-00T00:00:00.000000"


def version_key(reservation: CanonicalReservation, snapshot: dict | None = None) -> str:
    """Vendor time, sequence, status rank and a digest of the content (its `snapshot`)."""
    stamp = (
        reservation.modified_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        if reservation.modified_at
        else _EPOCH
    )
    content = json.dumps(snapshot or reservation_snapshot(reservation), sort_keys=True).encode()
    digest = hashlib.sha256(content).hexdigest()[:16]
    return f"{stamp}|{reservation.sequence:010d}|{STATUS_RANK[reservation.status]}|{digest}"


def reservation_snapshot(reservation: CanonicalReservation) -> dict:
    """The reservation as plain JSON values (dates and amounts as strings): what
    `json.loads(json.dumps(asdict(reservation), default=str))` gives, without the deep copies
    and the text in between."""
    return _plain(reservation)


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}  # per type: its dataclass fields, or None
_SCALARS = (str, int, float)  # a tuple: isinstance over a union type is slower
_SEQUENCES = (list, tuple)
_UNSEEN = object()


def _plain(value: object) -> object:
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, _SEQUENCES):
        return [_plain(item) for item in value]
    kind = type(value)
    names = _FIELD_NAMES.get(kind, _UNSEEN)
    if names is _UNSEEN:
        names = _FIELD_NAMES[kind] = (
            tuple(f.name for f in fields(value)) if is_dataclass(value) else None)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {_json_key(key): _plain(item) for key, item in value.items()}
    return str(value)  # dates, times, amounts: as json.dumps(default=str) writes them


def _json_key(key: object) -> str:
    if isinstance(key, str):
        return key
    return json.loads(json.dumps({key: 0})).popitem()[0]  # JSON's own spelling of the key
