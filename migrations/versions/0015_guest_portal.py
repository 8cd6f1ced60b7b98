"""Guest portal: guest sessions, email sign-in links, consent history, privacy requests

Revision ID: 0015_guest_portal
Revises: 0014_guest_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_guest_portal"
down_revision = "0014_guest_search"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "guest_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("guest_profile.id"), nullable=False,
                  index=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("revoked_at", MOMENT),
    )
    op.create_table(
        "email_sign_in_link",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, index=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("used_at", MOMENT),
    )
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("guest_profile.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
    )
    op.create_index("ix_consent_event_profile", "consent_event",
                    ["profile_id", "channel", "purpose"])
    op.create_table(
        "privacy_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("guest_profile.id"), index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("completed_at", MOMENT),
    )


def downgrade():
    op.drop_table("privacy_request")
    op.drop_index("ix_consent_event_profile", "consent_event")
    op.drop_table("consent_event")
    op.drop_table("email_sign_in_link")
    op.drop_table("guest_session")
