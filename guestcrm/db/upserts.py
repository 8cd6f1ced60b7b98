"""INSERT … ON CONFLICT for the session's database: PostgreSQL's, else SQLite's (the embedded
default); both spell `on_conflict_do_nothing` / `on_conflict_do_update` the same way."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def conflict_insert(session: Session, target: object) -> postgresql.Insert | sqlite.Insert:
    """`insert(target)` of the session's dialect, with its ON CONFLICT clauses."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target)
