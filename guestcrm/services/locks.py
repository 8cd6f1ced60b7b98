"""Transaction-scoped locks that serialize work on the same stay or the same guest keys."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """Take PostgreSQL advisory locks, held until commit, in a fixed order to avoid deadlocks.

    SQLite serializes writers by itself, so there this does nothing.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted({_key_id(k) for k in keys})
    for key_id in ids:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key_id})


def _key_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
