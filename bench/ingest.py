"""Ingest bench: webhook accept throughput under gunicorn, and reservations per second per worker.

  .venv/bin/python bench/ingest.py            # 3 rounds: 3000 requests per server, 2000 events
  .venv/bin/python bench/ingest.py --quick    # 1 round: 400 requests per server, 300 events

Each part runs --rounds times, alternating what it compares (runs on these machines vary by
about 15%); printed are each server's median round and each ratio's median over the rounds,
every ratio taken within one round, with the rounds' values beside it.

(a) The same gunicorn settings serve, one after the other in the same run, a bare Flask endpoint
    (bench/bare_app.py), the least a durable webhook can do (bench/floor_app.py: auth, mask,
    one raw INSERT and its commit, a Redis flag) and GuestCRM (wsgi:app), on a fresh PostgreSQL
    database and a Redis db of their own; a separate load process (bench/load.py) POSTs
    distinct fake PMS messages over loopback. Printed: requests/s of each, webhook / bare
    (goal >= 0.7), floor / bare (about the most any webhook that commits before answering can
    reach here) and webhook / floor, the webhook's p50/p99 latency (goal p99 < 25 ms, judged
    on the worst round).
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
from typing import TypeVar

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("GUESTCRM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("GUESTCRM_BENCH_REDIS", "redis://127.0.0.1:6379/15")
SECRET = "bench-" + uuid.uuid4().hex
T = TypeVar("T")
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
        **{f"GUESTCRM_WEBHOOK_{name.upper()}": f"bench:{SECRET}"
           for name in ("apaleo", "mews", "cloudbeds")},
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


def load(port: int, args: argparse.Namespace, requests: int, skip: int,
         connector: str | None = None) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--port", str(port),
               "--requests", str(requests), "--seconds", str(args.seconds),
               "--concurrency", str(args.concurrency), "--skip", str(skip),
               "--basic", f"bench:{SECRET}"] + (["--connector", connector] if connector else [])
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def accept_bench(args: argparse.Namespace, database_url: str) -> dict[str, list[dict]]:
    """(a): the bare endpoint, the durable floor, then the webhook: same gunicorn settings,
    same messages (the floor's dedupe keys differ from the webhook's, so nothing is a repeat).
    Each round sends messages no earlier round sent."""
    env = app_env(database_url)
    results: dict[str, list[dict]] = {"bare": [], "floor": [], "webhook": []}
    for round_ in range(args.rounds):
        skip = args.warmup + round_ * args.requests
        for name, target in (("bare", "bare_app:app"), ("floor", "floor_app:app"),
                             ("webhook", "wsgi:app")):
            with gunicorn(target, env, args.workers, args.threads) as port:
                load(port, args, args.warmup, skip=0)  # imports, pools and caches warm up
                results[name].append(load(port, args, args.requests, skip=skip))
    return results


def drain_bench(args: argparse.Namespace, database_url: str) -> dict[str, list[dict]]:
    """(b): store N messages, hand them on as the webhook does, time one worker draining the
    queue (burst). Baseline in the same run: the first quarter of the same stream with one rq
    job per event (process_event, the path before batching), on an emptied database."""
    from connectors.fake import FakePMS
    from guestcrm import create_app
    from guestcrm.jobs.inbox import process_event, schedule_processing
    from guestcrm.jobs.queue import job_queue

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS,
                      "SECRET_KEY": SECRET, "RATELIMIT_STORAGE_URI": "memory://"})
    events = FakePMS(args.seed + 1).events(args.events)
    results: dict[str, list[dict]] = {"batched": [], "per_event": []}
    with app.app_context():
        for _ in range(args.rounds):
            results["per_event"].append(drain_once(
                events[:max(len(events) // 4, 1)],
                lambda inbox_id: job_queue().enqueue(process_event, inbox_id)))
            results["batched"].append(drain_once(events, schedule_processing))
    return results


def drain_once(events: list, hand_on) -> dict[str, float]:
    """Empty the database and Redis, store the events, hand each on, time a burst worker."""
    from rq import SimpleWorker
    from sqlalchemy import func, select, text

    from connectors.registry import get_connector
    from guestcrm.extensions import db
    from guestcrm.jobs.queue import job_queue
    from guestcrm.models import InboxEvent
    from guestcrm.services.ingest.inbox import accept_message

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


def report(accept: dict[str, list[dict]] | None, drain: dict[str, list[dict]] | None,
           args: argparse.Namespace) -> dict:
    out: dict = {}
    if accept:
        out.update(report_accept(accept, args))
    if drain:
        out["drain"] = report_drain(drain)
    return out


def report_accept(accept: dict[str, list[dict]], args: argparse.Namespace) -> dict:
    """Each server's median round (by requests/s); each ratio's median over the rounds, each
    round's ratio taken within that round; the p99 goal judged on the worst round."""
    median = {name: _median(runs, "rps") for name, runs in accept.items()}
    print(f"gunicorn --workers {args.workers} --threads {args.threads}, "
          f"{args.concurrency} concurrent clients, loopback, fake PMS messages, "
          f"median of {args.rounds} round(s)")
    for name, label in (("bare", "bare Flask endpoint"), ("floor", "durable floor (floor_app)"),
                        ("webhook", "POST /webhooks/<connector>")):
        row, runs = median[name], accept[name]
        errors = sum(r["errors"] for r in runs)
        kinds = sorted({k for r in runs for k in r["error_kinds"]})[:5]
        print(f"  {label:28} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:6.2f} ms  "
              f"p99 {row['p99_ms']:6.2f} ms  ({sum(r['requests'] for r in runs)} ok, "
              f"{errors} errors" + (f" {kinds}" if errors else "") + ")")
    ratio = _ratios(accept["webhook"], accept["bare"])
    floor = _ratios(accept["floor"], accept["bare"])
    above_floor = _ratios(accept["webhook"], accept["floor"])
    print(f"  webhook / bare throughput   {_mid(ratio):8.2f}   (goal >= {GOALS['ratio']})  "
          f"{'OK' if _mid(ratio) >= GOALS['ratio'] else 'BELOW GOAL'}{_rounds(ratio)}")
    print(f"  floor / bare throughput     {_mid(floor):8.2f}   (a webhook that only stores and "
          f"commits){_rounds(floor)}")
    print(f"  webhook / floor throughput  {_mid(above_floor):8.2f}{_rounds(above_floor)}")
    worst_p99 = max(r["p99_ms"] for r in accept["webhook"])
    print(f"  webhook p99, worst round    {worst_p99:8.2f} ms (goal < {GOALS['p99_ms']:.0f} ms)  "
          f"{'OK' if worst_p99 < GOALS['p99_ms'] else 'ABOVE GOAL'}")
    return {"accept": accept, "ratio": round(_mid(ratio), 3)}


