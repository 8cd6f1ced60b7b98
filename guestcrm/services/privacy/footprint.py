"""Where a guest's data is, beyond the rows that refer to their profile: the stays they booked or
stayed in, the inbox messages that carried them, their review tasks and perks, the addresses
their sign-in links and mails went to. The export shows these; erasure clears them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, cast, false, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from guestcrm.errors import NotFound
from guestcrm.models import (
    AuditEntry,
    ContactPoint,
    GuestProfile,
    InboxEvent,
    Perk,
    ReviewTask,
    Stay,
    StayGuest,
    StayVersion,
)
from guestcrm.services.privacy.inbox_search import guest_identifiers, unprocessed_naming


@dataclass(frozen=True)
class GuestFootprint:
    """The ids of everything that holds the guest's data; `profile_ids` starts with the live
    profile, then those merged into it."""

    profile_ids: list[int]
    booked_stay_ids: set[int]
    stay_ids: set[int]
    event_ids: set[int]
    task_ids: set[int]
    perk_ids: set[int]
    emails: set[str]

    def audit_entries(self) -> ColumnElement[bool]:
        """Audit entries about the guest, their stays, messages, review tasks and perks."""
        targets = {"guest_profile": self.profile_ids, "stay": self.stay_ids,
                   "inbox_event": self.event_ids, "review_task": self.task_ids,
                   "perk": self.perk_ids}
        return or_(false(), *((AuditEntry.target_type == kind)
                              & AuditEntry.target_id.in_([str(i) for i in ids])
                              for kind, ids in targets.items() if ids))

    def addressed(self, column: ColumnElement[str]) -> ColumnElement[bool]:
        """Rows whose address `column` is one of the guest's emails, in any case."""
        return func.lower(column).in_(self.emails) if self.emails else false()


def guest_footprint(session: Session, profile_id: int) -> GuestFootprint:
    """The footprint of the live guest `profile_id`; NotFound for an unknown or merged-away id."""
    profile = session.get(GuestProfile, profile_id)
    if profile is None or profile.merged_into_id is not None:
        raise NotFound(f"no guest {profile_id}")
    ids = guest_and_merged(session, profile_id)
    booked = set(session.scalars(select(Stay.id).where(Stay.profile_id.in_(ids))))
    stay_ids = booked | set(session.scalars(select(StayGuest.stay_id).where(
        StayGuest.profile_id.in_(ids))))
    event_ids = set(session.scalars(select(StayVersion.inbox_event_id).where(
        StayVersion.stay_id.in_(stay_ids), StayVersion.inbox_event_id.is_not(None))))
    event_ids |= _processed_naming(session, ids)
    event_ids |= unprocessed_naming(session, guest_identifiers(session, ids))
    emails = {address.lower() for pair in session.execute(
        select(ContactPoint.value_raw, ContactPoint.value_normalized).where(
            ContactPoint.profile_id.in_(ids), ContactPoint.kind == "email")) for address in pair}
    return GuestFootprint(
        profile_ids=ids, booked_stay_ids=booked, stay_ids=stay_ids, event_ids=event_ids,
        task_ids=set(session.scalars(select(ReviewTask.id).where(or_(
            ReviewTask.profile_a_id.in_(ids), ReviewTask.profile_b_id.in_(ids))))),
        perk_ids=set(session.scalars(select(Perk.id).where(Perk.profile_id.in_(ids)))),
        emails=emails)


def guest_and_merged(session: Session, profile_id: int) -> list[int]:
    """The profile and every profile merged into it, at any depth."""
    ids, frontier = [profile_id], [profile_id]
    while frontier:
        frontier = list(session.scalars(select(GuestProfile.id).where(
            GuestProfile.merged_into_id.in_(frontier))))
        ids += frontier
    return ids


def _processed_naming(session: Session, ids: list[int]) -> set[int]:
    """Processed messages whose result lists one of the profiles (as ingested, before any
    merge); PostgreSQL tests that in the database, elsewhere the results are read here."""
    query = select(InboxEvent.id, InboxEvent.result).where(InboxEvent.status == "processed")
    if session.get_bind().dialect.name == "postgresql":
        profiles = cast(InboxEvent.result, JSONB)["profiles"]
        query = query.where(or_(*(profiles.contains([i]) for i in ids)))
    wanted = set(ids)
    return {event_id for event_id, result in session.execute(query)
            if wanted & set((result or {}).get("profiles") or [])}
