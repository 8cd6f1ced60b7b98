"""Guest search: the profile's company and folded search text (trigram-indexed on PostgreSQL),
indexes for look-ups by reservation number and by loyalty number of any program

Revision ID: 0014_guest_search
Revises: 0011_perks
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_guest_search"
down_revision = "0011_perks"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("guest_profile") as batch:
        batch.add_column(sa.Column("company", sa.String(255)))
        batch.add_column(sa.Column("search_text", sa.String(640)))
    _fill_search_text()
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_guest_profile_search_text", "guest_profile", ["search_text"],
                        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    else:
        # SQLite has no trigram index and searches by a scan; the same name keeps the
        # migrated schema equal to the models'.
        op.create_index("ix_guest_profile_search_text", "guest_profile", ["search_text"])
    op.create_index("ix_stay_external_id", "stay", ["external_id"])
    op.create_index("ix_external_id_kind_value", "external_id", ["kind", "value"])


def _fill_search_text():
    from guestcrm.services.guests.search_text import search_text

    connection = op.get_bind()
    table = sa.table("guest_profile", sa.column("id", sa.Integer),
                     sa.column("first_name", sa.String), sa.column("last_name", sa.String),
                     sa.column("search_text", sa.String))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.first_name, table.c.last_name)
            .where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1].id
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("text")),
            [{"row_id": r.id, "text": search_text(r.first_name, r.last_name)} for r in rows])


def downgrade():
    op.drop_index("ix_external_id_kind_value", table_name="external_id")
    op.drop_index("ix_stay_external_id", table_name="stay")
    op.drop_index("ix_guest_profile_search_text", table_name="guest_profile")
    with op.batch_alter_table("guest_profile") as batch:
        batch.drop_column("search_text")
        batch.drop_column("company")
