"""contact_point.value_normalized of emails in the one spelling both identity paths use now
(no +tag, Gmail's dots dropped, googlemail.com as gmail.com), so exact look-ups find the
profiles stored before

Revision ID: 0010_contact_spelling
Revises: 0009_property_confirmation
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_contact_spelling"
down_revision = "0009_property_confirmation"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    from guestcrm.services.identity.contacts import normalize_email

    connection = op.get_bind()
    table = sa.table("contact_point", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                     sa.column("profile_id", sa.Integer), sa.column("value_raw", sa.String),
                     sa.column("value_normalized", sa.String))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.profile_id, table.c.value_raw, table.c.value_normalized)
            .where(table.c.kind == "email", table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        # One spelling per profile (a unique key): a second address of the same mailbox keeps
        # its old spelling rather than clash.
        taken = set(connection.execute(
            sa.select(table.c.profile_id, table.c.value_normalized).where(
                table.c.kind == "email",
                table.c.profile_id.in_({row.profile_id for row in rows}))).all())
        changed = []
        for row in rows:
            spelling = normalize_email(row.value_raw)
            if not spelling or (row.profile_id, spelling) in taken:
                continue
            taken.add((row.profile_id, spelling))
            changed.append({"row_id": row.id, "spelling": spelling})
        if changed:
            connection.execute(
                table.update().where(table.c.id == sa.bindparam("row_id"))
                .values(value_normalized=sa.bindparam("spelling")), changed)


def downgrade():
    pass  # the old spelling is not kept; look-ups work either way for new rows
