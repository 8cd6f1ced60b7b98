"""The fake vendor API's answers (connectors/fake_cloud.py serves them): each vendor's paths,
its credentials, its paging, from the FakeCloud's store."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

CLIENT_ID, CLIENT_SECRET = "guestcrm-fake-client", "fake-client-secret"
CLOUDBEDS_KEY = "cbat_fake_api_key"


def route(cloud: Any, method: str, path: str, query: dict[str, str], body: bytes,
           headers: Any) -> tuple[int, Any]:
    if path == "/connect/token":
        return _token(cloud, parse_qs(body.decode()), headers)
    if path.startswith("/booking/v1/reservations"):
        if not _bearer_ok(cloud, headers.get("Authorization", "")):
            return 401, {"error": "invalid token"}
        return _apaleo(cloud, path, query)
    if path.startswith("/api/connector/v1/"):
        return _mews(cloud, path, json.loads(body or b"{}"))
    if path.startswith("/api/v1.3/"):
        if headers.get("x-api-key") != CLOUDBEDS_KEY:
            return 401, {"success": False, "message": "invalid API key"}
        return _cloudbeds(cloud, path, query)
    return 404, {"error": "no such path"}


def _token(cloud: Any, form: dict[str, list[str]], headers: Any) -> tuple[int, Any]:
    client = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
    auth = headers.get("Authorization", "")
    if auth.startswith("Basic "):
        client = tuple(base64.b64decode(auth[6:]).decode().split(":", 1))
    if cloud.revoked or client != (CLIENT_ID, CLIENT_SECRET):
        return 400, {"error": "invalid_client"}
    token = secrets.token_urlsafe(16)
    cloud.tokens[token] = time.time() + cloud.token_lifetime
    return 200, {"access_token": token, "token_type": "Bearer",
                 "expires_in": int(cloud.token_lifetime)}


def _bearer_ok(cloud: Any, auth: str) -> bool:
    token = auth.removeprefix("Bearer ")
    return cloud.tokens.get(token, 0.0) > time.time()


def _apaleo(cloud: Any, path: str, query: dict[str, str]) -> tuple[int, Any]:
    rest = path.removeprefix("/booking/v1/reservations").strip("/")
    if rest:
        record = cloud.find("apaleo", None, rest)
        return (200, record) if record else (404, {"error": "not found"})
    size = int(query.get("pageSize", 100))
    number = int(query.get("pageNumber", 1))
    items, total = cloud.listing("apaleo", query["propertyIds"], query.get("from"),
                                 (number - 1) * size, size)
    return 200, {"reservations": items, "count": total}


def _mews(cloud: Any, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    access = str(body.get("AccessToken") or "")
    if body.get("ClientToken") != "fake-client-token" or not access.startswith("fake-access-"):
        return 401, {"Message": "Invalid access token"}
    account = access.removeprefix("fake-access-")
    if path.endswith("/configuration/get"):
        return 200, {"Enterprise": {"Id": account, "Name": f"Fake enterprise {account}"}}
    limit = body.get("Limitation") or {}
    if path.endswith("/customers/getAll"):
        wanted = set(body.get("CustomerIds") or [])
        found = {}
        for record in _mews_records(cloud, account, body):
            customer = record.get("_customer") or {}
            if customer.get("Id") in wanted:
                found[customer["Id"]] = customer
        return 200, {"Customers": list(found.values()), "Cursor": None}
    if "ReservationIds" in body or "AccountIds" in body:
        items = _mews_records(cloud, account, body)
    else:
        window = body.get("UpdatedUtc") or {}
        offset = int(limit.get("Cursor") or 0)
        count = int(limit.get("Count") or 100)
        items, _ = cloud.listing("mews", account, window.get("StartUtc"), offset, count)
        end = window.get("EndUtc")
        if end:
            items = [r for r in items if r["UpdatedUtc"] < end]
        cursor = str(offset + len(items)) if len(items) == count else None
        return 200, {"Reservations": [_without_customer(r) for r in items], "Cursor": cursor}
    return 200, {"Reservations": [_without_customer(r) for r in items], "Cursor": None}


def _mews_records(cloud: Any, account: str, body: dict[str, Any]) -> list[dict]:
    if body.get("ReservationIds"):
        found = (cloud.find("mews", account, i) for i in body["ReservationIds"])
        return [r for r in found if r]
    store = cloud.store("mews", account)
    accounts = set(body.get("AccountIds") or []) | set(body.get("CustomerIds") or [])
    return [r for r in store.records.values() if r.get("AccountId") in accounts]


def _without_customer(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "_customer"}


def _cloudbeds(cloud: Any, path: str, query: dict[str, str]) -> tuple[int, Any]:
    account = query.get("propertyID", "")
    if path.endswith("/getReservation"):
        record = cloud.find("cloudbeds", account, query.get("reservationID", ""))
        if record is None:
            return 200, {"success": False, "message": "Reservation not found"}
        return 200, {"success": True, "data": record}
    size = int(query.get("pageSize", 100))
    number = int(query.get("pageNumber", 1))
    since = query.get("modifiedFrom")
    items, total = cloud.listing("cloudbeds", account, since, (number - 1) * size, size)
    return 200, {"success": True, "data": items, "count": len(items), "total": total}
