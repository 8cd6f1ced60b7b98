"""Ingest bench: webhook accept throughput under gunicorn, and reservations per second per worker.

  .venv/bin/python bench/ingest.py            # 3000 requests per server, 2000 events drained
  .venv/bin/python bench/ingest.py --quick    # 400 requests per server, 300 events drained

(a) The same gunicorn settings serve, one after the other in the same run, a bare Flask endpoint
    (bench/bare_app.py), the least a durable webhook can do (bench/floor_app.py: auth, mask,
    one raw INSERT and its commit, a Redis flag) and GuestCRM (wsgi:app), on a fresh PostgreSQL
    database and a Redis db of their own; a separate load process (bench/load.py) POSTs
    distinct fake PMS messages over loopback. Printed: requests/s of each, webhook / bare
    (goal >= 0.7), floor / bare (the most any webhook that commits before answering reaches
    here) and webhook / floor, the webhook's p50/p99 latency (goal p99 < 25 ms).
(b) N fake PMS messages are stored in the inbox and handed on as the webhook does; one rq
    SimpleWorker (what `flask --app wsgi worker` runs) drains them in burst mode. Printed:
    reservations/s per worker (goal >= 300/s), and beside it the same worker on the first
    quarter of the stream with one rq job per event (the path before batching).
Needs PostgreSQL (GUESTCRM_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/test) and
Redis (GUESTCRM_BENCH_REDIS, default redis://127.0.0.1:6379/15, flushed). Stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("GUESTCRM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("GUESTCRM_BENCH_REDIS", "redis://127.0.0.1:6379/15")
SECRET = "bench-" + uuid.uuid4().hex
GOALS = {"ratio": 0.7, "p99_ms": 25.0, "per_worker": 300.0}


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"guestcrm_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url, "REDIS_URL": REDIS, "SECRET_KEY": SECRET,
        "GUESTCRM_WEBHOOK_ALPINEBITS": f"bench:{SECRET}",
        "GUESTCRM_WEBHOOK_OPENTRAVEL": f"bench:{SECRET}", "PYTHONUNBUFFERED": "1",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict[str, str], workers: int, threads: int) -> Iterator[int]:
    """gunicorn serving `target` on a free loopback port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", target, "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
               "--chdir", str(ROOT if target.startswith("wsgi:") else ROOT / "bench")]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn {target} did not start: {server.stderr.read()}") from None
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


def load(port: int, args: argparse.Namespace, requests: int, skip: int) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--port", str(port),
               "--requests", str(requests), "--seconds", str(args.seconds),
               "--concurrency", str(args.concurrency), "--skip", str(skip),
               "--basic", f"bench:{SECRET}"]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def accept_bench(args: argparse.Namespace, database_url: str) -> dict[str, dict]:
    """(a): the bare endpoint, the durable floor, then the webhook: same gunicorn settings,
    same messages (the floor's dedupe keys differ from the webhook's, so nothing is a repeat)."""
    env = app_env(database_url)
    results = {}
    for name, target in (("bare", "bare_app:app"), ("floor", "floor_app:app"),
                         ("webhook", "wsgi:app")):
        with gunicorn(target, env, args.workers, args.threads) as port:
            load(port, args, args.warmup, skip=0)  # imports, pools and caches warm up
            results[name] = load(port, args, args.requests, skip=args.warmup)
    return results


