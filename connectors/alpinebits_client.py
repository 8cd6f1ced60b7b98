"""The hotel side of AlpineBits GuestRequests: poll a channel's server, acknowledge what we stored.

Pure HTTP: it never touches the database. `services/ingest/pull.py` stores what it fetches and
only then acknowledges it, so a crash between the two means the server sends it again (harmless:
ingest is idempotent), never that a reservation is lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from connectors.alpinebits import VERSION_HEADER, acks_for, parse_retrieve_response
from connectors.alpinebits_messages import (
    ACTION_ACK,
    ACTION_READ,
    DEFAULT_VERSION,
    build_notif_report,
    build_read_request,
)
from connectors.base import DEFAULT_HOTEL_HEADER, ConnectorError, InboundMessage, PulledBatch
from connectors.http_client import VendorHttp

SOURCES_ENV = "GUESTCRM_ALPINEBITS_SOURCES"


@dataclass(frozen=True)
class AlpineBitsSource:
    """One AlpineBits server we poll for one hotel (credentials come from the environment)."""

    name: str
    url: str
    user: str
    password: str
    hotel_code: str
    hotel_name: str | None = None
    version: str = DEFAULT_VERSION
    client_id: str = "GuestCRM"


def sources_from_env(environ: Mapping[str, str] = os.environ) -> list[AlpineBitsSource]:
    """`GUESTCRM_ALPINEBITS_SOURCES`: a JSON list of objects with the fields of AlpineBitsSource."""
    raw = environ.get(SOURCES_ENV, "").strip()
    if not raw:
        return []
    try:
        items = json.loads(raw)
        return [AlpineBitsSource(**item) for item in items]
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{SOURCES_ENV} is not a JSON list of AlpineBits sources: {exc}") from exc


class AlpineBitsClient:
    def __init__(self, source: AlpineBitsSource, timeout: float = 30.0, retries: int = 3) -> None:
        self.source = source
        # The shared client: timeouts, retries on 5xx and network errors, 429 Retry-After.
        self.http = VendorHttp(f"alpinebits:{source.name}", source.url,
                               timeout=(min(5.0, timeout), timeout), retries=retries)

    def read_guest_requests(self, since: datetime | None = None) -> bytes:
        """The server's OTA_ResRetrieveRS with the guest requests not yet acknowledged."""
        request = build_read_request(self.source.hotel_code, self.source.hotel_name, since)
        return self._post(ACTION_READ, request)

    def send_notif_report(self, acks: Iterable[tuple[str, str]],
                          refused: Mapping[str, str]) -> bytes:
        return self._post(ACTION_ACK, build_notif_report(list(acks), refused))

    # The Puller protocol (connectors.base): what services/ingest/pull.py calls.
    connector = "alpinebits"

    @property
    def name(self) -> str:
        return self.source.name

    def fetch(self) -> PulledBatch:
        body = self.read_guest_requests()
        parsed = parse_retrieve_response(
            body, hotel_code=self.source.hotel_code, hotel_name=self.source.hotel_name
        )
        message = InboundMessage(
            body=body,
            content_type="application/xml",
            action=ACTION_READ,
            headers={DEFAULT_HOTEL_HEADER: self.source.hotel_code,
                     VERSION_HEADER: self.source.version},
        )
        return PulledBatch(message=message, reservations=len(parsed.reservations),
                           empty=not parsed.reservations and not parsed.warnings, state=parsed)

    def acknowledge(self, batch: PulledBatch) -> list[str]:
        acks = acks_for(batch.state)
        self.send_notif_report(acks, batch.state.warnings)
        return [res_id for res_id, _ in acks]

    def _post(self, action: str, xml: bytes) -> bytes:
        response = self.http.request(
            "POST",
            self.source.url,
            files={"action": (None, action), "request": (None, xml, "application/xml")},
            auth=(self.source.user, self.source.password),
            headers={
                "X-AlpineBits-ClientProtocolVersion": self.source.version,
                "X-AlpineBits-ClientID": self.source.client_id,
            },
        )
        if response.status_code != 200 or response.content.startswith(b"ERROR:"):
            detail = response.text[:300].strip()
            raise ConnectorError(
                f"{self.source.name}: {action} answered {response.status_code} {detail}"
            )
        return response.content
