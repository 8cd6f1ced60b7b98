"""guest_profile.erased_at: when the guest's personal data was erased (the figures remain)

Revision ID: 0016_erasure
Revises: 0015_guest_portal
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_erasure"
down_revision = "0015_guest_portal"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("guest_profile") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("guest_profile") as batch:
        batch.drop_column("erased_at")
