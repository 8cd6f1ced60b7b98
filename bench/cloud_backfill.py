"""Backfill bench: a cloud PMS history pulled over HTTP into PostgreSQL with identity resolution,
beside a raw PostgreSQL COPY of the same rows in the same run.

  .venv/bin/python bench/cloud_backfill.py                    # 1,000,000 reservations (Apaleo)
  .venv/bin/python bench/cloud_backfill.py --reservations 20000

The fake Apaleo API (connectors/fake_cloud.py) runs as a process of its own and makes each
page on demand; the backfill runs in this process exactly as `flask backfill` does (pages
stored as inbox documents, each processed: canonical reservations, stays, identity, counters).
The COPY baseline writes the same reservations' flat rows (prepared in a file first, untimed)
into a table of its own. Prints reservations/s, wall time, peak RSS and RSS along the way
(memory flat = no growth with the count), and backfill / COPY. Goals (issue #18): <= 5 min
for 1M on this 2-core machine, <= 30x COPY, memory flat.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import fresh_database, migrate  # noqa: E402

GOALS = {"seconds_1m": 300.0, "copy_ratio": 30.0}


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def copy_baseline(database_url: str, count: int) -> float:
    """Seconds to COPY `count` flat reservation rows (made into a file first, untimed)."""
    from connectors.fake_cloud_records import stay_for

    columns = ("id", "first_name", "last_name", "email", "phone", "birth_date", "street",
               "city", "postal_code", "country", "arrival", "departure", "amount", "channel",
               "status", "modified")
    with tempfile.NamedTemporaryFile("w+", suffix=".csv", newline="") as handle:
        writer = csv.writer(handle)
        for k in range(count):
            s = stay_for(7, k)
            p = s["person"]
            writer.writerow((s["id"], p.first_name, p.last_name, s["email"], p.phone,
                             p.birth_date, p.street, p.city, p.postal_code, p.country,
                             s["arrival"], s["departure"], s["amount"], s["channel"],
                             s["status"], s["modified"].isoformat()))
        handle.flush()
        url = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE copy_baseline (id text, first_name text, last_name text, "
                         "email text, phone text, birth_date date, street text, city text, "
                         "postal_code text, country text, arrival date, departure date, "
                         "amount numeric, channel text, status text, modified timestamptz)")
            conn.commit()
            handle.seek(0)
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(
                    f"COPY copy_baseline ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            return time.perf_counter() - started


def backfill(database_url: str, url: str, count: int, account: str) -> dict:
    from flask_migrate import upgrade  # noqa: F401  (migrate() ran already)

    from guestcrm import create_app
    from guestcrm.extensions import db
    from guestcrm.services.ingest.cloud_sync import progress_of, run_backfill, start_backfill
    from guestcrm.services.ingest.connections import ConnectionForm, save_connection
    from guestcrm.services.ingest.processing import process_inbox_event

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
                      "SECRET_KEY": "bench", "RATELIMIT_STORAGE_URI": "memory://"})
    app.extensions["guestcrm_jobs"].redis_url = None
    samples: list[tuple[int, float]] = []
    with app.app_context():
        row = save_connection(db.session, ConnectionForm(
            connector="apaleo", property_code="BENCH1", account=account, base_url=url,
            token_url=f"{url}/connect/token", client_id="guestcrm-fake-client",
            secret="fake-client-secret"), app.config, "bench")
        run = start_backfill(db.session, row, "bench")
        step = max(count // 10, 1)

        def progress(current) -> None:
            if current.reservations // step > len(samples) - 1 or not samples:
                samples.append((current.reservations, rss_mb()))
                p = progress_of(current)
                print(f"  {current.reservations:>9,} / {count:,}  {p.per_second:7,.0f}/s  "
                      f"RSS {rss_mb():6.0f} MB", flush=True)

        processing = [0.0]

        def process(inbox_id: int) -> None:
            began = time.perf_counter()
            process_inbox_event(db.session, inbox_id)
            processing[0] += time.perf_counter() - began

        started = time.perf_counter()
        done = run_backfill(db.session, run.id, app.config, process, progress=progress)
        seconds = time.perf_counter() - started
        from sqlalchemy import text

        stays = db.session.scalar(text("SELECT count(*) FROM stay"))
        profiles = db.session.scalar(text(
            "SELECT count(*) FROM guest_profile WHERE merged_into_id IS NULL"))
    return {"status": done.status, "reservations": done.reservations, "stays": stays,
            "processing": processing[0],
            "profiles": profiles, "seconds": seconds, "samples": samples,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reservations", type=int, default=1_000_000)
    args = parser.parse_args()
    account = "MUC"
    fake = subprocess.Popen([sys.executable, "-m", "connectors.fake_cloud",
                             f"apaleo:{account}:{args.reservations}"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = fake.stdout.readline().strip()
        with fresh_database() as database_url:
            migrate(database_url)
            print(f"backfill of {args.reservations:,} reservations from the fake Apaleo API",
                  flush=True)
            result = backfill(database_url, url, args.reservations, account)
            copy_seconds = copy_baseline(database_url, args.reservations)
    finally:
        fake.stdin.close()
        fake.wait(10)
    rate = result["reservations"] / result["seconds"]
    ratio = result["seconds"] / copy_seconds
    print(f"\nbackfill: {result['status']}, {result['reservations']:,} reservations -> "
          f"{result['stays']:,} stays, {result['profiles']:,} guest profiles")
    print(f"  wall {result['seconds']:8.1f} s   {rate:8,.0f} reservations/s   "
          f"peak RSS {result['peak_rss_mb']:.0f} MB")
    share = result["processing"] / result["seconds"]
    fetching = result["seconds"] - result["processing"]
    print(f"  of which processing (parse, stays, identity, counters) "
          f"{result['processing']:.1f} s ({share:.0%}); fetching over HTTP and storing pages "
          f"{fetching:.1f} s")
    print("  RSS along the way: " + ", ".join(f"{n:,}: {mb:.0f} MB"
                                               for n, mb in result["samples"]))
    print(f"COPY of the same rows: {copy_seconds:6.2f} s "
          f"({args.reservations / copy_seconds:,.0f} rows/s)")
    print(f"backfill / COPY: {ratio:6.1f}x   (goal <= {GOALS['copy_ratio']:.0f}x)")
    projected = args.reservations and 1_000_000 / rate
    print(f"1M at this rate: {projected:6.0f} s   (goal <= {GOALS['seconds_1m']:.0f} s)")


if __name__ == "__main__":
    main()
