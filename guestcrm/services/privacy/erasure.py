"""Erasing a guest: the profile (and the profiles merged into it) is anonymized and every stored
copy of the guest's personal data goes, inbox payloads included, while the stays keep their
figures (dates, nights, amounts, channel, hotel) so the hotel's statistics stay right. Another
guest's data is not touched: in a shared stay's snapshot only this guest's entry is replaced.
What happens to each table is ERASURE_HANDLING (a new table fails a unit test until it is named
there); the inbox bodies are redacted in place, not replaced (docs/privacy.md says why)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import (
    AuditEntry,
    Complaint,
    ContactPoint,
    DeskEvent,
    EmailSignInLink,
    ExternalId,
    GuestNote,
    GuestProfile,
    GuestSession,
    InboxEvent,
    MergeRecord,
    NotSamePair,
    OutboundMail,
    OutboundNotification,
    Preference,
    PrivacyRequest,
    ProfileBlockingKey,
    ProfileMatchRecord,
    ReviewTask,
    Stay,
    StayGuest,
    StayVersion,
    VipAssignment,
)
from guestcrm.services.privacy.footprint import GuestFootprint, guest_footprint
from guestcrm.services.privacy.redaction import ERASED, Redactor, guest_redactor

DELETED = "deleted"
REDACTED = "redacted"
NO_GUEST_DATA = "kept: holds no guest's personal data"
ERASURE_HANDLING: dict[str, str] = {
    "guest_profile": "personal fields emptied (PROFILE_FIELDS), erased_at set; figures kept",
    "contact_point": DELETED,
    "external_id": DELETED + " (PMS, loyalty and social links)",
    "preference": DELETED,
    "guest_note": DELETED + " (staff notes and traces are free text about them)",
    "vip_assignment": DELETED,
    "profile_blocking_key": DELETED,
    "profile_match_record": DELETED,
    "guest_session": DELETED + " (signed out everywhere)",
    "email_sign_in_link": DELETED + " for their addresses",
    "outbound_mail": DELETED + ": theirs and any sent to their addresses",
    "complaint": "description replaced, resolution and compensation emptied",
    "stay": "figures kept; requests and comments emptied when they booked, else " + REDACTED,
    "stay_guest": "kept: the seat points to the anonymous profile",
    "stay_version": "their guest entry replaced, their strings " + REDACTED,
    "inbox_event": "body and error " + REDACTED + " in place (row, status, history kept)",
    "audit_entry": "details " + REDACTED + " (about them, their stays, messages, tasks, perks)",
    "merge_record": "before-images and reason " + REDACTED,
    "review_task": "evidence " + REDACTED,
    "not_same_pair": "reason " + REDACTED,
    "privacy_request": "note " + REDACTED + "; the requests themselves kept as the record",
    "outbound_notification": "payload and error " + REDACTED + " (their stays)",
    "desk_event": "message " + REDACTED + " (theirs and their stays')",
    "consent_event": "kept: channel, purpose, answer and time, no personal data",
    "perk": "kept: codes and redemptions, no personal data",
    "guest_value": "kept: figures",
    "guest_property_value": "kept: figures",
    **{name: NO_GUEST_DATA for name in (
        "api_token", "backfill_run", "connector_connection", "crm_setting", "match_model",
        "perk_api_request", "perk_offer", "property",
        "rfm_segment_action", "staff_user", "staff_property", "vip_level",
        "webhook_credential")},
}

PROFILE_FIELDS = ("first_name", "middle_name", "last_name", "name_prefix", "name_title",
                  "birth_date", "gender", "language", "nationality", "street", "city",
                  "postal_code", "state", "country", "company", "search_text", "vip_level",
                  "notes", "marketing_consent")


@dataclass
class ErasureReport:
    """What an erasure did: the profiles it anonymized (the live one first) and, per table, how
    many rows it deleted or redacted."""

    profile_id: int
    profiles: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        if n:
            self.counts[name] = self.counts.get(name, 0) + n


def erase_guest(session: Session, profile_id: int, actor: str, kind: str = "erasure"
                ) -> ErasureReport:
    """Erase the personal data of the live guest `profile_id` and of every profile merged into
    it (see the module's list); `actor` is who asked ("staff:<id>", "guest:<id>", "cli",
    "system:retention"), `kind` the request's kind ("erasure" or "retention"). Recorded as a
    privacy request and audited, both without personal data. Commits. Raises NotFound for an
    unknown or merged-away id; erasing an erased guest again finds nothing more to erase."""
    found = guest_footprint(session, profile_id)
    ids = found.profile_ids
    report = ErasureReport(profile_id, ids)
    redactor = guest_redactor(session, ids)
    _snapshots(session, found, redactor, report)
    _inbox(session, found, redactor, report)
    _records(session, found, redactor, report)
    for model in (ContactPoint, ExternalId, Preference, ProfileBlockingKey, ProfileMatchRecord,
                  GuestSession, VipAssignment, GuestNote):
        report.add(model.__tablename__, session.execute(
            delete(model).where(model.profile_id.in_(ids))).rowcount)
    # Sign-in mails name no profile: the address is what ties them to the guest.
    report.add("outbound_mail", session.execute(delete(OutboundMail).where(or_(
        OutboundMail.profile_id.in_(ids), found.addressed(OutboundMail.to_address)))).rowcount)
    report.add("email_sign_in_link", session.execute(delete(EmailSignInLink).where(
        found.addressed(EmailSignInLink.email))).rowcount)
    for complaint in session.scalars(select(Complaint).where(Complaint.profile_id.in_(ids))):
        complaint.description, complaint.resolution = ERASED, None
        complaint.compensation = None
        report.add("complaint", 1)
    for stay in session.scalars(select(Stay).where(Stay.id.in_(found.stay_ids))):
        if stay.id in found.booked_stay_ids:
            stay.special_requests, stay.comments = [], []
        else:  # another guest's booking: only what names this guest goes
            stay.special_requests = redactor.value(stay.special_requests or [])
            stay.comments = redactor.value(stay.comments or [])
    now = utcnow()
    for row in session.scalars(select(GuestProfile).where(GuestProfile.id.in_(ids))):
        for name in PROFILE_FIELDS:
            setattr(row, name, None)
        row.field_versions, row.erased_at = {}, now
    report.add("guest_profile", len(ids))
    session.add(PrivacyRequest(profile_id=profile_id, kind=kind, requested_by=actor,
                               status="done", details={"counts": report.counts,
                                                       "profiles": ids},
                               completed_at=now))
    session.add(AuditEntry(actor=actor, action=f"privacy.{kind}", target_type="guest_profile",
                           target_id=str(profile_id), details={"profiles": ids,
                                                               "counts": report.counts}))
    session.commit()
    return report


def _snapshots(session: Session, found: GuestFootprint, redactor: Redactor,
               report: ErasureReport) -> None:
    seats = {(s, p) for s, p in session.execute(
        select(StayGuest.stay_id, StayGuest.position).where(
            StayGuest.profile_id.in_(found.profile_ids)))}
    for version in session.scalars(select(StayVersion).where(
            StayVersion.stay_id.in_(found.stay_ids))):
        snapshot = dict(version.snapshot or {})
        guests = snapshot.get("guests")
        if isinstance(guests, list):
            snapshot["guests"] = [{"erased": True} if (version.stay_id, i) in seats else g
                                  for i, g in enumerate(guests)]
        if version.stay_id in found.booked_stay_ids:
            snapshot["special_requests"], snapshot["comments"] = [], []
        version.snapshot = redactor.value(snapshot)
        report.add("stay_version", 1)


def _inbox(session: Session, found: GuestFootprint, redactor: Redactor,
           report: ErasureReport) -> None:
    for event in session.scalars(select(InboxEvent).where(InboxEvent.id.in_(found.event_ids))):
        event.body = redactor.raw(event.body)
        event.error = redactor.text(event.error) if event.error else event.error
        report.add("inbox_event", 1)


def _records(session: Session, found: GuestFootprint, redactor: Redactor,
             report: ErasureReport) -> None:
    """Audit, merge, review and notice records that hold copies of the guest's data."""
    ids, stay_ids = found.profile_ids, found.stay_ids
    for entry in session.scalars(select(AuditEntry).where(found.audit_entries())):
        entry.details = redactor.value(entry.details or {})
        report.add("audit_entry", 1)
    for record in session.scalars(select(MergeRecord).where(or_(
            MergeRecord.survivor_id.in_(ids), MergeRecord.merged_id.in_(ids)))):
        record.before = redactor.value(record.before or {})
        record.reason = redactor.text(record.reason) if record.reason else None
        report.add("merge_record", 1)
    for task in session.scalars(select(ReviewTask).where(or_(
            ReviewTask.profile_a_id.in_(ids), ReviewTask.profile_b_id.in_(ids)))):
        task.evidence = redactor.value(task.evidence or {})
        report.add("review_task", 1)
    for pair in session.scalars(select(NotSamePair).where(or_(
            NotSamePair.profile_a_id.in_(ids), NotSamePair.profile_b_id.in_(ids)))):
        pair.reason = redactor.text(pair.reason) if pair.reason else None
    for notice in session.scalars(select(OutboundNotification).where(
            OutboundNotification.stay_id.in_(stay_ids))):
        notice.payload = redactor.value(notice.payload or {})
        notice.last_error = redactor.text(notice.last_error) if notice.last_error else None
        report.add("outbound_notification", 1)
    for event in session.scalars(select(DeskEvent).where(or_(
            DeskEvent.profile_id.in_(ids), DeskEvent.stay_id.in_(stay_ids)))):
        event.message = redactor.text(event.message)
        report.add("desk_event", 1)
    for request in session.scalars(select(PrivacyRequest).where(
            PrivacyRequest.profile_id.in_(ids), PrivacyRequest.note.is_not(None))):
        request.note = redactor.text(request.note)