def drain_bench(args: argparse.Namespace, database_url: str) -> dict[str, dict]:
    """(b): store N messages, hand them on as the webhook does, time one worker draining the
    queue (burst). Baseline in the same run: the first quarter of the same stream with one rq
    job per event (process_event, the path before batching), on an emptied database."""
    from connectors.fake import FakePMS
    from guestcrm import create_app
    from guestcrm.jobs import job_queue, process_event, schedule_processing

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS,
                      "SECRET_KEY": SECRET, "RATELIMIT_STORAGE_URI": "memory://"})
    events = FakePMS(args.seed + 1).events(args.events)
    with app.app_context():
        per_event = drain_once(events[:max(len(events) // 4, 1)],
                               lambda inbox_id: job_queue().enqueue(process_event, inbox_id))
        batched = drain_once(events, schedule_processing)
    return {"batched": batched, "per_event": per_event}


def drain_once(events: list, hand_on) -> dict[str, float]:
    """Empty the database and Redis, store the events, hand each on, time a burst worker."""
    from rq import SimpleWorker
    from sqlalchemy import func, select, text

    from connectors.base import get_connector
    from guestcrm.extensions import db
    from guestcrm.jobs import job_queue
    from guestcrm.models import InboxEvent
    from guestcrm.services.inbox import accept_message

    jobs = job_queue()
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()
    jobs.connection().flushdb()
    for event in events:
        message = get_connector(event.connector).extract(event.body, event.content_type,
                                                         event.form)
        hand_on(accept_message(db.session, event.connector, message, credential="bench").event.id)
    db.session.remove()
    worker = SimpleWorker([jobs.queue("ingest")], connection=jobs.connection())
    started = time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    seconds = time.perf_counter() - started
    results = db.session.scalars(select(InboxEvent.result).where(
        InboxEvent.status == "processed")).all()
    failed = db.session.scalar(select(func.count()).where(InboxEvent.status != "processed"))
    db.session.remove()
    reservations = sum(len(r.get("stays", [])) for r in results)
    return {"events": len(results), "not_processed": failed, "reservations": reservations,
            "seconds": round(seconds, 2), "events_per_s": round(len(results) / seconds, 1),
            "reservations_per_s": round(reservations / seconds, 1)}


def migrate(database_url: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=app_env(database_url), check=True, capture_output=True)


def report(accept: dict[str, dict] | None, drain: dict[str, float] | None,
           args: argparse.Namespace) -> dict:
    out: dict = {}
    if accept:
        out.update(report_accept(accept, args))
    if drain:
        out["drain"] = report_drain(drain)
    return out


def report_accept(accept: dict[str, dict], args: argparse.Namespace) -> dict:
    bare, floor, hook = accept["bare"], accept["floor"], accept["webhook"]
    ratio = _ratio(hook, bare)
    print(f"gunicorn --workers {args.workers} --threads {args.threads}, "
          f"{args.concurrency} concurrent clients, loopback, fake PMS messages")
    for name, row in (("bare Flask endpoint", bare), ("durable floor (floor_app)", floor),
                      ("POST /webhooks/<connector>", hook)):
        print(f"  {name:28} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:6.2f} ms  "
              f"p99 {row['p99_ms']:6.2f} ms  ({row['requests']} ok, {row['errors']} errors"
              + (f" {row['error_kinds']}" if row["errors"] else "") + ")")
    print(f"  webhook / bare throughput   {ratio:8.2f}   (goal >= {GOALS['ratio']})  "
          f"{'OK' if ratio >= GOALS['ratio'] else 'BELOW GOAL'}")
    print(f"  floor / bare throughput     {_ratio(floor, bare):8.2f}   (a webhook that only stores "
          "and commits)")
    print(f"  webhook / floor throughput  {_ratio(hook, floor):8.2f}")
    print(f"  webhook p99                 {hook['p99_ms']:8.2f} ms "
          f"(goal < {GOALS['p99_ms']:.0f} ms)  "
          f"{'OK' if hook['p99_ms'] < GOALS['p99_ms'] else 'ABOVE GOAL'}")
    return {"accept": accept, "ratio": round(ratio, 3)}


def _ratio(row: dict, base: dict) -> float:
    return row["rps"] / base["rps"] if base["rps"] else 0.0


def report_drain(drain: dict[str, dict]) -> dict[str, dict]:
    batched, base = drain["batched"], drain["per_event"]
    per_worker = batched["reservations_per_s"]
    print("one worker (burst) on PostgreSQL:")
    for name, row in (("one rq job per event (baseline)", base), ("drain in batches", batched)):
        print(f"  {name:32} {row['events']:5} events, {row['reservations']:5} reservations in "
              f"{row['seconds']:6.2f} s = {row['events_per_s']:6.1f} events/s, "
              f"{row['reservations_per_s']:6.1f} reservations/s"
              + (f"  ({row['not_processed']} NOT PROCESSED)" if row["not_processed"] else ""))
    ratio = per_worker / base["reservations_per_s"] if base["reservations_per_s"] else 0.0
    print(f"  batched / per-event             {ratio:6.2f}x")
    print(f"  reservations/s per worker       {per_worker:6.1f}  (goal >= "
          f"{GOALS['per_worker']:.0f}/s, {per_worker / GOALS['per_worker']:.2f} of it)  "
          f"{'OK' if per_worker >= GOALS['per_worker'] else 'BELOW GOAL'}")
    return drain


def run(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--concurrency", type=int, default=None, help="load threads")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--events", type=int, default=None, help="events for the worker")
    parser.add_argument("--seconds", type=float, default=60, help="time cap per load run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("accept", "drain"), help="run one half of the bench")
    args = parser.parse_args(argv)
    args.concurrency = args.concurrency or args.workers * args.threads
    args.requests = args.requests or (400 if args.quick else 3000)
    args.warmup = args.warmup if args.warmup is not None else (50 if args.quick else 200)
    args.events = args.events or (300 if args.quick else 2000)
    redis.Redis.from_url(REDIS).flushdb()
    try:
        with fresh_database() as database_url:
            migrate(database_url)
            accept = accept_bench(args, database_url) if args.only != "drain" else None
            drain = drain_bench(args, database_url) if args.only != "accept" else None
    finally:
        redis.Redis.from_url(REDIS).flushdb()
    return report(accept, drain, args)


if __name__ == "__main__":
    run()
