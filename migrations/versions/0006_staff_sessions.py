"""staff_user.session_token: rotated on sign-out, password change and deactivation, so every
session signed with the old one ends at once

Revision ID: 0006_staff_sessions
Revises: 0005_credential_properties
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_staff_sessions"
down_revision = "0005_credential_properties"
branch_labels = None
depends_on = None


def upgrade():
    # Empty for existing accounts: their current sessions (signed with the user id alone) end,
    # and the next sign-in sets a token.
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(64), nullable=False,
                                      server_default=""))


def downgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("session_token")
