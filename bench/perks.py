"""Perks benchmark: evaluating every published offer over 1,000,000 profiles (goal < 60 s) beside
a plain SQL count of the same eligibility in the same run, and POST /api/v1/perks/validate p95
under load (goal < 20 ms) beside GET /healthz measured in the same run, against gunicorn.

Usage: .venv/bin/python bench/perks.py [--quick] [--keep] [--reuse DBNAME]. The data is
bench/desk_data.py's (1M profiles, 3M stays over five years; --quick: 20k / 60k). It drops its
database at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("GUESTCRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

from bench.desk import free_port, log, make_app, pct  # noqa: E402

OFFERS = [
    {"name": "2nd stay: late check-out", "perk_type": "late_checkout", "rule": {"nth_stay": 2}},
    {"name": "Every 5th stay: upgrade", "perk_type": "room_upgrade",
     "rule": {"every_n_stays": 5}},
    {"name": "Regulars: F&B credit", "perk_type": "fb_credit", "amount": "30",
     "rule": {"min_stays_12m": 2, "min_nights_12m": 4}},
    {"name": "Book direct next time", "perk_type": "percent_discount", "amount": "10",
     "rule": {"ota_never_direct": True}},
]
# The SQL that counts, for the first offer (the 2nd stay), the guests who qualify at their next
# stay: those with exactly one completed stay. The same aggregate the engine streams, no Python.
PLAIN_COUNT = """
    SELECT count(*) FROM (
        SELECT sg.profile_id,
               sum(CASE WHEN s.status = 'checked_out'
                         OR (s.status IN ('confirmed', 'checked_in') AND s.departure <= :today)
                        THEN 1 ELSE 0 END) AS done
        FROM stay_guest sg JOIN stay s ON s.id = sg.stay_id
        JOIN guest_profile gp ON gp.id = sg.profile_id AND gp.merged_into_id IS NULL
        GROUP BY sg.profile_id) per_guest
    WHERE done = 1"""


def build(url: str, profiles: int, stays: int, day: date):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench.desk_data import generate
    from guestcrm.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        generate(db.engine, profiles, stays, 500, day, log)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        log(f"  data ready in {time.perf_counter() - start:.1f} s")
    return app


def publish_offers(app) -> None:
    from sqlalchemy import delete

    from guestcrm.extensions import db
    from guestcrm.models import Perk, PerkApiRequest, PerkOffer
    from guestcrm.services.perks.offers import OfferScope, change_status, save_offer

    with app.app_context():
        for model in (PerkApiRequest, Perk, PerkOffer):
            db.session.execute(delete(model))
        db.session.commit()
        for values in OFFERS:
            offer = save_offer(db.session, values, OfferScope(None), actor="bench")
            change_status(db.session, offer.id, "publish", OfferScope(None), actor="bench")


def evaluate_all(app, day: date) -> tuple[float, dict[int, int], float, int]:
    """Seconds to evaluate every published offer over every profile, the counts; seconds of
    the plain SQL count of the first offer, its count."""
    from sqlalchemy import select, text

    from guestcrm.extensions import db
    from guestcrm.models import PerkOffer
    from guestcrm.services.perks.rules import Eligibility
    from guestcrm.services.perks.simulation import qualifying_now

    with app.app_context():
        offers = list(db.session.scalars(select(PerkOffer).where(
            PerkOffer.status == "published").order_by(PerkOffer.id)))
        rules = {o.id: Eligibility.from_json(o.rule) for o in offers}
        start = time.perf_counter()
        counts = qualifying_now(db.session, rules, {o.id: o.property_ids for o in offers}, day)
        engine_s = time.perf_counter() - start
        db.session.rollback()
        start = time.perf_counter()
        plain = db.session.scalar(text(PLAIN_COUNT), {"today": day})
        plain_s = time.perf_counter() - start
        db.session.rollback()
    return engine_s, counts, plain_s, plain


def issue_codes(app, n: int) -> list[tuple[str, int]]:
    """`n` perks of the first offer to guests with a stay at P00: (code, guest id)."""
    from sqlalchemy import select

    from guestcrm.extensions import db
    from guestcrm.models import PerkOffer, Stay
    from guestcrm.services.perks.issuing import issue_by_staff

    with app.app_context():
        offer_id = db.session.scalar(select(PerkOffer.id).order_by(PerkOffer.id))
        guests = list(db.session.scalars(select(Stay.profile_id).where(
            Stay.property_id == 1).distinct().limit(n)))
        out = []
        for pid in guests:
            perk = issue_by_staff(db.session, pid, offer_id, 1, actor="bench")
            out.append((perk.code, pid))
        return out


def validate_under_load(url: str, codes: list[tuple[str, int]], seconds: float, threads: int,
                        rate: float) -> tuple[list[float], list[float], int, int]:
    """gunicorn (2 workers x 4 threads) on the bench database; `threads` clients validate
    random codes at `rate` requests per second in all (a busy booking engine), while one more
    client times GET /healthz and validate alternately: both latencies under the same load.
    Returns the two latency lists, the failures and the background requests sent."""
    import requests

    from guestcrm.services.access.tokens import create_api_token

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""), "SECRET_KEY": "bench",
           "REDIS_URL": "", "GUESTCRM_PERK_RATE_LIMIT": "1000000 per minute"}
    app = make_app(url)
    from guestcrm.extensions import db

    with app.app_context():
        token = create_api_token(db.session, f"bench-{uuid.uuid4().hex[:6]}")
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "--threads", "4",
                               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    arrival = date.today() + timedelta(days=20)

    def body(code, pid):
        return {"code": code, "guest_id": pid, "property": "P00",
                "arrival": arrival.isoformat(),
                "departure": (arrival + timedelta(days=2)).isoformat()}

    stop, errors, sent = threading.Event(), [0], [0]
    gap = threads / rate if rate else 0.0

    def load():
        session = requests.Session()
        due = time.monotonic()
        while not stop.is_set():
            due += gap
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            sent[0] += 1
            code, pid = random.choice(codes)
            answer = session.post(f"{base}/api/v1/perks/validate", json=body(code, pid),
                                  headers=headers, timeout=10)
            if answer.status_code != 200 or not answer.json().get("valid"):
                errors[0] += 1

    try:
        for _ in range(150):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        workers = [threading.Thread(target=load, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        timer = requests.Session()
        health, validate = [], []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            start = time.perf_counter()
            timer.get(f"{base}/healthz", timeout=10)
            health.append((time.perf_counter() - start) * 1000)
            code, pid = random.choice(codes)
            start = time.perf_counter()
            answer = timer.post(f"{base}/api/v1/perks/validate", json=body(code, pid),
                                headers=headers, timeout=10)
            validate.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200 or not answer.json().get("valid"):
                errors[0] += 1
        stop.set()
        for worker in workers:
            worker.join(timeout=15)
        return health, validate, errors[0], sent[0]
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k profiles, 60k stays")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DBNAME", help="run against a database --keep left")
    parser.add_argument("--seconds", type=float, default=None, help="load duration")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="background validations per second (0: as fast as they go)")
    args = parser.parse_args()
    profiles, stays = (20_000, 60_000) if args.quick else (1_000_000, 3_000_000)
    seconds = args.seconds or (5 if args.quick else 30)
    day = date.today()
    name = args.reuse or f"guestcrm_bench_{uuid.uuid4().hex[:8]}"
    if args.reuse:
        args.keep = True
    else:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    try:
        if args.reuse:
            log(f"perks bench: reusing database {name}")
            app = make_app(url)
        else:
            log(f"perks bench: {profiles:,} profiles, {stays:,} stays (database {name})")
            app = build(url, profiles, stays, day)
        publish_offers(app)
        engine_s, counts, plain_s, plain = evaluate_all(app, day)
        log(f"\nevaluating {len(counts)} published offers over every profile "
            f"(qualify at the next stay)")
        log(f"  rule engine, all offers      {engine_s:8.2f} s   counts {list(counts.values())}")
        log(f"  plain SQL count, first offer {plain_s:8.2f} s   count  {plain}")
        first = next(iter(counts.values()))
        log(f"  ratio engine / plain SQL: {engine_s / plain_s:.1f}x; first offer's counts "
            f"{'agree' if first == plain else 'DIFFER'}")
        codes = issue_codes(app, 200 if args.quick else 2000)
        health, validate, errors, sent = validate_under_load(url, codes, seconds, threads=4,
                                                             rate=args.rate)
        base = pct(health, .95)
        log(f"\nPOST /api/v1/perks/validate under load (gunicorn 2x4; 4 clients validating "
            f"{len(codes)} codes, {sent / seconds:.0f} req/s sent beside the timed client), "
            f"{len(validate)} timed requests each, {seconds:.0f} s")
        for label, values in (("baseline: GET /healthz", health),
                              ("POST /api/v1/perks/validate", validate)):
            log(f"  {label:<30} p50 {statistics.median(values):7.2f} ms  "
                f"p95 {pct(values, .95):7.2f} ms  p99 {pct(values, .99):7.2f} ms  "
                f"x{pct(values, .95) / base:5.1f} baseline p95")
        log(f"  refused or failed validations: {errors}")
        met = engine_s < 60 and pct(validate, .95) < 20 and first == plain and not errors
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        log(f"\nmachine load average at the end: {load} on {os.cpu_count()} cores")
        log(f"goals (evaluation < 60 s, validate p95 < 20 ms): {'met' if met else 'NOT met'}")
    finally:
        if args.keep:
            log(f"kept database {name} (--reuse {name})")
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
