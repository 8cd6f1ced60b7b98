"""Direct-booking perks: the offers revenue managers define, the perks issued to guests as codes,
the booking engine's redemption requests (for idempotent replays), and the mail outbox."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestcrm.db.types import Money, UTCDateTime, utcnow
from guestcrm.extensions import db

OFFER_STATUSES = ("draft", "published", "paused", "archived")
PERK_STATUSES = ("issued", "redeemed", "reversed", "expired")


class PerkOffer(db.Model):
    """A rule that issues perks: who qualifies (`rule`, evaluated by services/perks/rules.py),
    where, when, and how many."""

    __tablename__ = "perk_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    guest_text: Mapped[str] = mapped_column(Text, default="")
    perk_type: Mapped[str] = mapped_column(String(32))
    # Percent for a percentage discount, an amount for a fixed discount or an F&B credit.
    amount: Mapped[Decimal | None] = mapped_column(Money)
    # What one redeemed perk costs the hotel (the simulation and analytics count it).
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    rule: Mapped[dict] = mapped_column(JSON, default=dict)
    # Property ids the offer runs at; None: every property of the group.
    property_ids: Mapped[list[int] | None] = mapped_column(JSON)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    blackouts: Mapped[list] = mapped_column(JSON, default=list)  # [[first, last], ...] ISO
    code_valid_days: Mapped[int] = mapped_column(Integer, default=365)
    max_issued: Mapped[int | None] = mapped_column(Integer)
    max_redeemed: Mapped[int | None] = mapped_column(Integer)
    max_per_guest_per_year: Mapped[int | None] = mapped_column(Integer)
    stackable: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=100)  # lower goes first
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Perk(db.Model):
    """One perk issued to one guest, as a code they hand to the booking engine or the desk."""

    __tablename__ = "perk"
    __table_args__ = (
        # The same stay never issues the same offer twice, however often it is processed.
        UniqueConstraint("offer_id", "stay_id"),
        Index("ix_perk_profile_status", "profile_id", "status"),
        Index("ix_perk_offer_issued", "offer_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("perk_offer.id"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    # The stay whose booking or completion issued it; None when staff issued it by hand.
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id", ondelete="SET NULL"))
    # Shown to the guest and the desk; looked up by its digest (unique), never by prefix.
    code: Mapped[str] = mapped_column(String(32))
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    trigger: Mapped[str] = mapped_column(String(16))  # booking | stay_completed | staff
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(255), default="system")
    expires_on: Mapped[date] = mapped_column(Date)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_property_id: Mapped[int | None] = mapped_column(ForeignKey("property.id"))
    redeemed_arrival: Mapped[date | None] = mapped_column(Date)
    redeemed_departure: Mapped[date | None] = mapped_column(Date)
    booking_ref: Mapped[str | None] = mapped_column(String(128))
    redeemed_by: Mapped[str | None] = mapped_column(String(255))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer: Mapped[PerkOffer] = relationship()


class PerkApiRequest(db.Model):
    """A redeem or reverse request sent with an Idempotency-Key, and the answer it got: a replay
    with the same key gets the same answer, whatever happened since."""

    __tablename__ = "perk_api_request"
    __table_args__ = (UniqueConstraint("client", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(128))  # the API token's name
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    answer: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboundMail(db.Model):
    """A mail waiting for the SMTP server, or sent: a mail server outage loses nothing."""

    __tablename__ = "outbound_mail"
    __table_args__ = (Index("ix_outbound_mail_waiting", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    perk_id: Mapped[int | None] = mapped_column(ForeignKey("perk.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
