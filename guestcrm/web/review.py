"""Review queue and merge undo, in the admin area.

Roles: admins and front-desk staff review candidate pairs (front desk only pairs with a stay
at one of their hotels; others answer 404, as if the task did not exist); revenue managers
have no access. Undoing a merge is for admins only. Every decision is audited by the service.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from guestcrm.extensions import db
from guestcrm.models import GuestProfile, MergeRecord, Stay
from guestcrm.services.identity import review_tasks
from guestcrm.services.identity.review_words import evidence_rows, likelihood
from guestcrm.services.identity.unmerge import undo_own_merge, unmerge
from guestcrm.web.access import roles_required, visible_property_ids

bp = Blueprint("review", __name__, url_prefix="/admin/review")
bp.add_app_template_global(likelihood, "likelihood")
REVIEW_ROLES = ("admin", "front_desk")
PAGE_SIZE = 100


def _actor() -> str:
    return f"staff:{current_user.id}"


@bp.get("/")
@roles_required(*REVIEW_ROLES)
def queue():
    scope = visible_property_ids()
    tasks = db.session.scalars(review_tasks.visible_tasks(db.session, scope).limit(PAGE_SIZE)).all()
    profiles = _profiles({i for t in tasks for i in (t.profile_a_id, t.profile_b_id)})
    return render_template("review/queue.html", tasks=tasks, profiles=profiles)


@bp.get("/<id:task_id>")
@roles_required(*REVIEW_ROLES)
def task(task_id: int):
    scope = visible_property_ids()
    row = review_tasks.task_for(db.session, task_id, scope) or abort(404)
    ids = [t.id for t in db.session.scalars(review_tasks.visible_tasks(db.session, scope)
                                            .limit(PAGE_SIZE))]
    position = ids.index(row.id) if row.id in ids else None
    neighbours = {
        "prev": ids[position - 1] if position else None,
        "next": ids[position + 1] if position is not None and position + 1 < len(ids) else None,
    }
    a, b = (db.session.get(GuestProfile, i) for i in (row.profile_a_id, row.profile_b_id))
    return render_template("review/task.html", task=row, a=a, b=b,
                           evidence=evidence_rows(row.evidence or {}),
                           stays={p.id: _stays(p.id) for p in (a, b)}, **neighbours)


@bp.post("/<id:task_id>/decide")
@roles_required(*REVIEW_ROLES)
def decide(task_id: int):
    scope = visible_property_ids()
    row = review_tasks.task_for(db.session, task_id, scope) or abort(404)
    decision = request.form.get("decision")
    if decision not in ("same", "different"):
        abort(400)
    outcome = review_tasks.decide(db.session, row, same=decision == "same", actor=_actor(),
                                  reason=(request.form.get("reason") or "").strip()[:500] or None)
    db.session.commit()
    session["own_merge"] = outcome.merge_id
    flash("Merged: one guest now." if decision == "same" else "Kept apart, and remembered.",
          "info")
    following = db.session.scalar(review_tasks.visible_tasks(db.session, scope).limit(1))
    if following is not None:
        return redirect(url_for("review.task", task_id=following.id))
    return redirect(url_for("review.queue"))


@bp.post("/merges/<id:record_id>/take-back")
@roles_required(*REVIEW_ROLES)
def take_back(record_id: int):
    """The person who just merged takes it back (within minutes; admins undo any merge)."""
    survivor, restored = undo_own_merge(db.session, record_id, actor=_actor())
    db.session.commit()
    session.pop("own_merge", None)
    flash(f"Taken back: #{survivor.id} and #{restored.id} are separate profiles again.", "info")
    return redirect(url_for("review.queue"))


@bp.get("/merges")
@roles_required("admin")
def merges():
    rows = db.session.scalars(select(MergeRecord).where(MergeRecord.undone_at.is_(None))
                              .order_by(MergeRecord.id.desc()).limit(PAGE_SIZE)).all()
    profiles = _profiles({i for r in rows for i in (r.survivor_id, r.merged_id)})
    return render_template("review/merges.html", records=rows, profiles=profiles)


@bp.post("/merges/<id:record_id>/undo")
@roles_required("admin")
def undo_merge(record_id: int):
    if db.session.get(MergeRecord, record_id) is None:
        abort(404)
    reason = (request.form.get("reason") or "").strip()[:500]
    if not reason:
        flash("Say why the merge is wrong.", "error")
        return redirect(url_for("review.merges"))
    survivor, restored = unmerge(db.session, record_id, actor=_actor(), reason=reason)
    db.session.commit()
    flash(f"Merge undone: #{survivor.id} and #{restored.id} are separate profiles again.",
          "info")
    return redirect(url_for("review.merges"))


def _profiles(ids: set[int]) -> dict[int, GuestProfile]:
    if not ids:
        return {}
    rows = db.session.scalars(select(GuestProfile).where(GuestProfile.id.in_(ids)))
    return {p.id: p for p in rows}


def _stays(profile_id: int) -> list[Stay]:
    return db.session.scalars(select(Stay).where(Stay.profile_id == profile_id)
                              .order_by(Stay.arrival.desc()).limit(5)).all()
