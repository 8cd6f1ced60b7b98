"""Mews: General Webhooks name reservations (service orders) and customers by id; the Connector
API gives them.

Webhook (docs.mews.com, "General Webhooks"): `{"EnterpriseId", "IntegrationId", "Events":
[{"Discriminator": "ServiceOrderUpdated" | "CustomerAdded" | ..., "Value": {"Id": ...}}]}`,
several events a message and no delivery id. Mews does not sign them: the webhook URL carries
the credential (`?credential=NAME&token=SECRET`). API: POST with ClientToken + AccessToken in
the body, `reservations/getAll/2023-06-06` and `customers/getAll`, cursor pagination, at most
200 requests per 30 seconds per access token, an UpdatedUtc window of at most 3 months.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import ConnectorError
from connectors.cloud import CloudApi, CloudConnector, Notification, Page
from connectors.http_client import VendorNotFound

STATES = {"Inquired": "requested", "Requested": "requested", "Optional": "requested",
          "Confirmed": "confirmed", "Started": "checked_in", "Processed": "checked_out",
          "Canceled": "cancelled"}
CHANNELS = {"Distributor": "direct", "Navigator": "direct", "Commander": "phone",
            "ChannelManager": "ota", "Connector": "other", "Import": "other"}
RESERVATION_EVENTS = {"ServiceOrderAdded", "ServiceOrderUpdated", "ReservationAdded",
                      "ReservationUpdated"}
CUSTOMER_EVENTS = {"CustomerAdded", "CustomerUpdated"}
# Customer classifications -> (preference key, value); the others become a comment.
CLASSIFICATIONS = {"DisabledPerson": ("accessible", "yes"), "Smoker": ("smoking", "smoking")}
TITLES = {"Mister": "Mr", "Misses": "Mrs", "Miss": "Ms"}
WINDOW = timedelta(days=90)  # the API's longest UpdatedUtc interval
RESERVATIONS = "api/connector/v1/reservations/getAll/2023-06-06"
CUSTOMERS = "api/connector/v1/customers/getAll"


class MewsApi(CloudApi):
    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        tokens = {"ClientToken": self.connection.client_id,
                  "AccessToken": self.connection.secret, "Client": "GuestCRM"}
        return self.http.post_json(path, tokens | body) or {}

    def fetch(self, notification: Notification) -> dict[str, Any]:
        if notification.entity == "guest":
            query = {"AccountIds": [notification.entity_id]}
        else:
            query = {"ReservationIds": [notification.entity_id]}
        reservations = self._post(RESERVATIONS, query | {"Limitation": {"Count": 100}})
        found = reservations.get("Reservations") or []
        if notification.entity == "reservation" and not found:
            raise VendorNotFound(f"mews: reservation {notification.entity_id} not found")
        return self.document(self._with_customers(found))

    def _with_customers(self, reservations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = sorted({r["AccountId"] for r in reservations if r.get("AccountId")})
        customers: dict[str, dict] = {}
        if ids:
            answer = self._post(CUSTOMERS, {"CustomerIds": ids,
                                            "Limitation": {"Count": len(ids)}})
            customers = {c["Id"]: c for c in answer.get("Customers") or []}
        return [{"reservation": r, "guest": customers.get(r.get("AccountId"))}
                for r in reservations]

    def changed_since(self, since: str | None, cursor: str | None = None,
                      page_size: int = 500) -> Iterator[Page]:
        state = json.loads(cursor) if cursor else {
            "from": since or self.connection.extra.get("history_from") or "2015-01-01T00:00:00Z",
            "cursor": None}
        now = datetime.now(UTC)
        while True:
            start = _utc(state["from"])
            end = min(start + WINDOW, now)
            limitation = {"Count": min(page_size, 1000)} | (
                {"Cursor": state["cursor"]} if state["cursor"] else {})
            answer = self._post(RESERVATIONS, {
                "UpdatedUtc": {"StartUtc": _text(start), "EndUtc": _text(end)},
                "Limitation": limitation})
            items = answer.get("Reservations") or []
            if len(items) == limitation["Count"] and answer.get("Cursor"):
                state = {"from": state["from"], "cursor": answer["Cursor"]}
            elif end < now:
                state = {"from": _text(end), "cursor": None}
            else:
                state = None
            newest = max((r.get("UpdatedUtc") or "" for r in items), default="") or None
            yield Page(self.document(self._with_customers(items)), len(items),
                       json.dumps(state) if state else None, newest)
            if state is None:
                return

    def probe(self) -> str:
        answer = self._post("api/connector/v1/configuration/get", {})
        enterprise = answer.get("Enterprise") or {}
        return f"enterprise {enterprise.get('Name') or enterprise.get('Id') or '?'}"


class MewsConnector(CloudConnector):
    name = "mews"
    auth = "token"
    api_class = MewsApi
    rate_limit = (200, 30.0)

    def notifications_of(self, document: dict[str, Any]) -> list[Notification]:
        events = document.get("Events")
        account = str(document.get("EnterpriseId") or "")
        if not isinstance(events, list) or not account:
            raise ConnectorError("not a Mews webhook: EnterpriseId and Events are required")
        found = []
        for event in events[:500]:
            if not isinstance(event, dict) or not isinstance(event.get("Discriminator"), str):
                raise ConnectorError("a Mews event needs a Discriminator")
            kind = event["Discriminator"]
            entity_id = str((event.get("Value") or {}).get("Id") or "")
            if kind in RESERVATION_EVENTS | CUSTOMER_EVENTS and not entity_id:
                raise ConnectorError(f"Mews event {kind} without Value.Id")
            if kind in RESERVATION_EVENTS:
                found.append(Notification(kind, "reservation", entity_id, account))
            elif kind in CUSTOMER_EVENTS:
                found.append(Notification(kind, "guest", entity_id, account))
            else:
                found.append(Notification(kind, "", entity_id, account,
                                          f"unknown event type {kind}"))
        if not found:
            raise ConnectorError("a Mews webhook without events")
        return found

    def canonical(self, item: dict[str, Any], property_code: str) -> dict[str, Any]:
        r, customer = item["reservation"], item.get("guest") or {}
        status = STATES.get(r.get("State"), "confirmed")
        if status == "cancelled" and r.get("CancellationReason") == "NoShow":
            status = "no_show"
        counts = r.get("PersonCounts") or []
        classifications = customer.get("Classifications") or []
        return {
            "source": self.name, "property_code": property_code, "external_id": r["Id"],
            "status": status,
            "arrival": _date(r.get("ScheduledStartUtc") or r.get("StartUtc")),
            "departure": _date(r.get("ScheduledEndUtc") or r.get("EndUtc")),
            "modified_at": r.get("UpdatedUtc") or r.get("CreatedUtc"),
            "booked_at": r.get("CreatedUtc"),
            "channel": CHANNELS.get(r.get("Origin"), "other"),
            "channel_name": r.get("ChannelManager") or r.get("Origin"),
            "adults": sum(int(c.get("Count") or 0) for c in counts) or None,
            "comments": [f"PMS classification: {c}" for c in classifications
                         if c not in CLASSIFICATIONS],
            "preferences": [{"key": k, "value": v, "source": "guest"}
                            for k, v in (CLASSIFICATIONS[c] for c in classifications
                                         if c in CLASSIFICATIONS)],
            "guests": [self._guest(customer)] if customer else [],
        }

    def _guest(self, c: dict[str, Any]) -> dict[str, Any]:
        address = c.get("Address") or {}
        marketing = "SendMarketingEmails" in (c.get("Options") or [])
        return {
            "first_name": c.get("FirstName"), "last_name": c.get("LastName"),
            "name_title": TITLES.get(c.get("Title")), "gender": c.get("Sex"),
            "birth_date": (c.get("BirthDate") or "")[:10] or None,
            "nationality": c.get("NationalityCode"), "language": c.get("LanguageCode"),
            "emails": [{"address": c["Email"], "marketing_consent": marketing}]
            if c.get("Email") else [],
            "phones": [{"number": c["Phone"]}] if c.get("Phone") else [],
            "address": {"street": address.get("Line1"), "city": address.get("City"),
                        "postal_code": address.get("PostalCode"),
                        "country": address.get("CountryCode")} if address else None,
            "pms_profile_id": c.get("Id"),
            "loyalty": [{"program": "mews", "number": c["LoyaltyCode"]}]
            if c.get("LoyaltyCode") else [],
        }


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def _utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
