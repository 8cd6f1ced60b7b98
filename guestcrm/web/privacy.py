"""The data-protection officer's page at /admin/privacy (admins): find a guest, download what
is held about them, erase them after a typed confirmation, see the requests, set retention."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from guestcrm.extensions import db
from guestcrm.services.identity.lookup import find_by_email, live_profile
from guestcrm.services.privacy.erasure import erase_guest
from guestcrm.services.privacy.export import export_guest
from guestcrm.services.privacy.requests import recent_requests, record_export
from guestcrm.services.privacy.retention import retention_years, set_retention_years
from guestcrm.web.access import roles_required
from guestcrm.web.numbers import MAX_ID

bp = Blueprint("privacy", __name__, url_prefix="/admin/privacy")


def _actor() -> str:
    return f"staff:{current_user.id}"


def export_response(data: dict, profile_id: int) -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="guest-{profile_id}.json"',
        "Cache-Control": "no-store"})


@bp.get("/")
@roles_required("admin")
def home():
    query = request.args.get("q", "").strip()[:320]
    found = []
    if query.isdigit() and 0 < int(query) <= MAX_ID:
        profile = live_profile(db.session, int(query))
        found = [profile] if profile is not None else []
    elif query:
        found = find_by_email(db.session, query)
    return render_template("admin/privacy.html", query=query, found=found,
                           requests=recent_requests(db.session),
                           years=retention_years(db.session))


@bp.get("/<id:profile_id>/export.json")
@roles_required("admin")
def export(profile_id: int):
    data = export_guest(db.session, profile_id)
    record_export(db.session, profile_id, _actor())
    return export_response(data, profile_id)


@bp.post("/<id:profile_id>/erase")
@roles_required("admin")
def erase(profile_id: int):
    if request.form.get("confirm", "").strip() != f"ERASE {profile_id}":
        flash(f"Not erased: type ERASE {profile_id} to confirm.", "error")
        return redirect(url_for("privacy.home", q=profile_id))
    report = erase_guest(db.session, profile_id, _actor())
    flash(f"Guest {profile_id} erased ({len(report.profiles)} profiles); their stays keep "
          "their figures.", "info")
    return redirect(url_for("privacy.home"))


@bp.post("/retention")
@roles_required("admin")
def retention():
    raw = request.form.get("years", "").strip()
    if not raw.isdigit():
        flash("Retention not saved: a whole number of years (0: off).", "error")
        return redirect(url_for("privacy.home"))
    set_retention_years(db.session, int(raw), _actor())
    flash("Retention saved.", "info")
    return redirect(url_for("privacy.home"))
