"""A fake of the Apaleo, Mews and Cloudbeds APIs: a real HTTP server on 127.0.0.1.

The one stand-in for the vendors' clouds, used by the tests, the demo and the benches, so that
the real `requests` path runs. It answers the calls the connectors make (connectors/apaleo.py,
mews.py, cloudbeds.py) from an in-memory store per vendor account, checks each vendor's
credentials (Apaleo: OAuth2 client credentials with expiring tokens; Mews: tokens in the body;
Cloudbeds: `x-api-key`), pages as the vendors do, and misbehaves on demand: `fail(503, times=3)`,
`fail(429, retry_after="1")`, `slow(2.0)`, `expire_tokens()`, `revoke()`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.fake_cloud_records import first_changed_since, stay_for, vendor_record
from connectors.fake_cloud_routes import CLIENT_ID, CLIENT_SECRET, CLOUDBEDS_KEY, route


@dataclass
class Store:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    synthetic: int = 0  # reservations R000000000.. made on demand (fake_cloud_records.py)
    seed: int = 7


@dataclass
class Fault:
    status: int = 0
    retry_after: str | None = None
    delay: float = 0.0
    times: int = 1


class FakeCloud:
    def __init__(self) -> None:
        self.stores: dict[tuple[str, str], Store] = {}
        self.faults: list[Fault] = []
        self.tokens: dict[str, float] = {}
        self.token_lifetime = 3600.0
        self.revoked = False
        self.requests: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- running ------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(_Handler):
            cloud = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None  # noqa: S101
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def settings(self, vendor: str, account: str) -> dict[str, str]:
        """What an admin types into the connection form to reach this fake account."""
        base = {"account": account, "base_url": self.url}
        if vendor == "apaleo":
            return base | {"client_id": CLIENT_ID, "secret": CLIENT_SECRET,
                           "token_url": f"{self.url}/connect/token"}
        if vendor == "mews":
            return base | {"client_id": "fake-client-token", "secret": f"fake-access-{account}"}
        return base | {"secret": CLOUDBEDS_KEY}

    # -- the data -----------------------------------------------------------------------
    def store(self, vendor: str, account: str) -> Store:
        return self.stores.setdefault((vendor, account), Store())

    def put(self, vendor: str, account: str, record: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.store(vendor, account).records[_id(vendor, record)] = record
        return record

    def add_stays(self, vendor: str, account: str, first: int, count: int, seed: int = 7
                  ) -> list[dict[str, Any]]:
        """Synthetic reservations first..first+count-1 stored as records (changeable)."""
        return [self.put(vendor, account, vendor_record(vendor, stay_for(seed, k), account))
                for k in range(first, first + count)]

    def add_arrivals(self, vendor: str, account: str, first: int, count: int, day: date,
                     seed: int = 7) -> list[dict[str, Any]]:
        """Confirmed reservations arriving on `day` (for the desk board)."""
        made = []
        for k in range(first, first + count):
            stay = stay_for(seed, k) | {"arrival": day, "departure": day + timedelta(days=2),
                                        "status": "confirmed"}
            made.append(self.put(vendor, account, vendor_record(vendor, stay, account)))
        return made

    def add_synthetic(self, vendor: str, account: str, count: int, seed: int = 7) -> None:
        store = self.store(vendor, account)
        store.synthetic, store.seed = count, seed

    # -- misbehaving --------------------------------------------------------------------
    def fail(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        self.faults.append(Fault(status=status, retry_after=retry_after, times=times))

    def slow(self, seconds: float, times: int = 1) -> None:
        self.faults.append(Fault(delay=seconds, times=times))

    def expire_tokens(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def revoke(self) -> None:
        self.revoked = True
        self.tokens.clear()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self.faults.pop(0)
            return fault

    # -- listing ------------------------------------------------------------------------
    def listing(self, vendor: str, account: str, since: str | None, offset: int, size: int
                ) -> tuple[list[dict[str, Any]], int]:
        """One page of the account's reservations changed since `since`, oldest change first,
        and how many there are in all."""
        store = self.store(vendor, account)
        with self._lock:
            records = sorted(store.records.values(), key=lambda r: (_modified(vendor, r),
                                                                    _id(vendor, r)))
        first = 0
        if since:
            records = [r for r in records if _modified(vendor, r) >= _normal(since)]
            moment = datetime.fromisoformat(_normal(since)).replace(tzinfo=UTC)
            first = min(first_changed_since(moment), store.synthetic)
        synthetic = store.synthetic - first
        total = synthetic + len(records)
        page = [vendor_record(vendor, stay_for(store.seed, first + k), account)
                for k in range(offset, min(offset + size, synthetic))]
        start = max(0, offset - synthetic)
        page += records[start:start + size - len(page)]
        return page, total

    def find(self, vendor: str, account: str | None, entity_id: str) -> dict[str, Any] | None:
        for (name, acct), store in self.stores.items():
            if name == vendor and (account is None or acct == account):
                if entity_id in store.records:
                    return store.records[entity_id]
                if entity_id.startswith("R") and entity_id[1:].isdigit() and int(
                        entity_id[1:]) < store.synthetic:
                    return vendor_record(vendor, stay_for(store.seed, int(entity_id[1:])), acct)
        return None


class _Handler(BaseHTTPRequestHandler):
    cloud: FakeCloud
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        cloud = self.cloud
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        cloud.requests.append((time.monotonic(), method, parts.path))
        fault = cloud._next_fault()
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return self._answer(fault.status, {"error": "fake fault"}, headers)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            status, answer = route(cloud, method, parts.path, query, body, self.headers)
        except (ValueError, KeyError) as exc:
            status, answer = 400, {"error": f"bad request: {exc}"}
        self._answer(status, answer)

    def _answer(self, status: int, answer: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _id(vendor: str, record: dict[str, Any]) -> str:
    return str(record.get("id") or record.get("Id") or record.get("reservationID"))


def _modified(vendor: str, record: dict[str, Any]) -> str:
    value = record.get("modified") or record.get("UpdatedUtc") or record.get("dateModified")
    return _normal(str(value or ""))


def _normal(moment: str) -> str:
    """Vendor timestamps compared as text: one format for all three."""
    return moment.replace(" ", "T").removesuffix("Z")[:19]


def main() -> None:
    """`python -m connectors.fake_cloud VENDOR:ACCOUNT:COUNT[:today]...`: serve synthetic
    accounts (or COUNT reservations arriving today) until stdin closes (benches run it as a
    process of its own); prints the URL first."""
    import sys

    fake = FakeCloud()
    for spec in sys.argv[1:]:
        vendor, account, count, *today = spec.split(":")
        if today:
            fake.add_arrivals(vendor, account, 0, int(count), date.today())
        else:
            fake.add_synthetic(vendor, account, int(count))
    print(fake.start(), flush=True)
    sys.stdin.read()
    fake.stop()


if __name__ == "__main__":
    main()
