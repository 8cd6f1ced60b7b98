"""The second reference beside the webhook: the least any durable webhook can do, served by
gunicorn with the same settings (bench/ingest.py). Not the product.

Per request: HTTP Basic checked in constant time, the body size limit, card data masked (in
the parsed message, as the connector's extract does it: masking over raw bytes rewrote ids), one
INSERT ... ON CONFLICT DO NOTHING into the inbox table over a raw psycopg connection, its
commit, one Redis SET NX (the product's "a drain is scheduled" flag costs the same), and a
fixed answer. No reservation parsing or validation, no ORM, no Flask extensions: what is left
is the price of storing a message durably, masked, before answering, on this machine.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys
from pathlib import Path

import psycopg
import redis
from flask import Flask, Response, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.registry import get_connector  # noqa: E402

MAX_BYTES = 1_000_000
INSERT = (
    "INSERT INTO inbox_event (connector, dedupe_key, status, body, content_type, headers, via,"
    " attempts, duplicates, result, received_at)"
    " VALUES (%s, %s, 'received', %s, %s, '{}', 'webhook', 0, 0, '{}', now())"
    " ON CONFLICT (connector, dedupe_key) DO NOTHING RETURNING id"
)
ANSWER = '<?xml version="1.0" encoding="UTF-8"?><Accepted/>'

app = Flask(__name__)
_connection: psycopg.Connection | None = None
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])


def _expected(connector: str) -> str | None:
    credential = os.environ.get(f"GUESTCRM_WEBHOOK_{connector.upper()}")
    return "Basic " + base64.b64encode(credential.encode()).decode() if credential else None


def _database() -> psycopg.Connection:
    global _connection  # one per worker process, opened after the fork
    if _connection is None:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection = psycopg.connect(url)
    return _connection


@app.post("/webhooks/<name>")
def receive(name: str) -> Response:
    expected = _expected(name)
    if expected is None:
        return Response("unknown connector\n", 404)
    if not hmac.compare_digest(request.headers.get("Authorization", "").encode(),
                               expected.encode()):
        return Response("authentication required\n", 401)
    if (request.content_length or 0) > MAX_BYTES:
        return Response("body larger than the limit\n", 413)
    # Card data is masked in the parsed message: the floor reads and parses it as a webhook must.
    body = get_connector(name).extract(request.get_data(), request.content_type or "", {}).body
    key = "floor-sha256:" + hashlib.sha256(body).hexdigest()  # apart from the webhook's keys
    connection = _database()
    connection.execute(INSERT, (name, key, body, request.content_type or "")).fetchone()
    connection.commit()
    _redis.set("guestcrm:bench-floor-flag", 1, nx=True)
    return Response(ANSWER, 200, content_type="application/xml")
