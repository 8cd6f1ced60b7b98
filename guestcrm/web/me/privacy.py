"""The guest's own data: download everything held about them, or have it erased."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from guestcrm.extensions import db, limiter
from guestcrm.services.privacy.erasure import erase_guest
from guestcrm.services.privacy.export import export_guest
from guestcrm.services.privacy.requests import record_export
from guestcrm.web.me.blueprint import bp, set_guest_cookie, signed_in_guest
from guestcrm.web.privacy import export_response


@bp.get("/privacy")
def privacy():
    signed_in_guest()
    return render_template("me/privacy.html", error="")


@bp.get("/privacy/export.json")
@limiter.limit("10 per hour")
def privacy_export():
    guest = signed_in_guest()
    data = export_guest(db.session, guest.id)
    record_export(db.session, guest.id, f"guest:{guest.id}")
    return export_response(data, guest.id)


@bp.post("/privacy/erase")
def privacy_erase():
    guest = signed_in_guest()
    if request.form.get("confirm") != "1":
        return render_template("me/privacy.html",
                               error=_("Tick the box to confirm the erasure.")), 422
    erase_guest(db.session, guest.id, actor=f"guest:{guest.id}")
    return set_guest_cookie(redirect(url_for("me.erased")), None)


@bp.get("/erased")
def erased():
    return render_template("me/erased.html")
