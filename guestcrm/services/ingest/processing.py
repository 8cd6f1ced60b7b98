"""Stored inbox events become stays and profiles: one event, or a batch in one transaction.

A batch is what makes a worker fast: one commit, one counters and value recompute for every
profile the batch touched, one round of bookkeeping. Before the events are ingested, the batch
reads at once what they will look up (the stays they name, the profiles holding their guests'
keys, those profiles' match records) and keeps it current in memory; new profiles and stays
take ids reserved ahead (db/id_pool.py), and the blocking index is written once at the
end (services/identity/match_index.py): so nothing flushes per event. If anything fails, the
batch is rolled back and run again with a savepoint per event, so that a message that breaks
on ingest rolls back alone: it keeps its error, stays `received`, and is retried on its own
(jobs/inbox.process_event, with rq's retries) instead of holding up the batch.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from marshmallow import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from connectors.base import ConnectorError, InboundMessage, ParseResult
from connectors.cloud import FetchNeeded
from connectors.registry import get_connector
from guestcrm.db.id_pool import reserve_ids
from guestcrm.db.locks import lock_keys
from guestcrm.db.tx_scope import keep_loaded
from guestcrm.models import InboxEvent, StayVersion
from guestcrm.services.identity.fuzzy import discard_pending
from guestcrm.services.identity.lookup import live_map
from guestcrm.services.identity.match_index import defer_match_index, write_deferred_match_index
from guestcrm.services.ingest.after_ingest import after_stays_changed
from guestcrm.services.ingest.reservations import (
    ingest_reservation,
    lock_names,
    prefetch_guests,
    prefetch_stays,
)
from guestcrm.services.recognition.notify import notice_ids
from guestcrm.services.value.counters import recompute_counters
from guestcrm.services.value.stay_facts import load_stay_facts

# Events per batch. Each batch has a fixed cost (a hundred-odd statements, whatever the size:
# one per table and set of columns, and the per-batch lookups); 250 instead of 100 drained 2,000
# fake PMS events 15% faster (3 alternating runs each; callgrind: 7.6% fewer instructions). A
# batch of 250 takes under a second; it only fills up when a backlog waits anyway.
DRAIN_BATCH = 250
# Advisory locks one batch may take (a few per event: its stay, its guests' ids, emails,
# phones and phonetic names). PostgreSQL keeps every session's locks in one shared table,
# sized by default for 64 x max_connections = 6,400: a batch that would need more ends early,
# and the events after it wait for the next batch, so that several workers never run the
# table out.
LOCK_BUDGET = 1000
log = logging.getLogger(__name__)


@dataclass
class BatchOutcome:
    processed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # could not be parsed: final
    crashed: list[int] = field(default_factory=list)  # broke on ingest: retried on their own
    notices: list[int] = field(default_factory=list)  # duty-manager notices to send after commit
    stays: list[int] = field(default_factory=list)  # stays written: perks to issue after commit
    fetch: list[int] = field(default_factory=list)  # cloud notifications: fetch after commit
    ignored: list[int] = field(default_factory=list)  # events that need nothing done

    @property
    def ids(self) -> list[int]:
        return sorted(self.processed + self.failed + self.crashed + self.fetch
                      + self.ignored)


def process_inbox_event(session: Session, inbox_id: int) -> InboxEvent | None:
    """Parse and ingest one stored message in one transaction; a parse error marks it failed,
    any other error propagates (the transaction rolled back) for the caller to record."""
    return process_one(session, inbox_id)[0]


def process_one(session: Session, inbox_id: int) -> tuple[InboxEvent | None, BatchOutcome]:
    """`process_inbox_event`, with the outcome (the notices to send once committed)."""
    events = _lock(session, [inbox_id], skip_locked=False)
    if not events:
        event = session.get(InboxEvent, inbox_id)
        session.rollback()
        return event, BatchOutcome()
    outcome = _process(session, events, isolate=False)
    session.commit()
    return events[0], outcome


def drain_batch(session: Session, after_id: int = 0, limit: int = DRAIN_BATCH) -> BatchOutcome:
    """Claim up to `limit` waiting events with ids above `after_id` that no other worker holds
    (and that never broke on ingest: those retry on their own), and process them together.

    The batch runs first without a savepoint per event (each would flush, and cost two
    statements, per event); only if that fails is it rolled back and run again with one
    savepoint per event, so that the event that breaks is set aside alone."""
    events = _claim(session, after_id, limit)
    if not events:
        session.rollback()
        return BatchOutcome()
    first, last = events[0].id, events[-1].id
    try:
        outcome = _process(session, events, isolate=False)
        session.commit()
        return outcome
    except Exception as exc:  # any failure: again, with one savepoint per event
        session.rollback()
        discard_pending(session)
        log.info("inbox events %s..%s: the batch failed (%s); again with a savepoint per event",
                 first, last, type(exc).__name__)
    events = _claim(session, after_id, limit)
    if not events:
        session.rollback()
        return BatchOutcome()
    ids = [event.id for event in events]
    try:
        outcome = _process(session, events, isolate=True)
        session.commit()
    except Exception:  # outside any one event's savepoint: the whole batch is undone
        session.rollback()
        log.exception("inbox events %s..%s: the batch failed as a whole", ids[0], ids[-1])
        return BatchOutcome(crashed=ids)
    return outcome


def _claim(session: Session, after_id: int, limit: int) -> list[InboxEvent]:
    """Waiting events after `after_id` that never broke on ingest and no other worker holds."""
    return _locked(session, skip_locked=True, limit=limit,
                   where=(InboxEvent.status == "received", InboxEvent.error.is_(None),
                          InboxEvent.id > after_id))


def _lock(session: Session, ids: Sequence[int], skip_locked: bool) -> list[InboxEvent]:
    """These events, unless processed already."""
    return _locked(session, skip_locked=skip_locked,
                   where=(InboxEvent.id.in_(ids), InboxEvent.status != "processed"))


def _locked(session: Session, skip_locked: bool, where: tuple, limit: int | None = None
            ) -> list[InboxEvent]:
    """The events matching `where`, in id order, locked FOR UPDATE (on PostgreSQL)."""
    query = select(InboxEvent).where(*where).order_by(InboxEvent.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=skip_locked)
    return list(session.scalars(query))


def _process(session: Session, events: list[InboxEvent], isolate: bool) -> BatchOutcome:
    """Parse every event, take every lock the batch needs (one statement, one global order),
    load what it will look up, ingest each event (in a savepoint when `isolate`), then write
    the blocking index and the stay versions and recount once for the batch."""
    outcome = BatchOutcome()
    keep_loaded(session)
    if not isolate:  # a savepoint's rollback would forget what was deferred
        defer_match_index(session)
    events, parsed, names = _parse_all(session, events, outcome)
    reservations = [r for message in parsed.values() for r in message.reservations]
    if len(reservations) > 1:  # one reservation alone gains nothing from ids taken ahead
        reserve_ids(session)
    lock_keys(session, names, hold=True)
    prefetch_stays(session, reservations)
    prefetch_guests(session, reservations)
    results: dict[int, dict] = {}
    version_rows: list[dict] = []  # stay_version rows, written together
    for event in (e for e in events if e.id in parsed):
        savepoint = session.begin_nested() if isolate else None
        try:
            result, versions = _ingest_event(session, event.id, parsed[event.id])
            if savepoint is not None:
                savepoint.commit()
        except Exception:
            if savepoint is None:
                raise
            savepoint.rollback()  # this also forgets what the transaction had looked up...
            discard_pending(session)
            _write_versions(session, version_rows)  # ...so the versions seen so far go in now
            _finish(event, "received", error=traceback.format_exc(limit=3)[-1000:])
            outcome.crashed.append(event.id)
            continue
        results[event.id] = result
        version_rows += versions
        outcome.processed.append(event.id)
    write_deferred_match_index(session)
    _write_versions(session, version_rows)
    outcome.notices = _after_batch(session, events, results)
    outcome.stays = sorted({s for r in results.values() for s in r["stays"]})
    return outcome


def _ingest_event(session: Session, inbox_id: int, message: ParseResult
                  ) -> tuple[dict, list[dict]]:
    """The event's result (stays, profiles as ingested, warnings) and its stay_version rows."""
    stays, profiles, versions = [], set(), []
    for reservation in message.reservations:
        ingested = ingest_reservation(session, reservation, inbox_event_id=inbox_id,
                                      in_batch=True)
        stays.append(ingested.stay.id)
        profiles |= ingested.profile_ids
        if ingested.version_row:
            versions.append(ingested.version_row)
    return {"stays": stays, "profiles": profiles, "warnings": message.warnings}, versions


