"""Webhook fuzz: mutated PMS messages through the real webhook, then the inbox accounting.

  .venv/bin/python bench/fuzz_webhooks.py                    # 1000 messages per connector
  .venv/bin/python bench/fuzz_webhooks.py --count 50 --seed 7

Seeds are the shared sample messages (tests/samples.py) and fake PMS events (connectors/fake.py);
each mutation is chosen by a random.Random(seed), so a run is reproducible. Every message is
POSTed to /webhooks/<connector> (the Flask app on a fresh PostgreSQL database, a credential made
by the service the CLI uses), one rq SimpleWorker then drains the inbox in burst mode, and the
database must account for every 2xx: accepted = processed + failed (each with a reason) +
duplicates + answered at once (handshakes), nothing left in `received`.
Exit 1 on any 5xx, an accounting hole, or a message slower than 1 s.
Needs PostgreSQL (GUESTCRM_BENCH_PG) and Redis (GUESTCRM_BENCH_REDIS, default db 13, flushed).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.fake import FakePMS  # noqa: E402
from connectors.registry import connector_names  # noqa: E402
from tests.samples import (  # noqa: E402
    ALPINEBITS,
    ALPINEBITS_SAMPLES,
    OPENTRAVEL_SAMPLES,
    SAMPLES,
)

PG_ADMIN = os.environ.get("GUESTCRM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("GUESTCRM_BENCH_REDIS", "redis://127.0.0.1:6379/13")
PUSH = "OTA_HotelResNotif:GuestRequests"
PING = "OTA_Ping:Handshaking"
SLOW_SECONDS = 1.0
USER = "fuzz"


@dataclass(frozen=True)
class Message:
    connector: str
    xml: bytes
    mutation: str
    action: str = PUSH  # AlpineBits only


@dataclass
class Tally:
    """What one connector's messages got, and what the inbox made of them."""

    statuses: dict[str, int] = field(default_factory=lambda: {"2xx": 0, "4xx": 0, "5xx": 0})
    max_seconds: float = 0.0
    slowest: str = ""
    answered_at_once: int = 0  # 2xx that stored nothing (handshakes)
    lost: list[str] = field(default_factory=list)  # 2xx that stored nothing and were no handshake
    server_errors: list[str] = field(default_factory=list)
    processed: int = 0
    failed: int = 0
    failed_without_reason: int = 0
    duplicates: int = 0
    stuck: int = 0

    def balances(self) -> bool:
        return (not self.lost and self.failed_without_reason == 0 and self.stuck == 0
                and self.statuses["2xx"] == self.processed + self.failed + self.duplicates
                + self.answered_at_once)


def seeds(connector: str, fake_events: int = 40) -> list[Message]:
    """The real samples plus fake PMS messages of `connector` ([] when it has none yet)."""
    if connector == "alpinebits":
        samples = [ALPINEBITS / name for name in ALPINEBITS_SAMPLES]
    elif connector == "opentravel":
        samples = [SAMPLES / "opentravel" / name for name in OPENTRAVEL_SAMPLES]
    else:
        samples = []
    found = [Message(connector, path.read_bytes(), "sample") for path in samples]
    found += [Message(connector, event.xml, "fake")
              for event in FakePMS(seed=3).events(fake_events) if event.connector == connector]
    return found


# Each mutation takes the XML and a Random and returns new bytes (and a short name).
def _flip(xml: bytes, rng: random.Random) -> bytes:
    data = bytearray(xml)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _truncate(xml: bytes, rng: random.Random) -> bytes:
    return xml[: rng.randrange(len(xml))]


def _element_spans(xml: bytes) -> list[tuple[int, int]]:
    """(start, end) of simple `<X ...>...</X>` or `<X .../>` elements found by bytes search."""
    spans = []
    start = xml.find(b"<", 1)
    while start != -1 and len(spans) < 400:
        name_end = start + 1
        while name_end < len(xml) and xml[name_end:name_end + 1] not in b" />\r\n\t":
            name_end += 1
        name = xml[start + 1:name_end]
        if name and name[:1] not in b"/?!":
            close = xml.find(b"</" + name + b">", name_end)
            self_close = xml.find(b"/>", name_end)
            gt = xml.find(b">", name_end)
            if self_close != -1 and self_close < gt + 1 and self_close == gt - 1:
                spans.append((start, self_close + 2))
            elif close != -1:
                spans.append((start, close + len(name) + 3))
        start = xml.find(b"<", start + 1)
    return spans