def report_drain(drain: dict[str, list[dict]]) -> dict[str, list[dict]]:
    batched = _median(drain["batched"], "reservations_per_s")
    base = _median(drain["per_event"], "reservations_per_s")
    per_worker = batched["reservations_per_s"]
    print(f"one worker (burst) on PostgreSQL, median of {len(drain['batched'])} round(s):")
    for name, row in (("one rq job per event (baseline)", base), ("drain in batches", batched)):
        print(f"  {name:32} {row['events']:5} events, {row['reservations']:5} reservations in "
              f"{row['seconds']:6.2f} s = {row['events_per_s']:6.1f} events/s, "
              f"{row['reservations_per_s']:6.1f} reservations/s"
              + (f"  ({row['not_processed']} NOT PROCESSED)" if row["not_processed"] else ""))
    unprocessed = sum(r["not_processed"] for runs in drain.values() for r in runs)
    if unprocessed:
        print(f"  {unprocessed} events NOT PROCESSED over all rounds")
    speedup = _ratios(drain["batched"], drain["per_event"], "reservations_per_s")
    print(f"  batched / per-event             {_mid(speedup):6.2f}x{_rounds(speedup)}")
    print(f"  reservations/s per worker       {per_worker:6.1f}  (goal >= "
          f"{GOALS['per_worker']:.0f}/s, {per_worker / GOALS['per_worker']:.2f} of it)  "
          f"{'OK' if per_worker >= GOALS['per_worker'] else 'BELOW GOAL'}"
          + _rounds(sorted(r["reservations_per_s"] for r in drain["batched"]), ".1f"))
    return drain


def _median(runs: list[dict], key: str) -> dict:
    """The run with the median `key` (of an even count, the lower middle one)."""
    return _mid(sorted(runs, key=lambda r: r[key]))


def _ratios(runs: list[dict], bases: list[dict], key: str = "rps") -> list[float]:
    """Each round's `key` over its base's in the same round, sorted."""
    pairs = zip(runs, bases, strict=True)
    return sorted(r[key] / b[key] if b[key] else 0.0 for r, b in pairs)


def _mid(ordered: list[T]) -> T | float:
    """The middle of a sorted list (of an even count, the lower middle one)."""
    return ordered[(len(ordered) - 1) // 2] if ordered else 0.0


def _rounds(values: list[float], fmt: str = ".2f") -> str:
    """The rounds' values (sorted), when there were several."""
    return "   rounds: " + " ".join(format(v, fmt) for v in values) if len(values) > 1 else ""


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
    parser.add_argument("--rounds", type=int, default=None,
                        help="repeat each part, report medians (default 3, --quick 1)")
    parser.add_argument("--only", choices=("accept", "drain"), help="run one half of the bench")
    args = parser.parse_args(argv)
    args.concurrency = args.concurrency or args.workers * args.threads
    args.requests = args.requests or (400 if args.quick else 3000)
    args.warmup = args.warmup if args.warmup is not None else (50 if args.quick else 200)
    args.events = args.events or (300 if args.quick else 2000)
    args.rounds = args.rounds or (1 if args.quick else 3)
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
