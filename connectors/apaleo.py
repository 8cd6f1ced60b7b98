"""Apaleo: webhooks name a reservation; the Booking API gives it with its primary guest.

Webhook (apaleo.dev, "Webhooks payload"): `{"topic": "Reservation", "type": "changed", "id":
<delivery id>, "accountId", "propertyId", "timestamp", "data": {"entityId": <reservation id>}}`,
protected by HTTP Basic (the credential made with `add-webhook-credential apaleo NAME`).
API: OAuth2 client credentials at identity.apaleo.com; `GET /booking/v1/reservations/{id}` and
`GET /booking/v1/reservations?propertyIds=&dateFilter=Modification&from=&pageNumber=&pageSize=`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from connectors.base import ConnectorError
from connectors.cloud import CloudApi, CloudConnector, Notification, Page
from connectors.preferences import preferences_from_text

# Reservation states (Apaleo `status`) -> canonical stay status.
STATES = {"Confirmed": "confirmed", "InHouse": "checked_in", "CheckedOut": "checked_out",
          "Canceled": "cancelled", "NoShow": "no_show"}
# Webhook event types of the Reservation topic we fetch on.
RESERVATION_EVENTS = {"created", "changed", "amended", "canceled", "checked-in", "checked-out",
                      "set-to-no-show", "unit-assigned", "unit-unassigned"}
# Apaleo `channelCode` -> canonical channel kind.
CHANNELS = {"Direct": "direct", "Ibe": "direct", "BookingCom": "ota", "Expedia": "ota",
            "Homelike": "ota", "Hrs": "ota", "AltoVita": "ota", "DesVu": "ota",
            "ChannelManager": "ota", "Gds": "gds"}
GUEST_FIELDS = {"firstName": "first_name", "middleInitial": "middle_name",
                "lastName": "last_name", "title": "name_title", "gender": "gender",
                "birthDate": "birth_date", "nationalityCountryCode": "nationality",
                "preferredLanguage": "language"}
PAGE_SIZE_MAX = 200


class ApaleoApi(CloudApi):
    def fetch(self, notification: Notification) -> dict[str, Any]:
        reservation = self.http.get_json(f"booking/v1/reservations/{notification.entity_id}",
                                         params={"expand": "booker"})
        return self.document([{"reservation": reservation}])

    def changed_since(self, since: str | None, cursor: str | None = None,
                      page_size: int = PAGE_SIZE_MAX) -> Iterator[Page]:
        number = int(cursor or 1)
        while True:
            params = {"propertyIds": self.connection.account, "pageNumber": number,
                      "pageSize": min(page_size, PAGE_SIZE_MAX), "sort": "modified:asc"}
            if since:
                params |= {"dateFilter": "Modification", "from": since}
            answer = self.http.get_json("booking/v1/reservations", params=params) or {}
            items = answer.get("reservations") or []
            number += 1
            more = len(items) == params["pageSize"] and (number - 1) * params["pageSize"] < int(
                answer.get("count") or 0)
            yield Page(self.document([{"reservation": r} for r in items]), len(items),
                       str(number) if more else None,
                       max((r.get("modified") or "" for r in items), default=None) or None,
                       total=int(answer.get("count") or 0))
            if not more:
                return

    def probe(self) -> str:
        answer = self.http.get_json("booking/v1/reservations",
                                    params={"propertyIds": self.connection.account,
                                            "pageSize": 1})
        return f"property {self.connection.account}: {int(answer.get('count') or 0)} reservations"


class ApaleoConnector(CloudConnector):
    name = "apaleo"
    auth = "basic"
    api_class = ApaleoApi
    rate_limit = (10, 1.0)

    def notifications_of(self, document: dict[str, Any]) -> list[Notification]:
        topic, kind = document.get("topic"), document.get("type")
        if not isinstance(topic, str) or not isinstance(kind, str):
            raise ConnectorError("not an Apaleo webhook: topic and type are required")
        account = str(document.get("propertyId") or "")
        entity_id = str((document.get("data") or {}).get("entityId") or "")
        event = f"{topic}/{kind}"
        if topic.lower() != "reservation":
            return [Notification(event, "", entity_id, account, f"topic {topic} is not used")]
        if kind not in RESERVATION_EVENTS:
            return [Notification(event, "", entity_id, account, f"unknown event type {event}")]
        if not entity_id or not account:
            raise ConnectorError("an Apaleo reservation event needs data.entityId and propertyId")
        return [Notification(event, "reservation", entity_id, account)]

    def event_id(self, document: dict[str, Any]) -> str | None:
        return str(document["id"]) if document.get("id") else None

    def canonical(self, item: dict[str, Any], property_code: str) -> dict[str, Any]:
        r = item["reservation"]
        amount = r.get("totalGrossAmount") or {}
        comments = [c for c in (r.get("comment"), r.get("guestComment")) if c]
        return {
            "source": self.name, "property_code": property_code, "external_id": r["id"],
            "status": STATES.get(r.get("status"), "confirmed"),
            "arrival": (r.get("arrival") or "")[:10] or None,
            "departure": (r.get("departure") or "")[:10] or None,
            "modified_at": r.get("modified") or r.get("created"),
            "booked_at": r.get("created"),
            "channel": CHANNELS.get(r.get("channelCode"), "other"),
            "channel_name": r.get("channelCode") or r.get("source"),
            "room_type": (r.get("unitGroup") or {}).get("code"),
            "room_number": (r.get("unit") or {}).get("name"),
            "rate_plan": (r.get("ratePlan") or {}).get("code"),
            "amount": amount.get("amount"), "currency": amount.get("currency"),
            "adults": r.get("adults"), "children": len(r.get("childrenAges") or []),
            "comments": comments,
            "preferences": [asdict(p) for c in comments for p in preferences_from_text(c)],
            "guests": [self._guest(r.get("primaryGuest") or {})],
        }

    def _guest(self, g: dict[str, Any]) -> dict[str, Any]:
        guest: dict[str, Any] = {new: g.get(old) or None for old, new in GUEST_FIELDS.items()}
        if guest["birth_date"]:
            guest["birth_date"] = guest["birth_date"][:10]
        address = g.get("address") or {}
        guest["emails"] = [{"address": g["email"]}] if g.get("email") else []
        guest["phones"] = [{"number": g["phone"]}] if g.get("phone") else []
        guest["address"] = {"street": address.get("addressLine1"), "city": address.get("city"),
                            "postal_code": address.get("postalCode"),
                            "country": address.get("countryCode")} if address else None
        guest["pms_profile_id"] = g.get("id") or None
        return guest