def _write_versions(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(StayVersion), rows)
        rows.clear()


def _after_batch(session: Session, events: list[InboxEvent], results: dict[int, dict]
                 ) -> list[int]:
    """Counters and value figures of every profile touched, once; the events' bookkeeping.
    Returns the duty-manager notices the batch created (a VIP the PMS checked in)."""
    survivor = live_map(session, {p for r in results.values() for p in r["profiles"]})
    touched = set(survivor.values())
    facts = load_stay_facts(session, touched)  # one read of their stays for both
    recompute_counters(session, touched, facts=facts)
    stay_ids = sorted({s for r in results.values() for s in r["stays"]})
    noticed = notice_ids(session, stay_ids)
    after_stays_changed(session, stay_ids, touched, facts=facts)
    for event in events:
        if event.id in results:
            result = results[event.id]
            profiles = sorted({survivor[p] for p in result["profiles"] if p in survivor})
            _finish(event, "processed", result=result | {"profiles": profiles})
    return sorted(n for stay, n in notice_ids(session, stay_ids).items() if stay not in noticed)


def _parse_all(session: Session, events: list[InboxEvent], outcome: BatchOutcome
               ) -> tuple[list[InboxEvent], dict[int, ParseResult], list[str]]:
    """The events the batch takes, their parsed messages and the locks they need. Events are
    taken in id order while their locks fit in LOCK_BUDGET (the first always does); the rest
    stay waiting, for the next batch. One that cannot be parsed is failed for good."""
    taken: list[InboxEvent] = []
    parsed: dict[int, ParseResult] = {}
    names: set[str] = set()
    for event in events:
        message = InboundMessage(body=event.body, content_type=event.content_type,
                                 action=event.action, headers=event.headers)
        connector = get_connector(event.connector)
        try:
            result = connector.parse(message)
        except FetchNeeded:  # a cloud PMS notification: its data is at the vendor
            _finish(event, "fetching")
            outcome.fetch.append(event.id)
            taken.append(event)
            continue
        except (ConnectorError, ValidationError) as exc:
            _finish(event, "failed", error=f"cannot parse: {_reason(exc)}")
            outcome.failed.append(event.id)
            taken.append(event)
            continue
        if not result.reservations and result.warnings and getattr(connector, "fetches", False):
            _finish(event, "ignored", result={"ignored": result.warnings})
            outcome.ignored.append(event.id)
            taken.append(event)
            continue
        wanted = {name for r in result.reservations for name in lock_names(session, r)}
        if parsed and len(names) + len(wanted - names) > LOCK_BUDGET:
            break
        names |= wanted
        parsed[event.id] = result
        taken.append(event)
    return taken, parsed, sorted(names)


def _finish(event: InboxEvent, status: str, error: str | None = None,
            result: dict | None = None) -> None:
    event.attempts += 1
    event.status = status
    event.error = error
    if result is not None:
        event.result = result
        event.processed_at = datetime.now(UTC)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "invalid reservation: " + str(exc.messages)[:900]
    return str(exc)[:1000]


def mark_crashed(session: Session, inbox_id: int, reason: str) -> None:
    """Record an unexpected error on the event; it stays `received` so a retry may still succeed."""
    session.rollback()
    event = session.get(InboxEvent, inbox_id)
    if event is not None and event.status != "processed":
        event.attempts += 1
        event.error = reason[:1000]
        session.commit()
