"""Cloudbeds: webhooks name a reservation; API v1.3 gives it with its guests.

Webhook (subscribed with `postWebhook`, ../shared/samples/cloudbeds/pms-v1.3-openapi.yaml):
`{"version": "1.0", "event": "reservation/created", "timestamp", "propertyID",
"reservationID", ...}`; Cloudbeds does not sign them, so the webhook URL carries the credential
(`?credential=NAME&token=SECRET`). API: `GET /api/v1.3/getReservation?propertyID=&reservationID=`
(`data.guestList` maps guest ids to guests) and `GET /api/v1.3/getReservations?modifiedFrom=
&includeGuestsDetails=true&pageNumber=&pageSize=` (`count`, `total`), an API key in `x-api-key`,
at most 5 requests a second per property.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from connectors.base import ConnectorError
from connectors.cloud import CloudApi, CloudConnector, Notification, Page
from connectors.http_client import VendorNotFound
from connectors.preferences import preferences_from_text

STATES = {"not_confirmed": "requested", "confirmed": "confirmed", "checked_in": "checked_in",
          "checked_out": "checked_out", "canceled": "cancelled", "no_show": "no_show"}
RESERVATION_EVENTS = {"reservation/created", "reservation/status_changed",
                      "reservation/dates_changed", "reservation/accommodation_changed",
                      "reservation/notes_changed", "reservation/guest_changed",
                      "guest/details_changed", "guest/assigned"}
# Booking sources (`source` / `sourceName`) -> channel kind; anything else: "other".
CHANNELS = {"website": "direct", "booking engine": "direct", "facebook widget": "direct",
            "direct": "direct", "walk-in": "walk_in", "walk in": "walk_in", "phone": "phone",
            "email": "direct", "booking.com": "ota", "expedia": "ota", "airbnb": "ota",
            "hostelworld": "ota", "agoda": "ota", "hotels.com": "ota", "gds": "gds",
            "corporate": "corporate"}
GUEST_FIELDS = {"guestFirstName": "first_name", "guestLastName": "last_name",
                "guestGender": "gender"}
PAGE_SIZE_MAX = 100


class CloudbedsApi(CloudApi):
    def fetch(self, notification: Notification) -> dict[str, Any]:
        answer = self.http.get_json("api/v1.3/getReservation", params={
            "propertyID": self.connection.account, "reservationID": notification.entity_id})
        if not answer.get("success") or not answer.get("data"):
            raise VendorNotFound(f"cloudbeds: reservation {notification.entity_id}: "
                                 f"{answer.get('message') or 'not found'}")
        return self.document([{"reservation": answer["data"]}])

    def changed_since(self, since: str | None, cursor: str | None = None,
                      page_size: int = PAGE_SIZE_MAX) -> Iterator[Page]:
        number = int(cursor or 1)
        size = min(page_size, PAGE_SIZE_MAX)
        while True:
            params = {"propertyID": self.connection.account, "includeGuestsDetails": "true",
                      "pageNumber": number, "pageSize": size}
            if since:
                params["modifiedFrom"] = since
            answer = self.http.get_json("api/v1.3/getReservations", params=params)
            items = answer.get("data") or []
            more = number * size < int(answer.get("total") or 0) and len(items) == size
            number += 1
            yield Page(self.document([{"reservation": r} for r in items]), len(items),
                       str(number) if more else None,
                       max((r.get("dateModified") or "" for r in items), default="") or None,
                       total=int(answer.get("total") or 0))
            if not more:
                return

    def since_text(self, moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    def probe(self) -> str:
        answer = self.http.get_json("api/v1.3/getReservations", params={
            "propertyID": self.connection.account, "pageSize": 1})
        return f"property {self.connection.account}: {int(answer.get('total') or 0)} reservations"


class CloudbedsConnector(CloudConnector):
    name = "cloudbeds"
    auth = "token"
    api_class = CloudbedsApi
    rate_limit = (5, 1.0)
    api_key_header = "x-api-key"

    def notifications_of(self, document: dict[str, Any]) -> list[Notification]:
        event = document.get("event")
        account = str(document.get("propertyID_str") or document.get("propertyID") or "")
        if not isinstance(event, str) or not account:
            raise ConnectorError("not a Cloudbeds webhook: event and propertyID are required")
        entity_id = str(document.get("reservationID") or document.get("reservationId") or "")
        if event not in RESERVATION_EVENTS:
            return [Notification(event, "", entity_id, account, f"unknown event type {event}")]
        if not entity_id:
            raise ConnectorError(f"Cloudbeds event {event} without reservationID")
        return [Notification(event, "reservation", entity_id, account)]

    def canonical(self, item: dict[str, Any], property_code: str) -> dict[str, Any]:
        r = item["reservation"]
        guests = list((r.get("guestList") or {}).values())
        guests.sort(key=lambda g: not g.get("isMainGuest"))
        source = r.get("source") or r.get("sourceName") or ""
        rooms = r.get("assigned") or r.get("rooms") or []
        room = rooms[0] if rooms else {}
        notes = [n for n in (r.get("notes"), r.get("guestNotes")) if isinstance(n, str) and n]
        return {
            "source": self.name, "property_code": property_code,
            "external_id": str(r["reservationID"]),
            "status": STATES.get(r.get("status"), "confirmed"),
            "arrival": r.get("startDate"), "departure": r.get("endDate"),
            "modified_at": _timestamp(r.get("dateModified") or r.get("dateCreated")),
            "booked_at": _timestamp(r.get("dateCreated")),
            "channel": _channel(source), "channel_name": source[:64] or None,
            "room_type": room.get("roomTypeName"), "room_number": room.get("roomName"),
            "amount": r.get("total"), "currency": r.get("currency"),
            "adults": _int(room.get("adults") or r.get("adults")),
            "children": _int(room.get("children") or r.get("children")),
            "comments": notes,
            "preferences": [asdict(p) for n in notes for p in preferences_from_text(n)],
            "guests": [self._guest(g, i == 0) for i, g in enumerate(guests)]
            or ([{"first_name": None, "last_name": r.get("guestName"),
                  "emails": [{"address": r["guestEmail"]}] if r.get("guestEmail") else []}]
                if r.get("guestName") else []),
        }

    def _guest(self, g: dict[str, Any], primary: bool) -> dict[str, Any]:
        guest: dict[str, Any] = {new: g.get(old) or None for old, new in GUEST_FIELDS.items()}
        phones = [{"number": g["guestCellPhone"], "kind": "mobile"}] if g.get(
            "guestCellPhone") else []
        phones += [{"number": g["guestPhone"]}] if g.get("guestPhone") else []
        born = g.get("guestBirthdate")
        return guest | {
            "primary": primary,
            "birth_date": born[:10] if isinstance(born, str) and born[:4] != "0000" else None,
            "emails": [{"address": g["guestEmail"]}] if g.get("guestEmail") else [],
            "phones": phones,
            "address": {"street": g.get("guestAddress"), "city": g.get("guestCity"),
                        "postal_code": g.get("guestZip"), "state": g.get("guestState"),
                        "country": g.get("guestCountry")},
            "pms_profile_id": str(g["guestID"]) if g.get("guestID") else None,
        }


def _channel(source: str) -> str:
    return CHANNELS.get(source.strip().lower(), "ota" if "." in source else "other")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _timestamp(value: str | None) -> str | None:
    """Cloudbeds writes "2026-03-01 12:00:00" (UTC); the schema wants ISO 8601."""
    return value.replace(" ", "T") + ("" if value.endswith("Z") else "Z") if value else None
