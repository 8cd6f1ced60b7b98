"""Shuffled, duplicated delivery with a worker killed mid-run ends like in-order, once-only delivery.

The fake PMS's stream is POSTed to the webhooks in a shuffled order with 30 % of the messages
delivered twice, while real `flask --app wsgi worker` processes (separate processes, real
PostgreSQL and Redis) work the queue; one is SIGKILLed mid-run and a restarted one (its
start-up reconciler re-enqueues what was lost) finishes the job. The database is then dumped
canonically, emptied, fed the same events once and in order, and dumped again: equal dumps.
"""

from __future__ import annotations

import base64
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from connectors.fake import FakeEvent, FakePMS, final_state, people_stays
from connectors.registry import get_connector
from guestcrm.models import InboxEvent
from guestcrm.services.access.credentials import create_webhook_credential
from guestcrm.services.ingest.inbox import accept_message
from guestcrm.services.ingest.processing import process_inbox_event
from tests.integration.canonical import canonical_dump, differences, profile_stays

ROOT = Path(__file__).resolve().parents[2]
EVENTS, DUPLICATES = 2000, 0.30


def deliveries(events: list[FakeEvent], seed: int) -> list[FakeEvent]:
    """Every event once plus 30 % of them again, in a shuffled order."""
    rng = random.Random(seed)
    shuffled = events + rng.sample(events, int(len(events) * DUPLICATES))
    rng.shuffle(shuffled)
    return shuffled


def credentials(session) -> dict[str, dict[str, str]]:
    headers = {}
    for name in ("alpinebits", "opentravel"):
        secret = create_webhook_credential(session, name, "fake-pms")
        token = base64.b64encode(f"fake-pms:{secret}".encode()).decode()
        headers[name] = {"Authorization": f"Basic {token}"}
    return headers


def post(client, event: FakeEvent, auth: dict[str, dict[str, str]]) -> None:
    response = client.post(f"/webhooks/{event.connector}", data=event.body,
                           content_type=event.content_type, headers=auth[event.connector] | event.headers)
    assert response.status_code == 200, (event.key, response.status_code, response.data[:300])


def ingest_in_order(session, events: list[FakeEvent]) -> None:
    """Once-only, in-order delivery through the same inbox path, processed in-process."""
    connectors = {name: get_connector(name) for name in ("alpinebits", "opentravel")}
    for event in events:
        message = connectors[event.connector].extract(event.body, event.content_type, event.form)
        message.headers = dict(event.headers)
        accepted = accept_message(session, event.connector, message, credential="fake-pms")
        assert not accepted.duplicate, event.key
        processed = process_inbox_event(session, accepted.event.id)
        assert processed.status == "processed", (event.key, processed.error)


def empty_database(session) -> None:
    from guestcrm.extensions import db

    session.commit()
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    session.commit()


def fake_mismatches(session, events: list[FakeEvent]) -> list[str]:
    """Where the database disagrees with what the PMS said: every stay as it last said, and one
    profile per real guest holding all of that guest's stays."""
    dump, problems = canonical_dump(session), []
    for key, expected in final_state(events).items():
        status, arrival, departure = dump["stays"][key][:3]
        channel, channel_name, amount = dump["stays"][key][7:10]
        want = (expected.status, expected.arrival or arrival, expected.departure or departure,
                expected.channel or channel, expected.channel_name or channel_name,
                f"{expected.amount:.2f}" if expected.amount is not None else amount)
        got = (status, arrival, departure, channel, channel_name, amount)
        if got != want:
            problems.append(f"stay {key}: database {got}, PMS said {want}")
    profiles = set(profile_stays(session).values())
    for person, stays in people_stays(events).items():
        if frozenset(stays) not in profiles:
            problems.append(f"{person}'s stays are not on one profile of their own")
    return problems


