"""Ids for new rows before they are inserted, so a batch need not flush to learn them.

A batch (services/ingest/processing.py) calls `reserve_ids`; then, on PostgreSQL, its transaction
takes ids from each table's own sequence a small block at a time (`SELECT nextval(...) FROM
generate_series(...)`, one statement per block). The ids of a block it does not use are
skipped, as a rolled-back insert skips its id. Anywhere else (one event alone, SQLite)
`next_id` answers None and the insert assigns the id at the next flush.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from guestcrm.db.tx_scope import tx_dict

BLOCK = 16
_SEQUENCES: dict[tuple[str, str], str] = {}  # (database url, table) -> sequence name


def reserve_ids(session: Session) -> None:
    """Let this transaction (a batch) take new rows' ids ahead of their inserts."""
    if session.get_bind().dialect.name == "postgresql":
        tx_dict(session, "id_pool").setdefault("pools", {})


def next_id(session: Session, model: type) -> int | None:
    """A fresh id for a new `model` row, or None where the insert is to assign it."""
    pools = tx_dict(session, "id_pool").get("pools")
    if pools is None:
        return None
    bind = session.get_bind()
    table = model.__table__.name
    reserved = pools.setdefault(table, [])
    if not reserved:
        sequence = _sequence(session, str(getattr(bind, "engine", bind).url), table)
        reserved += session.connection().execute(
            text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)"),
            {"sequence": sequence, "n": BLOCK}).scalars()
        reserved.reverse()  # pop() hands them out in ascending order
    return reserved.pop()


def _sequence(session: Session, url: str, table: str) -> str:
    name = _SEQUENCES.get((url, table))
    if name is None:
        name = session.connection().execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}).scalar_one()
        if name is None:
            raise LookupError(f"table {table} has no id sequence")
        _SEQUENCES[(url, table)] = name
    return name
