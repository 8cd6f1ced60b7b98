"""Direct-booking perks: offers, issued perks (codes), idempotent API requests, mail outbox

Revision ID: 0011_perks
Revises: 0010_contact_spelling
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_perks"
down_revision = "0010_contact_spelling"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2)
UTCDateTime = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "perk_offer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("guest_text", sa.Text, nullable=False),
        sa.Column("perk_type", sa.String(32), nullable=False),
        sa.Column("amount", MONEY),
        sa.Column("unit_cost", MONEY, nullable=False),
        sa.Column("rule", sa.JSON, nullable=False),
        sa.Column("property_ids", sa.JSON),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_until", sa.Date),
        sa.Column("blackouts", sa.JSON, nullable=False),
        sa.Column("code_valid_days", sa.Integer, nullable=False),
        sa.Column("max_issued", sa.Integer),
        sa.Column("max_redeemed", sa.Integer),
        sa.Column("max_per_guest_per_year", sa.Integer),
        sa.Column("stackable", sa.Boolean, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime),
    )
    op.create_table(
        "perk",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("offer_id", sa.Integer, sa.ForeignKey("perk_offer.id"), nullable=False),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("guest_profile.id"), nullable=False,
                  index=True),
        sa.Column("stay_id", sa.Integer, sa.ForeignKey("stay.id", ondelete="SET NULL")),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("issued_by", sa.String(255), nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("redeemed_at", UTCDateTime),
        sa.Column("redeemed_property_id", sa.Integer, sa.ForeignKey("property.id")),
        sa.Column("redeemed_arrival", sa.Date),
        sa.Column("redeemed_departure", sa.Date),
        sa.Column("booking_ref", sa.String(128)),
        sa.Column("redeemed_by", sa.String(255)),
        sa.Column("reversed_at", UTCDateTime),
        sa.Column("handed_over_at", UTCDateTime),
        sa.UniqueConstraint("offer_id", "stay_id"),
    )
    op.create_index("ix_perk_profile_status", "perk", ["profile_id", "status"])
    op.create_index("ix_perk_offer_issued", "perk", ["offer_id", "issued_at"])
    op.create_table(
        "perk_api_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client", sa.String(128), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("client", "idempotency_key"),
    )
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("guest_profile.id"), index=True),
        sa.Column("perk_id", sa.Integer, sa.ForeignKey("perk.id"), unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
    )
    op.create_index("ix_outbound_mail_waiting", "outbound_mail", ["status", "next_attempt_at"])


def downgrade():
    op.drop_table("outbound_mail")
    op.drop_table("perk_api_request")
    op.drop_index("ix_perk_offer_issued", "perk")
    op.drop_index("ix_perk_profile_status", "perk")
    op.drop_table("perk")
    op.drop_table("perk_offer")
