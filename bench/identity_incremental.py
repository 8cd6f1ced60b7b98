"""Incremental identity match of one new reservation against a million profiles in PostgreSQL.

  .venv/bin/python bench/identity_incremental.py                 # 1,000,000 profiles
  .venv/bin/python bench/identity_incremental.py --profiles 20000 --queries 60   # quick

Builds a scratch database (dropped at the end), loads hotel-style profiles (bench/
hotel_generator.py, ground truth kept) topped up with recombined names to the target size,
their contact points, blocking keys and match records with COPY, learns and stores a model
from the realistic part, then times per query guest, in the same run:
  baseline  exact-key lookup alone (identity.exact_keys.find_profiles: PMS id, loyalty, email,
            phone+name), what ingest did before scored matching;
  match     exact lookup, then (nothing found) candidates from the blocking-key table scored
            with the stored model (services.fuzzy.decide_records): the ingest path's work.
Query guests are held-out records of loaded people (duplicates) and people never loaded.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import psycopg
from anyascii import anyascii

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hotel_generator import generate  # noqa: E402
from guestcrm.services.identity.matching import GuestRecord, normalize, resolve  # noqa: E402
from guestcrm.services.identity.matching.blocking import blocking_keys  # noqa: E402

PG = os.environ.get("GUESTCRM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
FIELDS = ("first_name", "last_name", "email", "phone", "birth_date", "street", "city",
          "postal_code", "country", "language", "loyalty_id")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _date(text: str | None) -> str | None:
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


def filler(pool: list[dict], count: int, seed: int) -> list[dict]:
    """Recombined people: first name and country of one record, surname of another, own
    email, phone and (often) birth date, so block sizes look like a large guest base."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        a, b, c = rng.choice(pool), rng.choice(pool), rng.choice(pool)
        first, last = a["first_name"] or "", b["last_name"] or ""
        local = anyascii(f"{first}.{last}").lower().replace(" ", "") or "guest"
        born = f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append({"first_name": first, "last_name": last, "country": a["country"],
                    "language": a["language"], "email": f"{local}{i}@mail{i % 97}.example.net",
                    "phone": f"+4915{rng.randint(10**8, 10**9 - 1)}",
                    "birth_date": born if rng.random() < 0.4 else None,
                    "city": c["city"], "postal_code": c["postal_code"], "street": None,
                    "loyalty_id": None})
    return out


def _tsv(values) -> str:
    def cell(v):
        if v is None:
            return "\\N"
        return str(v).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
    return "\t".join(cell(v) for v in values) + "\n"


