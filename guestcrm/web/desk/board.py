"""The front-desk board of any day (today by default): who arrives and why they matter, live
check-ins, who is in the house and who leaves.

Access: admins see every property; front-desk agents only their own (anything else answers 404,
the same as a record that does not exist, so ids cannot be probed). Revenue managers do not work
the desk and get 403 here; they edit the segment actions and value settings at /revenue.
Live alerts are short polls of /desk/events (one indexed query), which suits gunicorn's sync
workers better than holding a connection open per screen.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from guestcrm.extensions import db
from guestcrm.jobs.notify import enqueue_notice
from guestcrm.models import GuestProfile, Property
from guestcrm.services.recognition import desk as desk_service
from guestcrm.services.recognition.arrivals import Arrival, arrivals_for, gc_paused
from guestcrm.services.recognition.hotel_day import hotel_today
from guestcrm.services.recognition.house import in_house_and_departures
from guestcrm.services.recognition.notify import pending_notice_id, undelivered_notices
from guestcrm.web.access import roles_required, visible_property_ids
from guestcrm.web.csv_export import csv_response
from guestcrm.web.desk.rows import arrival_rows
from guestcrm.web.numbers import int_arg

bp = Blueprint("desk", __name__, url_prefix="/desk")
DESK_ROLES = ("admin", "front_desk")
# How often each board asks for news. Half a second keeps event -> badge under a second at
# p95 while one poll costs a single indexed query.
DEFAULT_POLL_MS = 500
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2100, 1, 1)  # the dates a reservation may carry
LISTS = {"arrivals": "Arrivals", "in_house": "In house", "departures": "Departures"}


def _poll_ms() -> int:
    return int(current_app.config.get("DESK_POLL_MS", DEFAULT_POLL_MS))


def _property(code: str | None) -> Property:
    allowed = visible_property_ids()
    if not code:
        props = desk_service.visible_properties(db.session, allowed)
        if not props:
            abort(404)
        return props[0]
    return desk_service.visible_property(db.session, code, allowed)


def _day(prop: Property) -> tuple[str, date]:
    """?day=today|tomorrow (at the hotel) or any date as YYYY-MM-DD; anything else 400."""
    which = request.args.get("day", "today")
    today = hotel_today(prop)
    if which in ("today", "tomorrow"):
        return which, today + timedelta(days=1 if which == "tomorrow" else 0)
    try:
        day = date.fromisoformat(which) if ISO_DAY.fullmatch(which) else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        abort(400, description=f"day is today, tomorrow or a date from {FIRST_DAY} to "
                               f"{LAST_DAY} written YYYY-MM-DD")
    return which, day


def _filtered(arrivals: list[Arrival]) -> list[Arrival]:
    query = request.args.get("q", "").strip().lower()[:100]
    flag = request.args.get("flag", "").strip()
    if query:
        arrivals = [a for a in arrivals if query in a.guest_name.lower()
                    or query in (a.room_number or "").lower() or query in a.external_id.lower()]
    if flag == "checked_in":
        arrivals = [a for a in arrivals if a.checked_in]
    elif flag == "waiting":
        arrivals = [a for a in arrivals if not a.checked_in]
    elif flag:
        arrivals = [a for a in arrivals if any(f.code == flag for f in a.flags)]
    return arrivals


@bp.get("/")
@roles_required(*DESK_ROLES)
def board():
    with gc_paused():
        return _board()


def _board():
    prop = _property(request.args.get("property"))
    which, day = _day(prop)
    everyone = arrivals_for(db.session, prop.id, day)
    arrivals = _filtered(everyone)
    today = hotel_today(prop)
    context = {
        "prop": prop, "which": which, "day": day, "arrivals": arrivals, "total": len(everyone),
        "today": today, "other_day": lambda days: (day + timedelta(days=days)).isoformat(),
        "flag_codes": sorted({f.code: f.rule_label for a in everyone for f in a.flags}.items()),
        "q": request.args.get("q", ""), "flag": request.args.get("flag", ""),
        "properties": desk_service.visible_properties(db.session, visible_property_ids()),
        "after": desk_service.latest_event_id(db.session, prop.id), "poll": _poll_ms(),
        "waiting": sum(1 for a in everyone if not a.checked_in), "arrival_rows": arrival_rows,
        "undelivered": undelivered_notices(db.session, {prop.id}, limit=5),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "arrivals":
        return render_template("desk/_arrivals.html", **context)
    show = request.args.get("list", "arrivals")
    if show not in LISTS:
        abort(400, description=f"list is one of {', '.join(LISTS)}")
    house = None if show == "arrivals" else getattr(
        in_house_and_departures(db.session, prop.id, day), show)
    return render_template("desk/board.html", show=show, house=house, lists=LISTS, **context)


@bp.get("/arrivals.csv")
@roles_required(*DESK_ROLES)
def export_csv():
    with gc_paused():
        return _export_csv()


def _export_csv():
    prop = _property(request.args.get("property"))
    which, day = _day(prop)
    header = ["priority", "guest", "profile_id", "reservation", "arrival", "departure",
              "nights", "room_type", "room", "channel", "checked_in", "flags", "reasons"]
    rows = ([a.priority, a.guest_name, a.profile_id, a.external_id, a.arrival, a.departure,
             a.nights, a.room_type, a.room_number, a.channel_name or a.channel,
             "yes" if a.checked_in else "no", " | ".join(f.label for f in a.flags),
             " | ".join(f"{f.label}: {f.reason}" for f in a.flags)]
            for a in _filtered(arrivals_for(db.session, prop.id, day)))
    return csv_response(header, rows, f"arrivals-{prop.code}-{day.isoformat()}")


@bp.post("/stays/<id:stay_id>/check-in")
@roles_required(*DESK_ROLES)
def check_in(stay_id: int):
    stay = desk_service.visible_stay(db.session, stay_id, visible_property_ids())
    event = desk_service.check_in(db.session, stay, actor=f"staff:{current_user.id}")
    db.session.commit()
    notice_id = pending_notice_id(db.session, stay.id)
    if notice_id is not None:
        enqueue_notice(notice_id)
    if request.headers.get("HX-Request"):
        mine = event.actor == f"staff:{current_user.id}"
        return render_template("desk/_checked_in.html" if mine else "desk/_status.html",
                               stay_id=stay.id, checked_in_at=event.at, oob=False,
                               guest=stay_guest_name(stay))
    return redirect(url_for("desk.board", property=stay.property.code))


def stay_guest_name(stay) -> str:
    guest = stay.guests[0] if stay.guests else None
    profile = db.session.get(GuestProfile, guest.profile_id) if guest else None
    return profile.display_name if profile else "the guest"


@bp.post("/stays/<id:stay_id>/check-in/undo")
@roles_required(*DESK_ROLES)
def undo_check_in(stay_id: int):
    """A check-in pressed by mistake, taken back by the same agent within minutes."""
    stay = desk_service.visible_stay(db.session, stay_id, visible_property_ids())
    desk_service.undo_check_in(db.session, stay, actor=f"staff:{current_user.id}")
    db.session.commit()
    if request.headers.get("HX-Request"):
        return render_template("desk/_check_in_undone.html", stay_id=stay.id,
                               checked_in_at=None, oob=False)
    return redirect(url_for("desk.board", property=stay.property.code))


@bp.get("/events")
@roles_required(*DESK_ROLES)
def events():
    """The poll: 204 when nothing happened, else new alerts, status updates, the rows of new
    and changed bookings of the board's day, and a new poller."""
    prop = _property(request.args.get("property"))
    after = int_arg("after", 0)
    found = desk_service.events_since(db.session, prop.id, after)
    if not found:
        return Response(status=204)
    day = _poll_day(prop)
    changed = sorted({e.stay_id for e in found if e.kind == "booking"})
    rows = ([a for a in arrivals_for(db.session, prop.id, day, stay_ids=changed)]
            if changed and day is not None else [])
    return render_template("desk/_events.html", events=[e for e in found if e.kind != "booking"],
                           rows=rows, prop=prop, after=found[-1].id, poll=_poll_ms(),
                           day=day.isoformat() if day else "", arrival_rows=arrival_rows)


def _poll_day(prop):
    raw = request.args.get("day", "")
    if not raw:
        return hotel_today(prop)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@bp.get("/settings")
def old_settings_address():
    """The settings moved to /revenue/settings; old bookmarks still arrive."""
    return redirect(url_for("revenue.settings"), 301)