def _delete_element(xml: bytes, rng: random.Random) -> bytes:
    spans = _element_spans(xml)
    if not spans:
        return _flip(xml, rng)
    a, b = rng.choice(spans)
    return xml[:a] + xml[b:]


def _duplicate_element(xml: bytes, rng: random.Random) -> bytes:
    spans = _element_spans(xml)
    if not spans:
        return _flip(xml, rng)
    a, b = rng.choice(spans)
    return xml[:b] + xml[a:b] * rng.choice((2, 50)) + xml[b:]


ODD_VALUES = (
    b"", b"-1", b"-99999999.99", b"99999999999999999999999999", b"1e308", b"NaN",
    b"2099-12-31", b"1900-01-01", b"0000-00-00", b"2024-02-30", b"\x00\x01\x02", b"\xff\xfe\xc3(",
    b"A" * 100_000, b"../../etc/passwd", b"H\xc3\xb6tel &amp; <b>", b"' OR 1=1 --",
    b"4111 1111 1111 1111", b"\xe2\x80\xae\xe2\x80\x8b", b"  ", b"%s%n%x",
)


def _swap_attribute(xml: bytes, rng: random.Random) -> bytes:
    quotes = [i for i in range(len(xml)) if xml[i:i + 2] == b'="']
    if not quotes:
        return _flip(xml, rng)
    start = rng.choice(quotes) + 2
    end = xml.find(b'"', start)
    if end == -1:
        return _flip(xml, rng)
    return xml[:start] + rng.choice(ODD_VALUES).replace(b'"', b"&quot;") + xml[end:]


def _reverse_dates(xml: bytes, rng: random.Random) -> bytes:
    start, end = xml.find(b'Start="'), xml.find(b'End="')
    if start == -1 or end == -1:
        return _swap_attribute(xml, rng)
    a, b = xml[start + 7:start + 17], xml[end + 5:end + 15]
    return xml.replace(b'Start="' + a, b'Start="' + b, 1).replace(b'End="' + b, b'End="' + a, 1)


def _huge_comment(xml: bytes, rng: random.Random) -> bytes:
    text = (b"Card 4111111111111111 exp 12/30 CVV 123. " * 2600)[:100_000]
    for tag in (b"</Text>", b"</Comment>", b"</Surname>", b"</GivenName>"):
        at = xml.find(tag)
        if at != -1:
            return xml[:at] + text + xml[at:]
    at = xml.rfind(b"</")
    return xml[:at] + b"<!-- " + text + b" -->" + xml[at:] if at != -1 else xml + text


def _odd_hotel_code(xml: bytes, rng: random.Random) -> bytes:
    code = rng.choice((b"", b"  ", b"../x", b"H\x00TEL", b"<x>", b"A" * 5000,
                       b"\xc3\xa9\xe2\x80\xae", b"123;DROP TABLE stay", b"%00", b"H" * 64 + b"\n"))
    for attribute in (b'HotelCode="', b'HotelCode=\''):
        at = xml.find(attribute)
        if at != -1:
            end = xml.find(attribute[-1:], at + len(attribute))
            return xml[:at + len(attribute)] + code.replace(b'"', b"") + xml[end:]
    return _swap_attribute(xml, rng)


def _doctype(xml: bytes, rng: random.Random) -> bytes:
    header = rng.choice((
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
        b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ))
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    return b'<?xml version="1.0" encoding="UTF-8"?>' + header + body.replace(b"<Surname>",
                                                                                b"<Surname>&x;", 1)


def _deep_nesting(xml: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((100, 5000, 100_000))
    at = xml.rfind(b"</")
    nest = b"<a>" * depth + b"</a>" * depth
    return xml[:at] + nest + xml[at:] if at != -1 else nest


def _control_chars(xml: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(xml))
    return xml[:at] + rng.choice((b"\x00", b"\x1b[2J", b"\x07\x08", b"\xff", b"\xc3")) + xml[at:]


def _non_utf8(xml: bytes, rng: random.Random) -> bytes:
    return xml.decode("utf-8", "replace").encode(rng.choice(("utf-16", "latin-1", "cp1252")),
                                                 "replace")


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "byte-flip": _flip, "truncate": _truncate, "delete-element": _delete_element,
    "duplicate-element": _duplicate_element, "attribute-swap": _swap_attribute,
    "dates-reversed": _reverse_dates, "100k-comment": _huge_comment,
    "odd-hotel-code": _odd_hotel_code, "doctype-entity": _doctype, "deep-nesting": _deep_nesting,
    "control-chars": _control_chars, "non-utf8": _non_utf8,
}


