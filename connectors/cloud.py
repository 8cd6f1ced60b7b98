"""What the cloud PMS connectors (Apaleo, Mews, Cloudbeds) share.

A cloud PMS webhook names an event and an entity id, not the data. It is stored as a
*notification*; processing it asks the vendor's REST API for the entity and stores what came
back as a *document* (action "document"), which `parse` turns into canonical reservations
without any network. Scheduled syncs and backfills store pages of the same documents, so every
path ends in the same pure parse. A document holds the vendor's own JSON:
`{"property": CODE, "items": [{"reservation": {...}, "guest": {...} | null}, ...]}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from marshmallow import ValidationError

from connectors.base import DEFAULT_HOTEL_HEADER, ConnectorError, InboundMessage, ParseResult
from connectors.card_data_json import mask_json
from connectors.http_client import VendorHttp
from guestcrm.schemas.reservation import CanonicalReservation, load_reservation

DOCUMENT = "document"  # InboundMessage.action of a fetched document
MAX_NOTIFICATION_BYTES = 64_000


class FetchNeeded(Exception):  # noqa: N818  not an error: the event's data is at the vendor
    """Raised by `parse` for a notification: the entity must be fetched first."""

    def __init__(self, notifications: list[Notification]) -> None:
        super().__init__(f"{len(notifications)} entities to fetch")
        self.notifications = notifications


@dataclass(frozen=True)
class Notification:
    """One event of a vendor's webhook: what changed and where."""

    event_type: str
    entity: str  # "reservation", "guest", or "" for an event we do not act on
    entity_id: str
    account: str  # the vendor's property / enterprise id, as the connection names it
    ignored: str | None = None  # why the event needs nothing fetched


@dataclass
class Connection:
    """One property's connection to a vendor account (guestcrm keeps it, encrypted)."""

    property_code: str
    account: str  # the vendor's id of the property (Apaleo property id, Mews enterprise...)
    base_url: str
    client_id: str = ""
    secret: str = ""
    token_url: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Page:
    """One page of a changed-since listing: the document to store, and where the next starts."""

    document: dict[str, Any]
    count: int
    next_cursor: str | None
    newest_change: str | None  # the latest modification time in the page (vendor format)
    total: int | None = None  # how many the listing holds in all, when the vendor says


class CloudApi:
    """A vendor's REST API for one connection (each connector subclasses it)."""

    def __init__(self, connection: Connection, http: VendorHttp) -> None:
        self.connection = connection
        self.http = http

    def fetch(self, notification: Notification) -> dict[str, Any]:
        """The document for one notification (raises VendorError subclasses)."""
        raise NotImplementedError

    def changed_since(self, since: str | None, cursor: str | None = None,
                      page_size: int = 200) -> Iterator[Page]:
        """Pages of reservations changed since `since` (None: all history), from `cursor`."""
        raise NotImplementedError

    def since_text(self, moment: datetime) -> str:
        """A moment as this vendor's changed-since filter writes it."""
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def probe(self) -> str:
        """One cheap authenticated call, described for the admin ("12 reservations...")."""
        raise NotImplementedError

    def document(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"property": self.connection.property_code, "items": items}


