"""Pulling guest requests from AlpineBits servers into the inbox, acknowledged after commit."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from connectors.alpinebits import (
    POLLED_HOTEL_HEADER,
    VERSION_HEADER,
    acks_for,
    parse_retrieve_response,
)
from connectors.alpinebits_client import AlpineBitsClient
from connectors.alpinebits_messages import ACTION_READ
from connectors.base import InboundMessage
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


def pull_guest_requests(session: Session, client: AlpineBitsClient) -> PullReport:
    """Fetch, store and ingest one batch; acknowledge it only once it is committed.

    Raises connectors.base.ConnectorError when the server cannot be reached or answers with
    an error: nothing is stored then, and the next pull asks again.
    """
    source = client.source
    body = client.read_guest_requests()
    parsed = parse_retrieve_response(
        body, hotel_code=source.hotel_code, hotel_name=source.hotel_name
    )
    report = PullReport(source=source.name, reservations=len(parsed.reservations))
    if not parsed.reservations and not parsed.warnings:
        return report
    message = InboundMessage(
        body=body,
        content_type="application/xml",
        action=ACTION_READ,
        headers={POLLED_HOTEL_HEADER: source.hotel_code, VERSION_HEADER: source.version},
    )
    accepted = accept_message(
        session, "alpinebits", message, credential=f"pull:{source.name}", via="pull"
    )
    event = process_inbox_event(session, accepted.event.id)
    report.event_id, report.status, report.error = event.id, event.status, event.error
    if event.status == "processed":
        acks = acks_for(parsed)
        client.acknowledge(acks, parsed.warnings)
        report.acknowledged = [res_id for res_id, _ in acks]
    return report