def assert_no_problems(mismatches: list[str], shuffled: dict, in_order: dict) -> None:
    problems = [*mismatches[:10]]
    if len(mismatches) > 10:
        problems.append(f"... {len(mismatches) - 10} more stays or guests unlike the PMS said")
    differ = differences(shuffled, in_order)
    if differ:
        problems += ["shuffled delivery (left) differs from in-order delivery (right):", *differ]
    assert not problems, "\n".join(problems)


def worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`flask --app wsgi worker` as its own process; its output goes to `log` (a pipe nobody
    reads would fill up and stop it)."""
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(workers: list[subprocess.Popen]) -> None:
    for process in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in workers:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def count(session, *conditions) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(InboxEvent).where(*conditions))


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.integration
@pytest.mark.timeout(480)
def test_shuffled_duplicated_delivery_with_a_killed_worker_ends_like_in_order_delivery(
    app, committed_db, pg_database, redis_test_url, tmp_path
):
    session = committed_db
    events = FakePMS(seed=31).events(EVENTS)
    stream = deliveries(events, seed=32)
    auth = credentials(session)
    client = app.test_client()
    env = os.environ | {"DATABASE_URL": pg_database, "REDIS_URL": redis_test_url,
                        "SECRET_KEY": "test-secret"}
    queue = app.extensions["guestcrm_jobs"].queue("ingest")
    queue.connection.flushdb()
    workers = [worker(env, tmp_path / "worker-1.log"), worker(env, tmp_path / "worker-2.log")]
    started = time.monotonic()
    try:
        half = len(stream) // 2
        for event in stream[:half]:
            post(client, event, auth)
        wait_until(lambda: count(session, InboxEvent.status == "processed") > 100, 60,
                   "the workers to get going")
        workers[0].send_signal(signal.SIGKILL)  # mid-job: its transaction dies with it
        workers[0].wait(10)
        for event in stream[half:]:
            post(client, event, auth)
        workers.append(worker(env, tmp_path / "worker-restarted.log"))
        wait_until(lambda: queue.count == 0, 240, "the queue to drain")
        # What the killed worker had taken off the queue is still `received`: reconcile.
        reconciled = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "reconcile", "--older-than", "0"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip()
        wait_until(lambda: count(session, InboxEvent.status != "processed") == 0, 60,
                   "every accepted event to be processed")
    finally:
        stop(workers)
    shuffled_seconds = time.monotonic() - started
    session.rollback()
    assert count(session) == len(events)
    assert session.scalar(select(func.sum(InboxEvent.duplicates))) == len(stream) - len(events)
    mismatches = fake_mismatches(session, events)
    shuffled = canonical_dump(session)

    empty_database(session)
    started = time.monotonic()
    ingest_in_order(session, events)
    print(f"\nreliability: {len(stream)} deliveries of {len(events)} events, workers done in "
          f"{shuffled_seconds:.0f} s (after the kill: {reconciled}); in-order baseline "
          f"{time.monotonic() - started:.0f} s")
    assert_no_problems(mismatches, shuffled, canonical_dump(session))


def test_the_embedded_default_ends_the_same_with_shuffled_duplicated_delivery(tmp_path):
    """SQLite file and inline jobs: the same convergence, a smaller stream."""
    from flask_migrate import upgrade

    from guestcrm import create_app
    from guestcrm.extensions import db

    events = FakePMS(seed=41).events(300)
    dumps, mismatches = [], []
    for name, order in (("shuffled", deliveries(events, seed=42)), ("in-order", events)):
        app = create_app({"TESTING": True, "REDIS_URL": None, "SECRET_KEY": "test-secret",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite3",
                          "RATELIMIT_STORAGE_URI": "memory://"})
        app.extensions["guestcrm_jobs"].redis_url = None
        with app.app_context():
            upgrade()
            if name == "shuffled":
                auth = credentials(db.session)
                client = app.test_client()
                for event in order:
                    post(client, event, auth)
            else:
                ingest_in_order(db.session, order)
            assert count(db.session, InboxEvent.status != "processed") == 0
            mismatches += fake_mismatches(db.session, events)
            dumps.append(canonical_dump(db.session))
            db.session.remove()
    assert_no_problems(mismatches, *dumps)
