"""Guest search benchmark: search p95 at 1,000,000 profiles beside a primary-key look-up.

Builds a throwaway PostgreSQL database (bench/guest_search_data.py), then times, in the same
run: a primary-key query (the baseline), the search service for a front-desk agent of one hotel
and for an admin over a mix of what staff type (full names, surnames, names with typos or
without accents, companies, emails, phones in national format, loyalty and reservation
numbers), and GET /guests?q= through the app. Goal: search p95 < 100 ms.
Usage: .venv/bin/python bench/guest_search.py [--profiles N] [--samples N] [--keep]
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import sys
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.desk import PASSWORD, PG_ADMIN, log, make_app, pct, row, timed  # noqa: E402
from bench.guest_search_data import PROPERTIES, generate, names  # noqa: E402

AGENT = "bench-agent@hotel.test"


def queries(guests: list[int], stays: list[int], count: int) -> list[str]:
    """What staff type, in a fixed mix, about these guests (and reservations)."""
    rng = random.Random(16)
    first, last = names()

    def guest() -> int:
        return rng.choice(guests)

    def full_name(g: int) -> str:
        return f"{first[g % len(first)]} {last[(g * 7919) % len(last)]}"

    def typo(word: str) -> str:
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]

    makers = [
        lambda: full_name(guest()),
        lambda: last[(guest() * 7919) % len(last)],
        lambda: typo(full_name(guest())),
        lambda: full_name(guest()).replace("ü", "ue").replace("ö", "oe").replace("ä", "ae"),
        lambda: f"Firma {rng.choice([g for g in guests if g % 50 == 0] or [50]) % 997}",
        lambda: f"guest{guest()}@mail.test",
        lambda: f"030 {2000000 + guest()}",
        lambda: f"CLUB-{rng.choice([g for g in guests if g % 5 == 0] or [5])}",
        lambda: f"R{rng.choice(stays)}",
    ]
    return [makers[i % len(makers)]() for i in range(count)]


def build(url: str, profiles: int):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from guestcrm.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        # The trigram index is built once after the rows, not grown row by row.
        definition = db.session.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_guest_profile_search_text'"))
        db.session.execute(text("DROP INDEX ix_guest_profile_search_text"))
        db.session.commit()
        generate(db.engine, profiles, log)
        log("  building the trigram index ...")
        with db.engine.begin() as conn:
            conn.execute(text(definition))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        log(f"  data ready in {time.perf_counter() - start:.1f} s")
    return app


def measure(app, profiles: int, samples: int) -> dict[str, list[float]]:
    from sqlalchemy import select

    from guestcrm.extensions import db
    from guestcrm.models import GuestProfile, Property, Stay
    from guestcrm.services.access.staff import create_staff
    from guestcrm.services.guests.search import search_guests

    with app.app_context():
        create_staff(db.session, AGENT, PASSWORD, "front_desk", ["P01"])
        hotel = db.session.scalar(select(Property.id).where(Property.code == "P01"))
        db.session.commit()
        # A front-desk agent looks for the hotel's own guests; an admin for anyone's.
        own = db.session.execute(select(Stay.profile_id, Stay.id).where(
            Stay.property_id == hotel).order_by(Stay.id).limit(20_000)).all()
    every = list(range(1, profiles + 1))
    mixes = {"agent": queries([g for g, _ in own], [s for _, s in own], samples),
             "admin": queries(every, every, samples)}
    rng = random.Random(7)
    pending = {who: iter(mix * 4) for who, mix in mixes.items()}
    empty = {"agent": 0, "admin": 0}

    def pk_lookup():
        with app.app_context():
            db.session.execute(select(GuestProfile).where(
                GuestProfile.id == rng.randrange(1, profiles + 1))).scalar_one()
            db.session.remove()

    def search_as(who: str, allowed):
        def run():
            with app.app_context():
                if not search_guests(db.session, next(pending[who]), allowed):
                    empty[who] += 1
                db.session.remove()
        return run

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": AGENT, "password": PASSWORD, "csrf_token": csrf})
    pages = iter(mixes["agent"] * 4)

    def search_page():
        response = client.get("/guests", query_string={"q": next(pages)},
                              headers={"HX-Request": "true", "HX-Target": "results"})
        assert response.status_code == 200, response.status_code

    times = {
        "baseline: primary-key query": timed(pk_lookup, samples),
        "search, front desk of one hotel": timed(search_as("agent", {hotel}), samples),
        "search, admin (every hotel)": timed(search_as("admin", None), samples),
        "GET /guests?q= (front desk)": timed(search_page, samples),
    }
    log(f"  queries that found no one: front desk {empty['agent']}, admin {empty['admin']} "
        f"(of {samples} each; the agent works at one of {PROPERTIES} hotels)")
    return times


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    name = f"guestcrm_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    started = time.perf_counter()
    try:
        log(f"guest search bench: {args.profiles:,} profiles (database {name})")
        app = build(url, args.profiles)
        times = measure(app, args.profiles, args.samples)
        base = pct(times["baseline: primary-key query"], .95)
        log(f"\n{args.samples} samples each, the query mix cycled; ratios against the "
            "primary-key p95")
        for label, values in times.items():
            log(row(label, values, base))
        searches = [v for k, v in times.items() if not k.startswith("baseline")]
        worst = max(pct(v, .95) for v in searches)
        log(f"\nsearch p95 (worst of the three) {worst:.2f} ms vs primary-key p95 {base:.2f} ms; "
            f"goal p95 < 100 ms: {'met' if worst < 100 else 'NOT met'}; "
            f"total run {time.perf_counter() - started:.0f} s")
    finally:
        if args.keep:
            log(f"kept database {name} (drop it when done)")
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
