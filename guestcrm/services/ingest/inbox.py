"""The webhook inbox: store first, process later, never lose an accepted message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Insert, Row, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from connectors.base import InboundMessage
from connectors.registry import get_connector
from guestcrm.errors import Conflict, NotFound
from guestcrm.models import AuditEntry, InboxEvent


@dataclass
class Accepted:
    event: InboxEvent
    duplicate: bool


def dedupe_key_for(connector_name: str, message: InboundMessage) -> str:
    vendor_id = get_connector(connector_name).dedupe_key(message)
    if vendor_id:
        return "id:" + vendor_id[:120]
    return "sha256:" + hashlib.sha256(message.body).hexdigest()


def accept_message(
    session: Session,
    connector_name: str,
    message: InboundMessage,
    credential: str | None = None,
    via: str = "webhook",
) -> Accepted:
    """Store the message once, card data masked; a repeat delivery only bumps the duplicate
    counter. A message from the webhook was masked by its connector's `extract`, so what is
    stored is exactly what the door checked; any other is masked here the same way.

    On PostgreSQL and SQLite this is one INSERT ... ON CONFLICT DO NOTHING RETURNING (an
    UPDATE ... RETURNING for a repeat) and the commit; the returned event stays loaded."""
    masked = message if message.masked else get_connector(connector_name).mask(message)
    key = dedupe_key_for(connector_name, masked)
    values = {
        "connector": connector_name,
        "dedupe_key": key,
        "body": masked.body,
        "content_type": masked.content_type[:128],
        "action": masked.action,
        "headers": masked.headers,
        "credential": credential,
        "via": via,
        "status": "received",
    }
    upsert = _upsert_statement(session)
    if upsert is None:
        return _accept_select_first(session, values)
    for _ in range(3):  # a row seen as conflicting may be gone by the UPDATE: insert again
        row = session.execute(upsert, values).first()
        if row is not None:
            session.commit()
            return Accepted(_loaded_event(session, row), duplicate=False)
        existing = session.scalars(
            update(InboxEvent)
            .where(InboxEvent.connector == connector_name, InboxEvent.dedupe_key == key)
            .values(duplicates=InboxEvent.duplicates + 1)
            .returning(InboxEvent)
        ).first()
        if existing is not None:
            session.expunge(existing)  # keep its loaded values through the commit
            session.commit()
            session.add(existing)
            return Accepted(existing, duplicate=True)
    raise RuntimeError(f"inbox event {connector_name}/{key} could be neither stored nor found")


_UPSERTS: dict[str, Insert] = {}


def _upsert_statement(session: Session) -> Insert | None:
    """INSERT ... ON CONFLICT (connector, dedupe_key) DO NOTHING RETURNING every column, built
    once per dialect; None where the database cannot do it (then: SELECT, then INSERT)."""
    dialect = session.get_bind().dialect
    statement = _UPSERTS.get(dialect.name)
    if statement is None:
        insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}.get(dialect.name)
        if insert is None or not (dialect.insert_returning and dialect.update_returning):
            return None
        table = InboxEvent.__table__
        statement = _UPSERTS[dialect.name] = (
            insert(table)
            .on_conflict_do_nothing(index_elements=[table.c.connector, table.c.dedupe_key])
            .returning(*table.c)
        )
    return statement


def _loaded_event(session: Session, row: Row) -> InboxEvent:
    """The stored event as a persistent object made from the RETURNING row: reading it costs
    no SELECT (callers may still refresh it)."""
    mapper = inspect(InboxEvent)
    event = InboxEvent(**{key: row._mapping[column] for key, column in mapper.columns.items()})
    make_transient_to_detached(event)
    session.add(event)
    return event


def _accept_select_first(session: Session, values: dict) -> Accepted:
    """Other databases: look the key up, insert when new."""
    existing = _find(session, values["connector"], values["dedupe_key"])
    if existing is not None:
        existing.duplicates += 1
        session.commit()
        return Accepted(existing, duplicate=True)
    event = InboxEvent(**values)
    session.add(event)
    try:
        session.commit()
    except IntegrityError:  # the same message raced in through another worker
        session.rollback()
        existing = _find(session, values["connector"], values["dedupe_key"])
        existing.duplicates += 1
        session.commit()
        return Accepted(existing, duplicate=True)
    return Accepted(event, duplicate=False)


def _find(session: Session, connector_name: str, key: str) -> InboxEvent | None:
    return session.scalar(
        select(InboxEvent).where(
            InboxEvent.connector == connector_name, InboxEvent.dedupe_key == key
        )
    )


def replay(session: Session, inbox_id: int, actor: str) -> InboxEvent:
    """Put a failed (or stuck) event back to `received`; the caller enqueues it after commit."""
    event = session.get(InboxEvent, inbox_id)
    if event is None:
        raise NotFound(f"no inbox event {inbox_id}")
    if event.status == "processed":
        raise Conflict(f"inbox event {inbox_id} is already processed")
    event.status = "received"
    session.add(
        AuditEntry(
            actor=actor,
            action="inbox.replay",
            target_type="inbox_event",
            target_id=str(event.id),
            details={"previous_error": event.error},
        )
    )
    session.commit()
    return event


def pending_events(session: Session, older_than_seconds: int) -> list[tuple[int, bool]]:
    """Events still `received` after a while (Redis was down at accept time, a worker died),
    as (id, broke on ingest before) pairs."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    rows = session.execute(
        select(InboxEvent.id, InboxEvent.error)
        .where(InboxEvent.status == "received", InboxEvent.received_at <= cutoff)
        .order_by(InboxEvent.id)
    )
    return [(inbox_id, error is not None) for inbox_id, error in rows]


def stuck_fetches(session: Session, older_than_seconds: int) -> list[int]:
    """Cloud notifications left `fetching` a while (the worker fetching them died)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=max(older_than_seconds, 300))
    return list(session.scalars(
        select(InboxEvent.id)
        .where(InboxEvent.status == "fetching", InboxEvent.received_at <= cutoff)
        .order_by(InboxEvent.id)
    ))
