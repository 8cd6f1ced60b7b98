"""The connector protocol: what every connector does with a message (connectors/registry.py
names them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from guestcrm.schemas.reservation import CanonicalReservation

# The hotel a message stands for when it names none: the hotel that was polled, or the one
# given to `flask import --hotel` (AlpineBits cancellations name no hotel of their own).
DEFAULT_HOTEL_HEADER = "X-GuestCRM-Polled-Hotel"


class ConnectorError(Exception):
    """The message cannot be turned into reservations; the text says why."""


class UnknownConnector(LookupError):
    pass


@dataclass
class InboundMessage:
    """A message and its transport facts; once `masked`, its body is what gets stored."""

    body: bytes
    content_type: str = ""
    action: str | None = None  # AlpineBits `action` field
    headers: dict[str, str] = field(default_factory=dict)
    # The parse done at the door (webhook), so the answer does not parse the message again.
    parsed: ParseResult | None = field(default=None, repr=False, compare=False)
    # (body, parsed XML root) kept by `extract` for `parse`; used only while `body` is that very
    # object (connectors.ota_xml.message_root). Never stored.
    xml: tuple[bytes, Any] | None = field(default=None, repr=False, compare=False)
    # True once card data is masked (Connector.mask): only such a message is stored.
    masked: bool = field(default=False, compare=False)
    # What `extract` read from the body for the connector's own later use at the door (a cloud
    # PMS notification's events), so the body is not parsed again. Never stored.
    extracted: Any = field(default=None, repr=False, compare=False)


@dataclass
class ParseResult:
    reservations: list[CanonicalReservation]
    # The vendor's id of the message, used as dedupe key and echoed in answers.
    message_id: str | None = None
    echo_token: str | None = None
    # Per-reservation problems that did not stop the others (id -> reason).
    warnings: dict[str, str] = field(default_factory=dict)
    # What the connector's accepted answer needs, so answering reads nothing again:
    # (id, id type) taken, (id or position, reason) refused, facts of the message (root, ...).
    accepted: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    answer_facts: dict[str, str | None] = field(default_factory=dict)


class Connector(Protocol):
    name: str
    # "basic" (HTTP Basic), "token" (shared header token) or "hmac" (signature over the raw body)
    auth: str

    def extract(self, body: bytes, content_type: str, form: dict[str, str]) -> InboundMessage:
        """Turn the HTTP request body into the message to check and store, card data masked
        (raises ConnectorError)."""

    def parse(self, message: InboundMessage) -> ParseResult:
        """Turn a stored message into canonical reservations (raises ConnectorError)."""

    def from_file(self, body: bytes) -> InboundMessage:
        """A saved message (as exported or logged) as if it had arrived by webhook (masked)."""

    def mask(self, message: InboundMessage) -> InboundMessage:
        """The message with card data masked in its structure (connectors/card_data.py);
        `extract` and `from_file` return messages masked already."""

    def direct_answer(self, message: InboundMessage) -> tuple[bytes, str, int] | None:
        """An answer given at once without storing (e.g. a protocol handshake), else None."""

    def dedupe_key(self, message: InboundMessage) -> str | None:
        """The vendor's event/message id when it has one, else None (a body hash is used)."""

    def accepted_response(self, message: InboundMessage) -> tuple[bytes, str]:
        """The body and content type answering a stored message (reusing `message.parsed`)."""

    def error_response(self, reason: str) -> tuple[bytes, str, int]:
        """The body, content type and status answering a message refused before storing."""


@dataclass
class PulledBatch:
    """What one pull fetched: the message to store as if it had arrived by webhook."""

    message: InboundMessage
    reservations: int
    # Nothing to store: no reservation and no problem to report back.
    empty: bool
    # The connector's own memory of the batch, for `Puller.acknowledge`.
    state: Any = field(default=None, repr=False)


class Puller(Protocol):
    """A booking system we poll: fetch what is new, acknowledge it once it is stored."""

    connector: str  # the connector whose parse reads `PulledBatch.message`
    name: str  # the source, for reports and the inbox's credential column

    def fetch(self) -> PulledBatch:
        """Fetch waiting reservations (raises ConnectorError when the source cannot answer)."""

    def acknowledge(self, batch: PulledBatch) -> list[str]:
        """Tell the source the batch is stored; the reservation ids acknowledged."""
