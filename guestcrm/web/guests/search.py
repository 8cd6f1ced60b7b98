"""GET /guests: one search box that answers while typing (htmx swaps the results), and a plain
GET form without JavaScript; before anything is typed, the latest guests at the hotels."""

from __future__ import annotations

from datetime import date

from flask import render_template, request

from guestcrm.extensions import db
from guestcrm.services.guests.search import MAX_QUERY, recent_guests, search_guests
from guestcrm.web.access import roles_required, visible_property_ids
from guestcrm.web.guests.blueprint import GUEST_ROLES, bp


@bp.get("")
@roles_required(*GUEST_ROLES)
def search():
    query = request.args.get("q", "")[:MAX_QUERY]
    allowed = visible_property_ids()
    if query.strip():
        hits = search_guests(db.session, query, allowed)
    else:
        hits = recent_guests(db.session, allowed, date.today())
    context = {"q": query, "hits": hits, "searched": bool(query.strip())}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render_template("guests/_results.html", **context)
    return render_template("guests/search.html", **context)
