"""Notes about a guest as staff keep them: a note (what to know), or a trace (what a department
must do for the guest by a day: housekeeping puts a cot in, F&B prepares a birthday cake),
marked done by whoever does it; each audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import NotFound, Refused
from guestcrm.models import AuditEntry, GuestNote, GuestProfile

KINDS = ("note", "trace")
DEPARTMENTS = ("front_office", "housekeeping", "food_and_beverage", "concierge",
               "maintenance", "reservations", "management")
MAX_TEXT = 2000


def add_note(session: Session, profile: GuestProfile, kind: str, text: str,
             department: str | None, due_on: date | None, actor: str) -> GuestNote:
    text = (text or "").strip()
    if kind not in KINDS:
        raise Refused("a note or a trace")
    if not text or len(text) > MAX_TEXT:
        raise Refused(f"the text is 1 to {MAX_TEXT} characters")
    if kind == "trace" and (department not in DEPARTMENTS or due_on is None):
        raise Refused("a trace needs a department and a due date")
    note = GuestNote(profile_id=profile.id, kind=kind, text=text,
                     department=department if kind == "trace" else None,
                     due_on=due_on if kind == "trace" else None, created_by=actor)
    session.add(note)
    session.flush()
    session.add(AuditEntry(actor=actor, action=f"note.{kind}", target_type="guest_profile",
                           target_id=str(profile.id), details={"note": note.id,
                                                               "department": note.department}))
    session.flush()
    return note


def complete_trace(session: Session, profile: GuestProfile, note_id: int,
                   actor: str) -> GuestNote:
    note = session.get(GuestNote, note_id)
    if note is None or note.profile_id != profile.id:
        raise NotFound(f"no note {note_id}")
    if note.kind != "trace" or note.done_at is not None:
        raise Refused("only an open trace can be done")
    note.done_at, note.done_by = utcnow(), actor
    session.add(AuditEntry(actor=actor, action="note.trace_done", target_type="guest_profile",
                           target_id=str(profile.id), details={"note": note.id}))
    session.flush()
    return note


def guest_notes(session: Session, profile_id: int) -> list[GuestNote]:
    """Open traces first (by due date), then notes and done traces, newest first."""
    rows = list(session.scalars(select(GuestNote).where(GuestNote.profile_id == profile_id)
                                .order_by(GuestNote.created_at.desc(), GuestNote.id.desc())))
    open_traces = sorted((n for n in rows if n.kind == "trace" and n.done_at is None),
                         key=lambda n: (n.due_on, n.id))
    return open_traces + [n for n in rows if n not in open_traces]
