"""Transaction-scoped locks that serialize work on the same stay or the same guest keys."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from guestcrm.db.tx_scope import tx_dict

# Volatile functions in the select list run after the sort: the locks are taken in key order.
_LOCK_SQL = text(
    "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"
)


def lock_keys(session: Session, keys: Iterable[str], *, hold: bool = False) -> None:
    """Take PostgreSQL advisory locks, held until commit, in a fixed order (one statement).

    `hold=True` (outside any savepoint only: rolling back to a savepoint releases the locks
    taken after it) remembers them, so later calls in the same transaction skip them: a batch
    takes every lock it will need up front, in one global order, so batches never deadlock.
    SQLite serializes writers by itself, so there this does nothing.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    held = tx_dict(session, "advisory_locks")
    ids = sorted({_key_id(k) for k in keys} - held.keys())
    if not ids:
        return
    session.execute(_LOCK_SQL, {"keys": ids})
    if hold:
        held.update(dict.fromkeys(ids))


def _key_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