def mutated(connector: str, count: int, seed: int) -> list[Message]:
    """`count` messages for `connector`, deterministic from `seed`: mutations of the seeds, and
    every tenth an identical repeat of an earlier one (to count duplicates)."""
    rng = random.Random(f"{seed}:{connector}")
    base = seeds(connector)
    if not base:
        return []
    out: list[Message] = []
    while len(out) < count:
        if out and len(out) % 10 == 9:
            out.append(rng.choice(out))
            continue
        source = rng.choice(base)
        name = rng.choice(sorted(MUTATIONS))
        xml = source.xml
        for _ in range(rng.choice((1, 1, 1, 2))):
            xml = MUTATIONS[name](xml, rng) if xml else xml
        action = PING if connector == "alpinebits" and b"OTA_PingRQ" in source.xml else PUSH
        out.append(Message(connector, xml, f"{source.mutation}/{name}", action))
    return out


def multipart(fields: dict[str, bytes], boundary: str = "fuzzboundary7d3a") -> tuple[bytes, str]:
    """multipart/form-data of raw bytes (non-UTF-8 must reach the server as sent)."""
    parts = [b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="'
             + name.encode() + b'"\r\n\r\n' + value + b"\r\n" for name, value in fields.items()]
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n", (
        f"multipart/form-data; boundary={boundary}")


