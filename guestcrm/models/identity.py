"""Identity resolution state: blocking keys, the stored match model, review tasks, and the
pairs staff said are different people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestcrm.db.types import UTCDateTime, utcnow
from guestcrm.extensions import db


class ProfileBlockingKey(db.Model):
    """One blocking key of a live profile; a new guest's candidates are the profiles sharing
    one of its keys (one indexed lookup per key, see services/identity/fuzzy.py)."""

    __tablename__ = "profile_blocking_key"
    __table_args__ = (Index("ix_profile_blocking_key_key", "key"),)

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)


class ProfileMatchRecord(db.Model):
    """The profile as the matcher sees it (GuestRecord dicts, one per known email/phone), so
    scoring a candidate costs one primary-key read instead of loading the whole aggregate."""

    __tablename__ = "profile_match_record"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), primary_key=True
    )
    records: Mapped[list] = mapped_column(JSON, default=list)


class MatchModelRow(db.Model):
    """A learned MatchModel (scorer.MatchModel.to_dict); the newest row is the one in use."""

    __tablename__ = "match_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[dict] = mapped_column(JSON)
    merge_threshold: Mapped[float] = mapped_column(Float)
    trained_on: Mapped[int] = mapped_column(Integer, default=0)  # profiles it learned from
    created_by: Mapped[str] = mapped_column(String(255), default="cli")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


REVIEW_STATUSES = ("open", "same", "different")


class ReviewTask(db.Model):
    """A candidate pair in the middle band, waiting for staff; profile_a_id < profile_b_id."""

    __tablename__ = "review_task"
    __table_args__ = (
        UniqueConstraint("profile_a_id", "profile_b_id"),
        Index("ix_review_task_status", "status", "probability"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_a_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), index=True
    )
    profile_b_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), index=True
    )
    probability: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    # Field -> level name from the scorer (exact, nickname, missing, ...): what staff see.
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    # The hotel whose reservation raised the task (display only; visibility is computed from
    # the stays of both profiles, which change with merges).
    property_id: Mapped[int | None] = mapped_column(ForeignKey("property.id"))
    source: Mapped[str] = mapped_column(String(32), default="ingest")  # ingest | dedupe
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotSamePair(db.Model):
    """Staff said these two are different people: never merged, by any rule.
    profile_a_id < profile_b_id; applies to every profile later merged into either."""

    __tablename__ = "not_same_pair"
    __table_args__ = (UniqueConstraint("profile_a_id", "profile_b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_a_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), index=True
    )
    profile_b_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), index=True
    )
    by: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
