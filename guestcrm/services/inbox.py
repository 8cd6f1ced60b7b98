"""The webhook inbox: store first, process later, never lose an accepted message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError
from sqlalchemy import Insert, Row, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from connectors.base import ConnectorError, InboundMessage, get_connector
from guestcrm.models import AuditEntry, InboxEvent
from guestcrm.services.after_ingest import after_stays_changed
from guestcrm.services.cards import mask_card_data
from guestcrm.services.ingest import ingest_reservation


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
    """Store the (masked) message once; a repeat delivery only bumps the duplicate counter.

    On PostgreSQL and SQLite this is one INSERT ... ON CONFLICT DO NOTHING RETURNING (an
    UPDATE ... RETURNING for a repeat) and the commit; the returned event stays loaded."""
    masked = InboundMessage(
        body=mask_card_data(message.body),
        content_type=message.content_type,
        action=message.action,
        headers=message.headers,
    )
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


def process_inbox_event(session: Session, inbox_id: int) -> InboxEvent | None:
    """Parse and ingest one stored message in one transaction; a parse error marks it failed."""
    event = session.get(InboxEvent, inbox_id, with_for_update=_can_lock(session))
    if event is None or event.status == "processed":
        session.rollback()
        return event
    event.attempts += 1
    connector = get_connector(event.connector)
    message = InboundMessage(
        body=event.body, content_type=event.content_type, action=event.action, headers=event.headers
    )
    try:
        parsed = connector.parse(message)
    except (ConnectorError, ValidationError) as exc:
        return _fail(session, event, f"cannot parse: {_reason(exc)}")
    stays, profiles = [], set()
    for reservation in parsed.reservations:
        outcome = ingest_reservation(session, reservation, inbox_event_id=event.id)
        stays.append(outcome.stay.id)
        profiles |= outcome.profile_ids
    after_stays_changed(session, stays, profiles)
    event.status = "processed"
    event.error = None
    event.processed_at = datetime.now(UTC)
    event.result = {"stays": stays, "profiles": sorted(profiles), "warnings": parsed.warnings}
    session.commit()
    return event


def _can_lock(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "invalid reservation: " + str(exc.messages)[:900]
    return str(exc)[:1000]


def _fail(session: Session, event: InboxEvent, reason: str) -> InboxEvent:
    session.rollback()
    event = session.get(InboxEvent, event.id)
    event.attempts += 1
    event.status = "failed"
    event.error = reason
    session.commit()
    return event


def mark_crashed(session: Session, inbox_id: int, reason: str) -> None:
    """Record an unexpected error on the event; it stays `received` so a retry may still succeed."""
    session.rollback()
    event = session.get(InboxEvent, inbox_id)
    if event is not None and event.status != "processed":
        event.error = reason[:1000]
        session.commit()


def replay(session: Session, inbox_id: int, actor: str) -> InboxEvent:
    """Put a failed (or stuck) event back to `received`; the caller enqueues it after commit."""
    event = session.get(InboxEvent, inbox_id)
    if event is None:
        raise LookupError(f"no inbox event {inbox_id}")
    if event.status == "processed":
        raise ValueError(f"inbox event {inbox_id} is already processed")
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


def pending_ids(session: Session, older_than_seconds: int) -> list[int]:
    """Events still `received` after a while: Redis was down at accept time, or a worker died."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    return list(
        session.scalars(
            select(InboxEvent.id)
            .where(InboxEvent.status == "received", InboxEvent.received_at <= cutoff)
            .order_by(InboxEvent.id)
        )
    )