def request_of(message: Message, secret: str) -> dict:
    """The test-client keyword arguments posting `message` as its connector's senders do."""
    token = base64.b64encode(f"{USER}:{secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    if message.connector == "alpinebits":
        body, content_type = multipart({"action": message.action.encode(), "request": message.xml})
        headers |= {"X-AlpineBits-ClientID": "fuzz",
                    "X-AlpineBits-ClientProtocolVersion": "2024-10"}
        return {"data": body, "content_type": content_type, "headers": headers}
    return {"data": message.xml, "content_type": "application/xml", "headers": headers}


def _inbox_counts(session, connector: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from guestcrm.models import InboxEvent

    return tuple(session.execute(
        select(func.count(), func.coalesce(func.sum(InboxEvent.duplicates), 0))
        .where(InboxEvent.connector == connector)).one())


def post_all(app, messages: list[Message], secret: str, tally: Tally) -> None:
    """POST each message, classify its answer, and note 2xx that stored nothing."""
    from guestcrm.extensions import db

    client = app.test_client()
    for message in messages:
        with app.app_context():
            before = _inbox_counts(db.session, message.connector)
            db.session.remove()
        started = time.perf_counter()
        response = client.post(f"/webhooks/{message.connector}", **request_of(message, secret))
        elapsed = time.perf_counter() - started
        if elapsed > tally.max_seconds:
            tally.max_seconds, tally.slowest = elapsed, message.mutation
        klass = f"{response.status_code // 100}xx"
        tally.statuses[klass] = tally.statuses.get(klass, 0) + 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{message.mutation}: {response.status_code}")
        if response.status_code // 100 != 2:
            continue
        with app.app_context():
            after = _inbox_counts(db.session, message.connector)
            db.session.remove()
        if after == before:
            if message.action == PING:
                tally.answered_at_once += 1
            else:
                tally.lost.append(message.mutation)


def drain(app) -> None:
    """The real drain: one rq SimpleWorker (what `flask worker` runs) in burst mode."""
    from rq import SimpleWorker

    class BurstWorker(SimpleWorker):
        # rq 3.0 joins its command pubsub thread (sleep_time=60) at teardown; a burst that ends
        # before the subscription is confirmed then waits a minute. A burst takes no commands.
        def subscribe(self) -> None:
            pass

    jobs = app.extensions["guestcrm_jobs"]
    with app.app_context():
        BurstWorker([jobs.queue("ingest")], connection=jobs.connection()).work(burst=True)


def account(app, connector: str, tally: Tally) -> None:
    """Fill the inbox side of `tally` from the database."""
    from sqlalchemy import select

    from guestcrm.extensions import db
    from guestcrm.models import InboxEvent

    with app.app_context():
        rows = db.session.execute(
            select(InboxEvent.status, InboxEvent.error, InboxEvent.duplicates)
            .where(InboxEvent.connector == connector)).all()
        db.session.remove()
    for status, error, duplicates in rows:
        tally.duplicates += duplicates
        if status == "processed":
            tally.processed += 1
        elif status == "failed":
            tally.failed += 1
            tally.failed_without_reason += not (error or "").strip()
        else:
            tally.stuck += 1


def make_credentials(app) -> dict[str, str]:
    from guestcrm.extensions import db
    from guestcrm.services.access.credentials import create_webhook_credential

    with app.app_context():
        secrets = {name: create_webhook_credential(db.session, name, USER)
                   for name in connector_names()}
        db.session.commit()
        db.session.remove()
    return secrets


def run(app, count: int, seed: int) -> dict[str, Tally]:
    """Fuzz every connector that has seed messages on `app` (empty inbox) and account for it."""
    secrets = make_credentials(app)
    tallies: dict[str, Tally] = {}
    for connector in connector_names():
        messages = mutated(connector, count, seed)
        if not messages:
            continue
        tallies[connector] = Tally()
        post_all(app, messages, secrets[connector], tallies[connector])
    drain(app)
    for connector, tally in tallies.items():
        account(app, connector, tally)
    return tallies


def verdict(tallies: dict[str, Tally]) -> list[str]:
    """What is wrong with a run ([] when it passes)."""
    problems = []
    for connector, t in tallies.items():
        if t.statuses["5xx"]:
            problems.append(f"{connector}: {t.statuses['5xx']} 5xx ({t.server_errors[:5]})")
        if not t.balances():
            problems.append(f"{connector}: accounting does not balance (lost {t.lost[:5]}, "
                            f"failed without reason {t.failed_without_reason}, stuck {t.stuck})")
        if t.max_seconds > SLOW_SECONDS:
            problems.append(f"{connector}: slowest message {t.max_seconds:.2f} s ({t.slowest})")
    return problems


@contextmanager
def fresh_app(redis_url: str) -> Iterator:
    """The app on a new PostgreSQL database (migrated) and a flushed Redis db."""
    import redis
    from flask_migrate import upgrade

    from guestcrm import create_app

    name = f"guestcrm_fuzz_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        redis.Redis.from_url(redis_url).flushdb()
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"{base}/{name}", "REDIS_URL": redis_url,
                          # Not RATELIMIT_ENABLED=False: the limiter is one object per
                          # process, so that would switch it off for every later app.
                          "RATELIMIT_STORAGE_URI": "memory://",
                          "SECRET_KEY": uuid.uuid4().hex})
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            from guestcrm.extensions import db
            db.engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table(tallies: dict[str, Tally]) -> str:
    lines = [f"{'connector':<12}{'2xx':>6}{'4xx':>6}{'5xx':>6}{'processed':>11}{'failed':>8}"
             f"{'dups':>6}{'at once':>9}{'lost':>6}{'stuck':>7}{'max s':>8}  balances"]
    for connector, t in tallies.items():
        lines.append(f"{connector:<12}{t.statuses['2xx']:>6}{t.statuses['4xx']:>6}"
                     f"{t.statuses['5xx']:>6}{t.processed:>11}{t.failed:>8}{t.duplicates:>6}"
                     f"{t.answered_at_once:>9}{len(t.lost):>6}{t.stuck:>7}{t.max_seconds:>8.3f}"
                     f"  {'yes' if t.balances() else 'NO'}")
    lines += [f"slowest {connector}: {t.slowest} ({t.max_seconds:.3f} s)"
              for connector, t in tallies.items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="messages per connector")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    started = time.monotonic()
    with fresh_app(REDIS) as app:
        tallies = run(app, args.count, args.seed)
    print(f"webhook fuzz: {args.count} messages per connector, seed {args.seed}, "
          f"{time.monotonic() - started:.0f} s")
    print(table(tallies))
    problems = verdict(tallies)
    print("verdict: " + ("PASS (no 5xx, accounting balances, every message < 1 s)" if not problems
                         else "FAIL: " + "; ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
