"""A cloud PMS notification becomes documents: the entity fetched from the vendor's API.

The notification waits in the inbox as `fetching` (services/ingest/processing.py). Fetching
stores each document the vendor answered as an inbox event of its own (via "fetch"), which
then goes the usual way; the notification is done once they are stored. What can go wrong:
- the vendor answers 404: the notification is `failed` with the reason (replayable, not lost);
- the vendor refuses our credentials: `failed`, and the connection shows the error to admins;
- the vendor is down or slow: the notification goes back to `received` with the error, and
  the reconciler hands it on again later (the scheduled sync catches up as well).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import InboundMessage
from connectors.cloud import CloudConnector, document_message
from connectors.http_client import VendorAuthError, VendorError, VendorUnavailable
from connectors.registry import get_connector
from guestcrm.errors import NotFound
from guestcrm.models import InboxEvent
from guestcrm.services.ingest.connections import api_for, find_connection, record_vendor_error
from guestcrm.services.ingest.inbox import accept_message


@dataclass
class FetchOutcome:
    status: str  # processed | failed | received (to retry) | skipped
    documents: list[int] = field(default_factory=list)  # inbox events to process


def fetch_notified(session: Session, inbox_id: int, config: dict[str, Any]) -> FetchOutcome:
    """Fetch what notification `inbox_id` names and store it; see the module's text."""
    query = select(InboxEvent).where(InboxEvent.id == inbox_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    event = session.scalar(query)
    if event is None or event.status != "fetching":
        session.rollback()
        return FetchOutcome("skipped")
    connector = get_connector(event.connector)
    assert isinstance(connector, CloudConnector)  # noqa: S101  only they raise FetchNeeded
    message = InboundMessage(body=event.body, content_type=event.content_type)
    documents = []
    for note in (n for n in connector.notifications(message) if not n.ignored):
        try:
            row = find_connection(session, connector.name, account=note.account)
        except NotFound as exc:
            return _end(session, event, "failed", f"{exc}: add it under /admin/connectors, "
                                                  "then replay this event")
        if not row.enabled:
            return _end(session, event, "failed", f"the {connector.name} connection of hotel "
                                                  f"{row.property_code} is switched off")
        try:
            documents.append((row.property_code, api_for(row, config).fetch(note)))
        except VendorUnavailable as exc:
            return _end(session, event, "received", f"vendor unavailable, retried: {exc}")
        except VendorAuthError as exc:
            record_vendor_error(row, str(exc))
            return _end(session, event, "failed", str(exc))
        except VendorError as exc:  # 404 or another refusal: final for this event
            return _end(session, event, "failed", str(exc))
    stored = []
    for property_code, document in documents:
        accepted = accept_message(session, connector.name, _with_property(document,
                                                                          property_code),
                                  credential=event.credential, via="fetch")
        if accepted.event.status == "received":
            stored.append(accepted.event.id)
    event = session.get(InboxEvent, inbox_id)
    outcome = _end(session, event, "processed", None, {"documents": stored})
    outcome.documents = stored
    return outcome


def _with_property(document: dict[str, Any], property_code: str) -> InboundMessage:
    return document_message(document | {"property": property_code})


def _end(session: Session, event: InboxEvent, status: str, error: str | None,
         result: dict | None = None) -> FetchOutcome:
    event.status, event.error = status, error
    event.attempts += 1
    if result is not None:
        event.result = result
    session.commit()
    return FetchOutcome(status)
