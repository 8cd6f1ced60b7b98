"""GET /api/v1/arrivals: the desk board's arrivals, flags and reasons for machine clients."""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from guestcrm.extensions import db
from guestcrm.models import Property
from guestcrm.schemas.arrivals import ArrivalList, ArrivalsQuery, arrival_list_json
from guestcrm.services.recognition.arrivals import arrivals_for, gc_paused
from guestcrm.web.api.blueprint import bp, grant, needs_scope


@bp.route("/arrivals")
class Arrivals(MethodView):
    @needs_scope("arrivals:read")
    @bp.arguments(ArrivalsQuery, location="query")
    @bp.response(200, ArrivalList)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope, or may not see this hotel")
    @bp.alt_response(404, description="No such property")
    def get(self, query: dict):
        """Arrivals of a property on a date, most important first, with flags and reasons."""
        if not grant().allows_hotel(query["property"]):
            abort(403, message=f"this token may not see hotel {query['property']}")
        prop = db.session.scalar(select(Property).where(Property.code == query["property"]))
        if prop is None:
            abort(404, message=f"no property {query['property']}")
        with gc_paused():
            arrivals = arrivals_for(db.session, prop.id, query["date"])
            return jsonify(arrival_list_json(prop.code, query["date"], arrivals))
