"""Admin area: the inbox (failed and waiting messages, replay), hotels first seen in a message
(confirm or remove) and the audit log."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from connectors.alpinebits_messages import validation_status
from guestcrm.extensions import db
from guestcrm.jobs.inbox import process_event
from guestcrm.jobs.queue import job_queue
from guestcrm.models import InboxEvent
from guestcrm.models.inbox import INBOX_STATUSES
from guestcrm.services.access.audit_log import AuditFilter, audit_actions, audit_page
from guestcrm.services.access.hotels import (
    confirm_hotel,
    first_stays,
    list_hotels,
    references,
    remove_hotel,
)
from guestcrm.services.ingest.inbox import replay
from guestcrm.services.recognition.notify import undelivered_notices
from guestcrm.web.access import roles_required
from guestcrm.web.numbers import int_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/inbox")
@roles_required("admin")
def inbox():
    status = request.args.get("status", "failed")
    if status not in INBOX_STATUSES:
        abort(404)
    page = int_arg("page", 1, low=1, high=1_000_000)
    events = db.session.scalars(
        select(InboxEvent)
        .where(InboxEvent.status == status)
        .order_by(InboxEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    counts = dict(
        db.session.execute(
            select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
        ).all()
    )
    return render_template(
        "admin/inbox.html", events=events, status=status, counts=counts, page=page,
        xsd_status=validation_status(), undelivered=undelivered_notices(db.session),
    )


@bp.get("/inbox/<id:event_id>")
@roles_required("admin")
def event(event_id: int):
    row = db.session.get(InboxEvent, event_id) or abort(404)
    return render_template("admin/event.html", event=row, body=row.body.decode("utf-8", "replace"))


@bp.post("/inbox/<id:event_id>/replay")
@roles_required("admin")
def replay_event(event_id: int):
    replay(db.session, event_id, actor=f"staff:{current_user.id}")
    try:
        job_queue().enqueue(process_event, event_id)
    except Exception:  # noqa: BLE001  inline failure is recorded on the event itself
        db.session.rollback()
    row = db.session.get(InboxEvent, event_id)
    db.session.refresh(row)
    flash(f"Event {event_id} replayed: now {row.status}.", "info")
    return redirect(url_for("admin.event", event_id=event_id))


@bp.get("/audit")
@roles_required("admin")
def audit():
    wanted = AuditFilter(who=request.args.get("who", "")[:255],
                         what=request.args.get("what", "")[:64],
                         since=_day_arg("from"), until=_day_arg("to"))
    page = int_arg("page", 1, low=1, high=100_000)
    entries, older = audit_page(db.session, wanted, page)
    return render_template("admin/audit.html", entries=entries, wanted=wanted, page=page,
                           older=older, actions=audit_actions(db.session),
                           args={k: v for k, v in request.args.items() if k != "page"})


def _day_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, description=f"{name} is a date, YYYY-MM-DD")


@bp.get("/hotels")
@roles_required("admin")
def hotels():
    waiting = list_hotels(db.session, unconfirmed_only=True)
    return render_template(
        "admin/hotels.html", hotels=waiting, first=first_stays(db.session, waiting),
        used={p.id: references(db.session, p) for p in waiting},
    )


@bp.post("/hotels/<code>/confirm")
@roles_required("admin")
def confirm(code: str):
    prop = confirm_hotel(db.session, code, request.form.get("name"),
                         actor=f"staff:{current_user.id}")
    flash(f"Hotel {prop.code} confirmed as {prop.name}.", "info")
    return redirect(url_for("admin.hotels"))


@bp.post("/hotels/<code>/remove")
@roles_required("admin")
def remove(code: str):
    remove_hotel(db.session, code, actor=f"staff:{current_user.id}")
    flash(f"Hotel {code} removed.", "info")
    return redirect(url_for("admin.hotels"))
