"""Where the real services of the test run are, and how to get a throwaway database."""

from __future__ import annotations

import os
import uuid

import psycopg
import redis

PG_ADMIN_URL = os.environ.get("GUESTCRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("GUESTCRM_TEST_REDIS", "redis://127.0.0.1:6379")


def create_database() -> tuple[str, str]:
    """A new empty PostgreSQL database; fails loudly (never skips) when PostgreSQL is down."""
    name = f"guestcrm_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL is required for the integration tests ({PG_ADMIN_URL}): {exc}"
        ) from exc
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_url() -> str:
    """A Redis database number of its own for this run, flushed; fails when Redis is down."""
    number = 1 + os.getpid() % 14
    url = f"{REDIS_BASE_URL}/{number}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.flushdb()
    except redis.RedisError as exc:
        raise RuntimeError(f"Redis is required for the integration tests ({url}): {exc}") from exc
    return url
