"""Pulls from a cloud PMS: the scheduled changed-since sync and the resumable backfill.

Both store pages of the vendor's reservations as inbox documents (via "sync" / "backfill") and
hand each to `handle` (the caller processes it), so they take the same path as webhooks: a page
already stored is a duplicate, a stay already known converges to its newest version.

The sync moves its cursor (the newest modification time it stored) only when every page is
stored: a vendor outage part way leaves it where it was, and the next sync asks again. A
backfill saves where the next page starts after every page it stored, so an interrupted one
resumes there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from connectors.cloud import Page, document_message
from connectors.http_client import VendorAuthError, VendorError
from guestcrm.errors import NotFound, Refused
from guestcrm.models import AuditEntry, BackfillRun, ConnectorConnection
from guestcrm.services.ingest.connections import api_for, record_vendor_error
from guestcrm.services.ingest.inbox import accept_message
from guestcrm.services.value.ranking import rank_all_tiers

FIRST_SYNC_WINDOW = timedelta(days=2)  # a first sync without --since reads this far back
BACKFILL_PAGE = 200
# A run `running` that stored a page this recently is being worked on: not started twice.
BACKFILL_BUSY = timedelta(minutes=2)
# Between nightly rankings a batch ranks its guests' spend by counting the guests above each
# (services/value/ranking.py): a cost that grows with the store. A backfill ranks everyone
# after its first page and every RERANK_PAGES pages after, so its batches look tiers up.
RERANK_PAGES = 50


@dataclass
class SyncReport:
    connector: str
    property_code: str
    pages: int = 0
    reservations: int = 0
    cursor: str | None = None
    error: str | None = None


def sync_connection(session: Session, row: ConnectorConnection, config: dict[str, Any],
                    handle: Callable[[int], None], since: datetime | None = None) -> SyncReport:
    """Store what changed at the vendor since the cursor (or `since`); see the module's text."""
    api = api_for(row, config)
    start = api.since_text(since) if since else row.sync_cursor or api.since_text(
        datetime.now(UTC) - FIRST_SYNC_WINDOW)
    report = SyncReport(row.connector, row.property_code, cursor=row.sync_cursor)
    newest = start
    try:
        for page in api.changed_since(start):
            _store(session, row, page, "sync", handle)
            report.pages += 1
            report.reservations += page.count
            newest = max(newest, page.newest_change or newest)
    except VendorError as exc:
        row = session.get(ConnectorConnection, row.id)
        if isinstance(exc, VendorAuthError):
            record_vendor_error(row, str(exc))
        report.error = str(exc)
        row.last_sync_at, row.last_sync_result = datetime.now(UTC), f"failed: {exc}"[:1000]
        session.commit()
        return report
    row = session.get(ConnectorConnection, row.id)
    row.sync_cursor = report.cursor = newest
    row.last_sync_at = datetime.now(UTC)
    row.last_sync_result = f"{report.reservations} reservations in {report.pages} pages"
    session.commit()
    return report


def _store(session: Session, row: ConnectorConnection, page: Page, via: str,
           handle: Callable[[int], None]) -> None:
    if not page.count:
        return
    message = document_message(page.document | {"property": row.property_code})
    accepted = accept_message(session, row.connector, message, credential=f"{via}:{row.id}",
                              via=via)
    if accepted.event.status == "received":
        handle(accepted.event.id)


def _refresh_statistics(session: Session) -> None:
    """Rank tiers (see RERANK_PAGES) and, on PostgreSQL, refresh the planner's statistics of
    the tables a backfill grows: autovacuum lags behind a bulk load, and a planner that still
    believes a table small scans it whole for every batch's look-ups."""
    rank_all_tiers(session)
    if session.get_bind().dialect.name == "postgresql":
        session.commit()
        session.execute(text("ANALYZE stay, stay_version, stay_guest, guest_profile, "
                             "contact_point, external_id, preference, profile_blocking_key, "
                             "profile_match_record, guest_value"))


def start_backfill(session: Session, row: ConnectorConnection, actor: str,
                   since: str | None = None) -> BackfillRun:
    """A new backfill of the connection's history (one at a time per connection)."""
    running = session.scalar(select(BackfillRun).where(
        BackfillRun.connection_id == row.id, BackfillRun.status.in_(("queued", "running"))))
    if running is not None:
        raise Refused(f"backfill {running.id} of {row.connector}:{row.property_code} is "
                      f"{running.status}; resume it instead")
    run = BackfillRun(connection_id=row.id, since=since, requested_by=actor, status="queued",
                      pages=0, reservations=0)
    session.add(run)
    session.flush()
    session.add(AuditEntry(actor=actor, action="connector.backfill", target_type="connection",
                           target_id=f"{row.connector}:{row.property_code}",
                           details={"run": run.id, "since": since}))
    session.commit()
    return run


def run_backfill(session: Session, run_id: int, config: dict[str, Any],
                 handle: Callable[[int], None],
                 progress: Callable[[BackfillRun], None] = lambda _run: None) -> BackfillRun:
    """Pull page after page from where the run stands; resumable at any point."""
    run = session.get(BackfillRun, run_id)
    if run is None:
        raise NotFound(f"no backfill {run_id}")
    if run.status == "done":
        return run
    now = datetime.now(UTC)
    if run.status == "running" and run.updated_at and now - run.updated_at < BACKFILL_BUSY:
        raise Refused(f"backfill {run.id} is running (a page stored at {run.updated_at:%H:%M:%S}"
                      " UTC); if its worker died, resume it two minutes after that")
    row = session.get(ConnectorConnection, run.connection_id)
    api = api_for(row, config)
    run.status, run.error, run.started_at = "running", None, run.started_at or now
    run.updated_at = now
    session.commit()
    try:
        for page in api.changed_since(run.since, cursor=run.cursor, page_size=BACKFILL_PAGE):
            _store(session, row, page, "backfill", handle)
            run = session.get(BackfillRun, run_id)
            run.cursor = page.next_cursor
            run.pages += 1
            run.reservations += page.count
            run.total = page.total if page.total is not None else run.total
            run.updated_at = datetime.now(UTC)
            if run.pages % RERANK_PAGES == 1:
                _refresh_statistics(session)
            session.commit()
            progress(run)
    except VendorError as exc:
        session.rollback()
        run = session.get(BackfillRun, run_id)
        if isinstance(exc, VendorAuthError):
            record_vendor_error(session.get(ConnectorConnection, run.connection_id), str(exc))
        run.status, run.error = "failed", f"{exc} (resume to go on from page {run.pages + 1})"
        session.commit()
        return run
    run = session.get(BackfillRun, run_id)
    run.status, run.finished_at = "done", datetime.now(UTC)
    session.commit()
    progress(run)
    return run


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None
    per_second: float
    eta_seconds: float | None


def pause_backfill(session: Session, run_id: int, status: str = "paused") -> BackfillRun:
    """Mark a run stopped part way (interrupted, or handed on to the next job slice)."""
    session.rollback()
    run = session.get(BackfillRun, run_id)
    if run is not None and run.status == "running":
        run.status = status
        session.commit()
    return run


def progress_of(run: BackfillRun, now: datetime | None = None) -> Progress:
    """Rate and time left of a backfill, from its counters and its start."""
    now = now or datetime.now(UTC)
    started = run.started_at or now
    end = run.finished_at or run.updated_at or now
    seconds = max((end - started).total_seconds(), 1e-6)
    rate = run.reservations / seconds if run.reservations else 0.0
    left = None
    if run.total and rate > 0 and run.status != "done":
        left = max(run.total - run.reservations, 0) / rate
    return Progress(run.reservations, run.total, rate, left)
