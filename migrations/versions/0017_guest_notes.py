"""guest_note: staff notes about a guest and traces (a task for a department with a due date)

Revision ID: 0017_guest_notes
Revises: 0016_erasure
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_guest_notes"
down_revision = "0016_erasure"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "guest_note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer,
                  sa.ForeignKey("guest_profile.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("department", sa.String(32)),
        sa.Column("due_on", sa.Date),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("done_by", sa.String(255)),
    )
    op.create_index("ix_guest_note_open_traces", "guest_note", ["kind", "done_at", "due_on"])


def downgrade():
    op.drop_index("ix_guest_note_open_traces", "guest_note")
    op.drop_table("guest_note")
