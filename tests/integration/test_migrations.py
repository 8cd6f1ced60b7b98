"""Every table comes from a migration: the migrated schema and the models agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from guestcrm.extensions import db


def test_the_migrations_create_exactly_the_models_schema_on_postgresql(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_the_migrations_create_exactly_the_models_schema_on_sqlite(sqlite_app):
    with sqlite_app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
