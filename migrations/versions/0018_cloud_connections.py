"""connector_connection and backfill_run: cloud PMS accounts per property, their sync cursor,
and resumable backfills; inbox events may wait for a fetch from the vendor

Revision ID: 0018_cloud_connections
Revises: 0017_guest_notes
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_cloud_connections"
down_revision = "0017_guest_notes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "connector_connection",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("connector", sa.String(32), nullable=False),
        sa.Column("property_code", sa.String(64), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("base_url", sa.String(255), nullable=False),
        sa.Column("token_url", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary, nullable=False),
        sa.Column("secret_hint", sa.String(8), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("sync_cursor", sa.String(64)),
        sa.Column("last_sync_at", sa.DateTime(timezone=True)),
        sa.Column("last_sync_result", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", sa.DateTime(timezone=True)),
        sa.Column("last_test_at", sa.DateTime(timezone=True)),
        sa.Column("last_test_result", sa.Text),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("connector", "property_code"),
        sa.UniqueConstraint("connector", "account"),
    )
    op.create_table(
        "backfill_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("connection_id", sa.Integer,
                  sa.ForeignKey("connector_connection.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", sa.String(64)),
        sa.Column("cursor", sa.Text),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("reservations", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )


def downgrade():
    op.drop_table("backfill_run")
    op.drop_table("connector_connection")