class CloudConnector:
    """The Connector protocol for a JSON cloud PMS; subclasses map the vendor's shapes."""

    name: ClassVar[str]
    auth: ClassVar[str]  # "basic" (Apaleo) or "token" (a secret in the webhook URL)
    fetches: ClassVar[bool] = True
    api_class: ClassVar[type[CloudApi]]
    # Calls allowed per connection: (calls, seconds).
    rate_limit: ClassVar[tuple[int, float]]
    # The header that carries an API key, for vendors that use one instead of OAuth2.
    api_key_header: ClassVar[str | None] = None

    # -- the webhook --------------------------------------------------------------------
    def extract(self, body: bytes, content_type: str, form: dict[str, str]) -> InboundMessage:
        if len(body) > MAX_NOTIFICATION_BYTES:
            raise ConnectorError(f"a {self.name} notification is at most "
                                 f"{MAX_NOTIFICATION_BYTES} bytes")
        document = _json_object(body, f"{self.name} notification")
        notes = self.notifications_of(document)  # refuses what is not this vendor's
        return InboundMessage(body=body, content_type="application/json", masked=True,
                              extracted=(body, notes, self.event_id(document)))

    def notifications(self, message: InboundMessage) -> list[Notification]:
        if message.extracted is not None and message.extracted[0] is message.body:
            return message.extracted[1]
        return self.notifications_of(_json_object(message.body, f"{self.name} notification"))

    def notifications_of(self, document: dict[str, Any]) -> list[Notification]:
        """The events of a webhook body (raises ConnectorError when it is none)."""
        raise NotImplementedError

    def dedupe_key(self, message: InboundMessage) -> str | None:
        if message.action == DOCUMENT:
            return None  # the body hash: the same state fetched twice is stored once
        if message.extracted is not None and message.extracted[0] is message.body:
            return message.extracted[2]
        return self.event_id(_json_object(message.body, "notification"))

    def event_id(self, document: dict[str, Any]) -> str | None:
        """The vendor's id of this delivery, when it sends one."""
        return None

    def accepted_response(self, message: InboundMessage) -> tuple[bytes, str]:
        return b'{"status":"accepted"}\n', "application/json"

    def error_response(self, reason: str) -> tuple[bytes, str, int]:
        return json.dumps({"error": reason[:500]}).encode() + b"\n", "application/json", 400

    def direct_answer(self, message: InboundMessage) -> tuple[bytes, str, int] | None:
        return None

    # -- stored messages ----------------------------------------------------------------
    def parse(self, message: InboundMessage) -> ParseResult:
        """A document's reservations; for a notification, FetchNeeded (or, when no event
        needs fetching, an empty result saying why)."""
        if message.action != DOCUMENT:
            notifications = self.notifications(message)
            wanted = [n for n in notifications if not n.ignored]
            if wanted:
                raise FetchNeeded(wanted)
            return ParseResult([], warnings={n.event_type: n.ignored or "" for n in notifications})
        document = _json_object(message.body, f"{self.name} document")
        code = document.get("property") or message.headers.get(DEFAULT_HOTEL_HEADER)
        items = document.get("items")
        if not isinstance(code, str) or not isinstance(items, list):
            raise ConnectorError(f"{self.name} document without property or items")
        result = ParseResult([])
        for position, item in enumerate(items):
            try:
                result.reservations += self.reservations_of(item, code)
            except (ConnectorError, ValidationError, KeyError, TypeError, ValueError) as exc:
                reason = exc.messages if isinstance(exc, ValidationError) else exc
                result.warnings[_item_id(item, position)] = f"{type(exc).__name__}: {reason}"[:300]
        if items and not result.reservations and result.warnings:
            raise ConnectorError("no reservation could be read: "
                                 + "; ".join(list(result.warnings.values())[:3]))
        return result

    def reservations_of(self, item: dict[str, Any], property_code: str
                        ) -> list[CanonicalReservation]:
        """One vendor reservation (and its guest) as canonical reservations."""
        return [load_reservation(self.canonical(item, property_code))]

    def canonical(self, item: dict[str, Any], property_code: str) -> dict[str, Any]:
        raise NotImplementedError

    def from_file(self, body: bytes) -> InboundMessage:
        """An export file: a document, or a JSON list of the vendor's reservations."""
        data = json.loads(body)
        if isinstance(data, list):
            data = {"items": [item if "reservation" in item else {"reservation": item}
                              for item in data]}
        return self.mask(InboundMessage(body=json.dumps(data).encode(),
                                        content_type="application/json", action=DOCUMENT))

    def mask(self, message: InboundMessage) -> InboundMessage:
        if message.action != DOCUMENT:
            message.masked = True
            return message
        masked = mask_json(_json_object(message.body, f"{self.name} document"))
        return InboundMessage(body=json.dumps(masked, separators=(",", ":")).encode(),
                              content_type="application/json", action=DOCUMENT,
                              headers=message.headers, masked=True)

    def api(self, connection: Connection, http: VendorHttp) -> CloudApi:
        return self.api_class(connection, http)


def document_message(document: dict[str, Any]) -> InboundMessage:
    """A fetched document as a message to store (the connector masks it on accept)."""
    return InboundMessage(body=json.dumps(document, separators=(",", ":")).encode(),
                          content_type="application/json", action=DOCUMENT)


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConnectorError(f"{what} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ConnectorError(f"{what} is not a JSON object")
    return document


def _item_id(item: Any, position: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("reservation"), dict):
        for key in ("id", "Id", "reservationID"):
            if item["reservation"].get(key):
                return str(item["reservation"][key])[:64]
    return f"item {position + 1}"
