"""Desk benchmark: 1,000,000 profiles, 3,000,000 stays, 500 arrivals at one hotel today.

Measures the server time of the arrival board and of GET /api/v1/arrivals (goal < 100 ms p95)
beside a baseline measured in the same run (the bare /healthz endpoint and a primary-key query),
then event -> badge latency on a board open in Chromium against gunicorn (goal < 1 s p95).
Usage: .venv/bin/python bench/desk.py [--quick] [--keep] [--reuse DBNAME] [--no-badge].
It drops its database at the end unless --keep; --reuse runs against a database an earlier
--keep run left (migrations applied, check-ins of earlier runs undone, never dropped).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("GUESTCRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench password 123"


def log(msg: str) -> None:
    print(msg, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn, n: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def row(name: str, ms: list[float], base: float | None = None) -> str:
    ratio = f"  x{pct(ms, .95) / base:7.1f} baseline p95" if base else ""
    return (f"  {name:<34} p50 {statistics.median(ms):8.2f} ms  p95 {pct(ms, .95):8.2f} ms"
            f"  max {max(ms):8.2f} ms{ratio}")


def make_app(url: str):
    from guestcrm import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench",
                      "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_LIMIT": "1000/minute"})
    app.extensions["guestcrm_jobs"].redis_url = None
    return app


def build(url: str, args, day: date):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench.desk_data import generate
    from guestcrm.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        generate(db.engine, args.profiles, args.stays, args.arrivals, day, log)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        log(f"  data ready in {time.perf_counter() - start:.1f} s")
    return app


def reuse(url: str, day: date):
    """A kept database: apply new migrations, undo earlier runs' check-ins (same board)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from guestcrm.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        built = db.session.scalar(text("SELECT arrival FROM stay WHERE external_id = 'A1'"))
        if built != day:
            sys.exit(f"the kept database has its arrivals on {built}, not today ({day}): "
                     "build a new one")
        for table in ("outbound_notification", "desk_event"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text("DELETE FROM audit_entry WHERE action = 'stay.check_in'"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return app


def nightly(app, day: date) -> dict[str, float]:
    from sqlalchemy import select

    from guestcrm.extensions import db
    from guestcrm.models import Stay
    from guestcrm.services.value.figures import recompute_value
    from guestcrm.services.value.ranking import rank_all_tiers

    with app.app_context():
        start = time.perf_counter()
        rank_all_tiers(db.session)
        db.session.commit()
        ranked = time.perf_counter() - start
        ids = list(db.session.scalars(select(Stay.profile_id).where(Stay.arrival == day)))
        start = time.perf_counter()
        recompute_value(db.session, ids, today=day)
        db.session.commit()
        return {"rank": ranked, "recompute": time.perf_counter() - start, "profiles": len(ids)}


def server_times(app, day: date, samples: int) -> dict[str, list[float]]:
    from sqlalchemy import text

    from guestcrm.extensions import db
    from guestcrm.services.access.staff import create_staff
    from guestcrm.services.access.tokens import create_api_token

    with app.app_context():
        if not db.session.scalar(text("SELECT 1 FROM staff_user WHERE email = :e"),
                                 {"e": "bench-admin@hotel.test"}):
            create_staff(db.session, "bench-admin@hotel.test", PASSWORD, "admin", [])
        token = create_api_token(db.session, f"bench-{uuid.uuid4().hex[:8]}")
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": "bench-admin@hotel.test", "password": PASSWORD,
                                "csrf_token": csrf})

    def board():
        response = client.get("/desk/?property=P00")
        assert response.status_code == 200 and response.data.count(b'class="arrival') >= 1

    def api():
        response = client.get(f"/api/v1/arrivals?property=P00&date={day.isoformat()}",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200

    def healthz():
        assert client.get("/healthz").status_code == 200

    def pk_query():
        with app.app_context():
            db.session.execute(text("SELECT first_name FROM guest_profile WHERE id = :i"),
                               {"i": 4242}).all()
            db.session.remove()

    count = len(client.get(f"/api/v1/arrivals?property=P00&date={day.isoformat()}",
                           headers={"Authorization": f"Bearer {token}"}).get_json()["arrivals"])
    log(f"  arrivals on the board: {count}")
    return {"baseline: GET /healthz": timed(healthz, samples),
            "baseline: primary-key query": timed(pk_query, samples),
            "GET /desk/ (board, 500 rows)": timed(board, samples),
            "GET /api/v1/arrivals": timed(api, samples)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def badge_latency(app, url: str, day: date, events: int, pollers: int) -> list[float]:
    """Commit a check-in as the PMS would; time until the badge shows on an open board."""
    import requests
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from guestcrm.extensions import db
    from guestcrm.models import Stay
    from guestcrm.services.recognition.desk import check_in

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""), "SECRET_KEY": "bench",
           "GUESTCRM_LOGIN_RATE_LIMIT": "1000/minute", "REDIS_URL": ""}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "4", "-b",
                               f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            pages = []
            for _ in range(1 + pollers):  # other desk screens polling beside the measured one
                page = browser.new_page()
                page.goto(f"{base}/login")
                page.fill("#email", "bench-admin@hotel.test")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.goto(f"{base}/desk/?property=P00")
                pages.append(page)
            page = pages[0]
            with app.app_context():
                ids = list(db.session.scalars(select(Stay.id).where(
                    Stay.arrival == day, Stay.property_id == 1).order_by(Stay.id).limit(events)))
                out = []
                for stay_id in ids:
                    check_in(db.session, db.session.get(Stay, stay_id), actor="pms")
                    db.session.commit()
                    committed = time.time() * 1000
                    page.wait_for_selector(f"#status-{stay_id} .checked", timeout=10_000)
                    seen = page.evaluate("Date.now()")
                    out.append(seen - committed)
                    time.sleep(0.37)  # spread events over the poll phase
            browser.close()
        return out
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    # A plain kill must still reach the `finally` that drops the bench database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k profiles, 60k stays")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DBNAME", help="run against a database --keep left")
    parser.add_argument("--no-badge", action="store_true", help="skip the browser part")
    args = parser.parse_args()
    args.profiles, args.stays = (20_000, 60_000) if args.quick else (1_000_000, 3_000_000)
    args.arrivals, samples = 500, 20 if args.quick else 50
    day = date.today()
    name = args.reuse or f"guestcrm_bench_{uuid.uuid4().hex[:8]}"
    if args.reuse:
        args.keep = True  # never drop a database this run did not create
    else:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    started = time.perf_counter()
    try:
        if args.reuse:
            log(f"desk bench: reusing database {name} (arrivals on {day})")
            app = reuse(url, day)
        else:
            log(f"desk bench: {args.profiles:,} profiles, {args.stays:,} stays, "
                f"{args.arrivals} arrivals on {day} (database {name})")
            app = build(url, args, day)
            night = nightly(app, day)
            log(f"  nightly pyramid ranking of all profiles: {night['rank']:.2f} s; value "
                f"recompute of {night['profiles']} arriving guests: {night['recompute']:.2f} s")
        times = server_times(app, day, samples)
        latency = [] if args.no_badge else badge_latency(
            app, url, day, 10 if args.quick else 30, pollers=4)
        base = pct(times["baseline: GET /healthz"], .95)
        log("\nserver time (in-process, Flask test client), "
            f"{samples} samples each; ratios against GET /healthz p95")
        for label, values in times.items():
            log(row(label, values, base))
        if latency:
            log(f"\nevent -> badge on an open board (gunicorn 4 sync workers, 0.5 s htmx poll, "
                f"5 boards open), {len(latency)} events")
            log(row("event -> badge", latency))
        else:
            log("\nevent -> badge: skipped (--no-badge)")
        goal_ok = (pct(times["GET /desk/ (board, 500 rows)"], .95) < 100
                   and pct(times["GET /api/v1/arrivals"], .95) < 100
                   and bool(latency) and pct(latency, .95) < 1000)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        log(f"\nmachine load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")
        log(f"goals (board and API p95 < 100 ms, badge p95 < 1 s): "
            f"{'met' if goal_ok else 'NOT met'}; total run {time.perf_counter() - started:.0f} s")
    finally:
        if args.keep:
            log(f"kept database {name} (reuse it with --reuse {name}; drop it when done)")
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
