"""Cloud PMS webhooks bench: accept throughput beside the durable floor, and event -> desk board.

  .venv/bin/python bench/cloud_webhooks.py            # 3 rounds of 3000 requests; 1000 events
  .venv/bin/python bench/cloud_webhooks.py --quick    # 1 round of 400; 200 events

(a) For Apaleo, Mews and Cloudbeds: the durable floor (bench/floor_app.py: auth, parse and mask
    the body, INSERT, commit, one Redis SET) and POST /webhooks/<connector>, same gunicorn
    settings, same loopback load (bench/load.py), each round in the same run; webhook / floor
    throughput (goal >= 0.6) and the webhook's p99 (goal < 25 ms). HTTP Basic for all three
    (the product also takes Mews' and Cloudbeds' URL token; the check costs the same).
(b) Event -> board: gunicorn serving the app, ONE rq worker (`flask worker`), the fake Apaleo
    API in a process of its own holding reservations that arrive today; each event is posted
    once the previous one is visible, and the time until its stay is in the database as the
    desk board reads it (confirmed, arriving today at the hotel) is measured: the webhook, the
    drain job, the fetch job over HTTP, ingest and identity. p50/p95/p99 (goal p95 < 1 s).
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import REDIS, SECRET, app_env, fresh_database, gunicorn, load, migrate  # noqa: E402

VENDORS = ("apaleo", "mews", "cloudbeds")
GOALS = {"ratio": 0.6, "p99_ms": 25.0, "p95_board_s": 1.0}


def accept_bench(args, database_url: str) -> dict:
    env = app_env(database_url)
    results = {v: {"floor": [], "webhook": []} for v in VENDORS}
    for round_ in range(args.rounds):
        for vendor in VENDORS:
            skip = args.warmup + round_ * args.requests
            for name, target in (("floor", "floor_app:app"), ("webhook", "wsgi:app")):
                with gunicorn(target, env, args.workers, args.threads) as port:
                    load(port, args, args.warmup, skip=0, connector=vendor)
                    results[vendor][name].append(
                        load(port, args, args.requests, skip=skip, connector=vendor))
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def board_bench(args, database_url: str) -> list[float]:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    env = app_env(database_url) | {"GUESTCRM_CONNECTOR_KEY": key}
    fake = subprocess.Popen([sys.executable, "-m", "connectors.fake_cloud",
                             f"apaleo:MUC:{args.events}:today"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    url = fake.stdout.readline().strip()
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "connect", "--connector",
                    "apaleo", "--property", "APA1", "--account", "MUC", "--base-url", url,
                    "--token-url", f"{url}/connect/token", "--client-id",
                    "guestcrm-fake-client", "--secret-stdin"], cwd=ROOT, env=env, check=True,
                   input="fake-client-secret\n", text=True, capture_output=True)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    latencies: list[float] = []
    auth = "Basic " + base64.b64encode(f"bench:{SECRET}".encode()).decode()
    pg = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True)
    try:
        with gunicorn("wsgi:app", env, args.workers, args.threads) as port:
            for k in range(args.events):
                reservation = f"R{k:09d}"
                body = json.dumps({"topic": "Reservation", "type": "created",
                                   "id": f"bench-{k}", "propertyId": "MUC",
                                   "data": {"entityId": reservation}}).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/webhooks/apaleo", data=body, method="POST",
                    headers={"Authorization": auth, "Content-Type": "application/json"})
                started = time.perf_counter()
                urllib.request.urlopen(request, timeout=10).read()  # noqa: S310  loopback
                deadline = started + 30
                while not pg.execute(
                        "SELECT 1 FROM stay s JOIN property p ON p.id = s.property_id "
                        "WHERE s.source = 'apaleo' AND s.external_id = %s AND p.code = 'APA1' "
                        "AND s.status = 'confirmed' AND s.arrival = current_date",
                        (reservation,)).fetchone():
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"{reservation} not visible after 30 s")
                    time.sleep(0.002)
                latencies.append(time.perf_counter() - started)
    finally:
        pg.close()
        worker.terminate()
        worker.wait(10)
        fake.stdin.close()
        fake.wait(10)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--only", choices=("accept", "board"))
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--events", type=int, default=None)
    args = parser.parse_args()
    args.concurrency = args.workers * args.threads
    args.requests = args.requests or (400 if args.quick else 3000)
    args.warmup = min(50 if args.quick else 200, args.requests)
    args.rounds = 1 if args.quick else 3
    args.events = args.events or (200 if args.quick else 1000)
    accept = board = None
    for part in ("accept", "board"):
        if args.only not in (None, part):
            continue
        # Each part on an empty database and Redis: the accept part leaves thousands of
        # stored events that a worker would otherwise have to work off first.
        redis.Redis.from_url(REDIS).flushdb()
        try:
            with fresh_database() as database_url:
                migrate(database_url)
                if part == "accept":
                    accept = accept_bench(args, database_url)
                else:
                    board = board_bench(args, database_url)
        finally:
            redis.Redis.from_url(REDIS).flushdb()
    if accept:
        print(f"(a) webhook accept, gunicorn --workers {args.workers} --threads {args.threads}, "
              f"{args.concurrency} clients, median of {args.rounds} round(s)")
        for vendor, runs in accept.items():
            ratios = sorted(w["rps"] / f["rps"] for w, f in zip(runs["webhook"], runs["floor"],
                                                                strict=True))
            mid = ratios[len(ratios) // 2]
            floor = sorted(r["rps"] for r in runs["floor"])[len(ratios) // 2]
            hook = sorted(runs["webhook"], key=lambda r: r["rps"])[len(ratios) // 2]
            worst = max(r["p99_ms"] for r in runs["webhook"])
            errors = sum(r["errors"] for r in runs["webhook"] + runs["floor"])
            print(f"  {vendor:10} floor {floor:7.1f} req/s  webhook {hook['rps']:7.1f} req/s "
                  f"p50 {hook['p50_ms']:5.2f} ms p99 (worst) {worst:6.2f} ms  "
                  f"webhook/floor {mid:4.2f} (goal >= {GOALS['ratio']})  "
                  f"rounds {[round(r, 2) for r in ratios]}  errors {errors}")
    if board:
        print(f"(b) event -> desk board, one worker, {len(board)} Apaleo events through the "
              f"fake API: p50 {percentile(board, .5) * 1000:6.1f} ms  "
              f"p95 {percentile(board, .95) * 1000:6.1f} ms  "
              f"p99 {percentile(board, .99) * 1000:6.1f} ms  (goal p95 < "
              f"{GOALS['p95_board_s'] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
