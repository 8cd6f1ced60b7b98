"""Notes and traces on the guest profile: added by staff (CSRF, audited, redirect after), a
trace marked done by whoever does it."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_login import current_user

from guestcrm.errors import Refused
from guestcrm.extensions import db
from guestcrm.services.guests.notes import add_note, complete_trace
from guestcrm.services.guests.profile import guest_file
from guestcrm.web.access import roles_required, visible_property_ids
from guestcrm.web.guests.blueprint import GUEST_ROLES, bp


def _back(profile_id: int):
    return redirect(url_for("guests.profile", profile_id=profile_id, _anchor="notes"), 303)


@bp.post("/<id:profile_id>/notes")
@roles_required(*GUEST_ROLES)
def add(profile_id: int):
    found = guest_file(db.session, profile_id, visible_property_ids())
    due_raw = request.form.get("due_on", "").strip()
    try:
        due = date.fromisoformat(due_raw) if due_raw else None
    except ValueError:
        due = None
    try:
        add_note(db.session, found.profile, request.form.get("kind", "note"),
                 request.form.get("text", "")[:4000], request.form.get("department") or None,
                 due, actor=f"staff:{current_user.id}")
    except Refused as exc:
        db.session.rollback()
        flash(f"Not saved: {exc}", "error")
        return _back(profile_id)
    db.session.commit()
    flash("Saved.", "ok")
    return _back(profile_id)


@bp.post("/<id:profile_id>/notes/<id:note_id>/done")
@roles_required(*GUEST_ROLES)
def done(profile_id: int, note_id: int):
    found = guest_file(db.session, profile_id, visible_property_ids())
    complete_trace(db.session, found.profile, note_id, actor=f"staff:{current_user.id}")
    db.session.commit()
    return _back(profile_id)
