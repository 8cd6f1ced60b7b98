"""Fixtures on real services: a throwaway PostgreSQL database and a Redis db for the run.

Every test that asks for them fails (never skips) when PostgreSQL or Redis is missing.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import current_app
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from tests.services import create_database, drop_database, redis_url


@pytest.fixture(scope="session")
def pg_database():
    name, url = create_database()
    yield url
    drop_database(name)


@pytest.fixture(scope="session")
def redis_test_url():
    return redis_url()


@pytest.fixture(scope="session")
def app(pg_database, redis_test_url, tmp_path_factory):
    """The app on PostgreSQL + Redis (rq), schema created by the migrations."""
    from flask_migrate import upgrade

    from guestcrm import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": pg_database,
            "REDIS_URL": redis_test_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SECRET_KEY": "test-secret",
        }
    )
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def db_session(app):
    """A session whose work is rolled back after the test (commits become savepoints)."""
    with rolled_back_session(app) as session:
        yield session


@contextmanager
def rolled_back_session(app):
    from guestcrm.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own would pick the engine, not `bind`.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _app_ctx_id() -> int:
    return id(current_app._get_current_object())


@pytest.fixture
def committed_db(app):
    """Real commits (for worker processes that must see the data); every table emptied after."""
    from guestcrm.extensions import db

    with app.app_context():
        yield db.session
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app, db_session):
    from guestcrm.extensions import limiter

    with app.app_context():
        limiter.reset()  # one test's failed sign-ins must not throttle the next test
    return app.test_client()


@pytest.fixture
def sqlite_app(tmp_path):
    """The embedded default: SQLite file, in-process jobs."""
    from flask_migrate import upgrade

    from guestcrm import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'guestcrm.sqlite3'}",
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SECRET_KEY": "test-secret",
        }
    )
    app.extensions["guestcrm_jobs"].redis_url = None
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def queue(app):
    """The rq queues of the run, empty, with no drain job marked as waiting."""
    from guestcrm.jobs.inbox import DRAIN_SCHEDULED
    from guestcrm.jobs.queue import QUEUE_NAMES

    jobs = app.extensions["guestcrm_jobs"]
    with app.app_context():
        jobs.connection().delete(DRAIN_SCHEDULED)
        for name in QUEUE_NAMES:
            jobs.queue(name).empty()
        yield jobs
        for name in QUEUE_NAMES:
            jobs.queue(name).empty()
        jobs.connection().delete(DRAIN_SCHEDULED)


@pytest.fixture(scope="session")
def oidc_issuer():
    """A real OpenID Connect provider process (tests/oidc/provider.mjs); its issuer URL."""
    from tests.oidc_provider import OidcProvider

    provider = OidcProvider(["http://localhost/me/callback/testid"], id_token_seconds=4)
    provider.start()
    yield provider.issuer
    provider.stop()


@pytest.fixture(scope="session")
def portal_app(pg_database, redis_test_url, oidc_issuer):
    """The app with the test provider configured for guest sign-in (and no id_token leeway,
    so that an expired token shows as expired at once)."""
    from flask_migrate import upgrade

    from guestcrm import create_app
    from tests.oidc_provider import provider_settings

    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": pg_database, "REDIS_URL": redis_test_url,
        "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "test-secret",
        "GUEST_PROVIDERS": provider_settings(oidc_issuer), "GUEST_ID_TOKEN_LEEWAY": 0,
    })
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def portal_session(portal_app):
    with rolled_back_session(portal_app) as session:
        yield session


@pytest.fixture
def portal_client(portal_app, portal_session):
    from guestcrm.extensions import limiter

    with portal_app.app_context():
        limiter.reset()
    return portal_app.test_client()
