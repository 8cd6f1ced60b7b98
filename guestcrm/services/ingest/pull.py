"""Pulling reservations from a booking system into the inbox, acknowledged after commit."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from connectors.base import Puller
from guestcrm.services.ingest.inbox import accept_message
from guestcrm.services.ingest.processing import process_inbox_event


@dataclass
class PullReport:
    source: str
    reservations: int = 0
    event_id: int | None = None
    status: str = "empty"  # empty | processed | failed
    acknowledged: list[str] = field(default_factory=list)
    error: str | None = None


def pull_guest_requests(session: Session, puller: Puller) -> PullReport:
    """Fetch, store and ingest one batch; acknowledge it only once it is committed.

    Raises connectors.base.ConnectorError when the source cannot be reached or answers with
    an error: nothing is stored then, and the next pull asks again.
    """
    batch = puller.fetch()
    report = PullReport(source=puller.name, reservations=batch.reservations)
    if batch.empty:
        return report
    accepted = accept_message(
        session, puller.connector, batch.message, credential=f"pull:{puller.name}", via="pull"
    )
    event = process_inbox_event(session, accepted.event.id)
    report.event_id, report.status, report.error = event.id, event.status, event.error
    if event.status == "processed":
        report.acknowledged = puller.acknowledge(batch)
    return report
