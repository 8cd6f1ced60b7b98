"""Load generator for bench/ingest.py: POSTs fake PMS messages to a loopback server.

Runs as its own process (so it does not share a GIL with anything it measures), a thread per
concurrent client, one http.client connection per thread (reconnecting when the server closes
it, as gunicorn's sync workers do). Stops after --requests or --seconds, whichever comes first,
and prints one JSON line: requests, errors, seconds, requests/s, p50 and p99 latency in ms.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.fake import FakeEvent, FakePMS  # noqa: E402

LOOPBACK = "127.0.0.1"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(port: int, events: list[FakeEvent], concurrency: int, seconds: float,
        auth: str | None) -> dict[str, float]:
    """POST every event once (spread over the threads); returns the figures."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    cursor = iter(range(len(events)))
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            event = events[index]
            headers = {"Content-Type": event.content_type, **event.headers}
            if auth:
                headers["Authorization"] = auth
            started = time.perf_counter()
            try:
                conn.request("POST", f"/webhooks/{event.connector}", body=event.body,
                             headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status = f"{type(exc).__name__}"
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors.append(str(status))
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies), "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
        "seconds": round(wall, 3), "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


@dataclass(frozen=True)
class CloudEvent:
    connector: str
    body: bytes
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def cloud_events(vendor: str, seed: int, skip: int, count: int) -> list[CloudEvent]:
    """`count` distinct webhook bodies of `vendor` (each its own event id / reservation)."""
    from connectors.fake_cloud_records import webhook

    return [CloudEvent(vendor, json.dumps(webhook(
        vendor, "BENCH", f"R{seed:03d}{k:09d}", "changed",
        event_id=f"{seed}-{k}")).encode()) for k in range(skip, skip + count)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", type=int, default=0, help="Events of the stream to leave out.")
    parser.add_argument("--basic", default=None, help="user:password for HTTP Basic")
    parser.add_argument("--connector", default=None,
                        help="apaleo, mews or cloudbeds: that vendor's webhook events")
    args = parser.parse_args(argv)
    if args.connector:
        events = cloud_events(args.connector, args.seed, args.skip, args.requests)
    else:
        events = FakePMS(args.seed).events(args.skip + args.requests)[args.skip:]
    auth = "Basic " + base64.b64encode(args.basic.encode()).decode() if args.basic else None
    print(json.dumps(run(args.port, events, args.concurrency, args.seconds, auth)), flush=True)


if __name__ == "__main__":
    main()
