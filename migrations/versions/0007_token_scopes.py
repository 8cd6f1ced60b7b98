"""api_token.scopes and .properties: what a token may do, and the hotels whose guests it sees
(null: everything, as before)

Revision ID: 0007_token_scopes
Revises: 0006_staff_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_token_scopes"
down_revision = "0006_staff_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("properties", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("properties")
        batch_op.drop_column("scopes")
