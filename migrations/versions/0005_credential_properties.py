"""webhook_credential.properties: the hotels a credential may post for (null: any)

Revision ID: 0005_credential_properties
Revises: 0004_contact_consent_at
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_credential_properties"
down_revision = "0004_contact_consent_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_credential", schema=None) as batch_op:
        batch_op.add_column(sa.Column("properties", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("webhook_credential", schema=None) as batch_op:
        batch_op.drop_column("properties")
