"""contact_point.consent_at: when the marketing answer was given, so the newest answer wins

Revision ID: 0004_contact_consent_at
Revises: 0003_identity
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_contact_consent_at"
down_revision = "0003_identity"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.drop_column("consent_at")
