"""property.first_seen_at / confirmed_at / confirmed_by: hotels first seen in a message wait
for an admin to confirm them; existing rows count as confirmed

Revision ID: 0009_property_confirmation
Revises: 0007_token_scopes
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_property_confirmation"
down_revision = "0007_token_scopes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("property", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by", sa.String(255), nullable=True))
    op.execute("UPDATE property SET first_seen_at = CURRENT_TIMESTAMP, "
               "confirmed_at = CURRENT_TIMESTAMP, confirmed_by = 'migration'")
    with op.batch_alter_table("property", schema=None) as batch_op:
        batch_op.alter_column("first_seen_at", existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade():
    with op.batch_alter_table("property", schema=None) as batch_op:
        batch_op.drop_column("confirmed_by")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("first_seen_at")