def load(conn: psycopg.Connection, rows: list[dict]) -> None:
    """COPY profiles, contacts, blocking keys and match records; ids are 1..len(rows)."""
    profiles, contacts, keys, records = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
    cid = 0
    for pid, row in enumerate(rows, start=1):
        profiles.write(_tsv([pid, row["first_name"], row["last_name"], _date(row["birth_date"]),
                             row["city"], row["postal_code"], row["country"], row["language"],
                             "{}", "{}", NOW, NOW, 0, 0, 0, 0, 0, 0]))
        for kind, value in (("email", row["email"]), ("phone", row["phone"])):
            if value:
                cid += 1
                norm = value.lower() if kind == "email" else "+" + "".join(
                    ch for ch in value if ch.isdigit())
                contacts.write(_tsv([cid, pid, kind, value, norm, False, True, False, "bench",
                                     NOW, NOW]))
        rec = GuestRecord(record_id=str(pid), **{f: row.get(f) for f in FIELDS})
        for key in set(blocking_keys(normalize(rec))):
            if len(key) <= 255:
                keys.write(_tsv([pid, key]))
        records.write(_tsv([pid, json.dumps([_record_json(rec)])]))
        if pid % 200_000 == 0:
            say(f"  prepared {pid:,} profiles")
    tables = [
        ("guest_profile (id, first_name, last_name, birth_date, city, postal_code, country, "
         "language, field_versions, channel_mix, created_at, updated_at, completed_stays, "
         "nights, spend, cancellations, no_shows, upcoming_stays)", profiles),
        ("contact_point (id, profile_id, kind, value_raw, value_normalized, is_relay, "
         "is_valid, verified, source, first_seen, last_seen)", contacts),
        ("profile_blocking_key (profile_id, key)", keys),
        ("profile_match_record (profile_id, records)", records),
    ]
    with conn.cursor() as cur:
        cur.execute("DROP INDEX ix_profile_blocking_key_key")
        for target, buffer in tables:
            start = time.perf_counter()
            with cur.copy(f"COPY {target} FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            say(f"  COPY {target.split()[0]}: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        cur.execute("CREATE INDEX ix_profile_blocking_key_key ON profile_blocking_key (key)")
        for seq, table in (("guest_profile_id_seq", "guest_profile"),
                           ("contact_point_id_seq", "contact_point")):
            cur.execute(f"SELECT setval('{seq}', (SELECT max(id) FROM {table}))")  # noqa: S608
        cur.execute("ANALYZE")
        say(f"  index + analyze: {time.perf_counter() - start:.1f} s")
    conn.commit()


def _record_json(rec: GuestRecord) -> dict:
    return {k: getattr(rec, k) for k in ("record_id", *FIELDS) if getattr(rec, k) is not None}


def queries(rows: list[dict], truth: dict[str, int], fresh: list[dict], count: int, seed: int):
    """Half held-out duplicates (their person stays loaded), half people never loaded."""
    rng = random.Random(seed)
    by_person: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        by_person.setdefault(truth[row["record_id"]], []).append(i)
    repeat = [idx[-1] for idx in by_person.values() if len(idx) >= 2]
    held = set(rng.sample(repeat, min(count // 2, len(repeat))))
    picked = [rows[i] for i in sorted(held)] + rng.sample(fresh, min(count - len(held),
                                                                     len(fresh)))
    return [r for i, r in enumerate(rows) if i not in held], picked


def percentiles(samples: list[float]) -> str:
    a = np.asarray(samples) * 1000
    return (f"p50 {np.percentile(a, 50):6.2f} ms  p95 {np.percentile(a, 95):6.2f} ms  "
            f"p99 {np.percentile(a, 99):6.2f} ms  max {a.max():6.2f} ms")


def canonical(row: dict):
    from guestcrm.schemas.reservation import (
        CanonicalAddress,
        CanonicalEmail,
        CanonicalGuest,
        CanonicalPhone,
    )

    born = _date(row.get("birth_date"))
    return CanonicalGuest(
        first_name=row.get("first_name"), last_name=row.get("last_name"),
        birth_date=date.fromisoformat(born) if born else None,
        emails=[CanonicalEmail(row["email"])] if row.get("email") else [],
        phones=[CanonicalPhone(row["phone"])] if row.get("phone") else [],
        address=CanonicalAddress(city=row.get("city"), postal_code=row.get("postal_code"),
                                 country=row.get("country")))


def measure(app, picked: list[dict], warmup: int = 20) -> dict:
    from guestcrm.extensions import db
    from guestcrm.services.identity.exact_keys import find_profiles
    from guestcrm.services.identity.fuzzy import current_scorer, decide_records
    from guestcrm.services.identity.keys import guest_keys

    base, full, outcomes = [], [], {}
    with app.app_context():
        session = db.session
        scorer = current_scorer(session)
        for n, row in enumerate(picked[:warmup] + picked):
            keys = guest_keys(canonical(row), "bench", "DE")
            t0 = time.perf_counter()
            exact = find_profiles(session, keys)
            t1 = time.perf_counter()
            outcome = "exact"
            if not exact:
                rec = GuestRecord(record_id="new", **{f: row.get(f) for f in FIELDS})
                current = scorer or current_scorer(session)
                outcome = decide_records(session, current, [rec], exclude=set()).outcome
            t2 = time.perf_counter()
            if n >= warmup:
                base.append(t1 - t0)
                full.append(t2 - t0)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        session.rollback()
    return {"baseline": base, "match": full, "outcomes": outcomes}


def run(profiles: int, queries_count: int, real_people: int, keep: bool = False) -> dict:
    from flask_migrate import upgrade

    from guestcrm import create_app
    from guestcrm.extensions import db
    from guestcrm.models import MatchModelRow

    name = f"guestcrm_bench_incr_{os.getpid()}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG.rsplit("/", 1)[0] + "/" + name
    try:
        start = time.perf_counter()
        app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://",
                                                                 "postgresql+psycopg://"),
                          "REDIS_URL": None, "TESTING": True, "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
        rows, truth = generate(real_people, seed=5)
        fresh, _ = generate(max(queries_count, 50), seed=99)
        loaded, picked = queries(rows, truth, fresh, queries_count, seed=3)
        say(f"generated {len(loaded):,} hotel-style records of {real_people:,} people")
        model_input = [GuestRecord(record_id=str(i), **{f: r.get(f) for f in FIELDS})
                       for i, r in enumerate(loaded)]
        result = resolve(model_input)
        with app.app_context():
            db.session.add(MatchModelRow(model=result.model.to_dict(),
                                         merge_threshold=result.merge_threshold,
                                         trained_on=len(model_input), created_by="bench"))
            db.session.commit()
        say(f"model learned from {len(model_input):,} records "
            f"(merge threshold {result.merge_threshold:.4f})")
        everything = loaded + filler(loaded, max(profiles - len(loaded), 0), seed=17)
        with psycopg.connect(url) as conn:
            load(conn, everything)
        setup = time.perf_counter() - start
        say(f"loaded {len(everything):,} profiles in {setup:.0f} s")
        timings = measure(app, picked)
        with psycopg.connect(url) as conn:
            key_rows = conn.execute("SELECT count(*) FROM profile_blocking_key").fetchone()[0]
        return {**timings, "profiles": len(everything), "keys": key_rows, "setup_s": setup}
    finally:
        if not keep:
            with psycopg.connect(PG, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--real-people", type=int, default=30_000,
                        help="people from the hotel-style generator (the rest is filler)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    out = run(args.profiles, args.queries, args.real_people, args.keep)
    base, match = out["baseline"], out["match"]
    print(f"profiles {out['profiles']:,}  blocking keys {out['keys']:,}  "
          f"setup {out['setup_s']:.0f} s  queries {len(match)}  outcomes {out['outcomes']}")
    print(f"baseline exact-key lookup     {percentiles(base)}")
    print(f"incremental match (exact+fuzzy) {percentiles(match)}")
    p95 = float(np.percentile(match, 95)) * 1000
    ratio = p95 / (float(np.percentile(base, 95)) * 1000)
    print(f"p95 {p95:.2f} ms (goal < 10 ms: {'met' if p95 < 10 else 'NOT met'}); "
          f"ratio p95 match / p95 baseline = {ratio:.2f}x")


if __name__ == "__main__":
    main()
