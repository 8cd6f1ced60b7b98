"""Guest profiles for booking engines: one by id, or those holding a contact key. The key may
come in the query string or, to keep personal data out of URLs and logs, in a POST body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import ValidationError, validate

from guestcrm.extensions import db
from guestcrm.models import GuestProfile
from guestcrm.schemas.api import GuestList, GuestOut, GuestQuery
from guestcrm.services.access.tokens import stayed_at
from guestcrm.services.identity.lookup import (
    find_by_email,
    find_by_loyalty,
    find_by_phone,
    live_profile,
)
from guestcrm.web.api.blueprint import bp, grant, needs_scope


def _visible(profile: GuestProfile) -> bool:
    hotels = grant().properties
    return hotels is None or stayed_at(db.session, profile.id, hotels)


@bp.route("/guests/<id:guest_id>")
class GuestById(MethodView):
    @needs_scope("guests:read")
    @bp.response(200, GuestOut)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope")
    @bp.alt_response(404, description="No such guest (or none this token may see)")
    def get(self, guest_id: int):
        """One guest profile (a merged-away id answers with the surviving profile)."""
        profile = live_profile(db.session, guest_id)
        if profile is None or not _visible(profile):
            abort(404, message=f"no guest {guest_id}")
        return profile


def _look_up(query: dict) -> dict:
    if query.get("email"):
        found = find_by_email(db.session, query["email"])
    elif query.get("phone"):
        found = find_by_phone(db.session, query["phone"])
    else:
        found = find_by_loyalty(db.session, query["loyalty_id"])
    return {"guests": [profile for profile in found if _visible(profile)]}


def _one_key() -> dict:
    """"Exactly one of email, phone, loyalty_id", in the document: one object of three shapes,
    sent as query parameters (form style, exploded) or as the JSON body; the bounds are
    GuestQuery's own."""
    shapes = []
    for name, field in GuestQuery().fields.items():
        length = next(v for v in field.validators if isinstance(v, validate.Length))
        shapes.append({"type": "object", "required": [name], "additionalProperties": False,
                       "properties": {name: {"type": "string", "minLength": length.min,
                                             "maxLength": length.max}}})
    return {"oneOf": shapes}


REFUSED = {"422": {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}}
QUERY_DOC = {"parameters": [{"in": "query", "name": "key", "required": True, "style": "form",
                             "explode": True, "schema": _one_key()}], "responses": REFUSED}
BODY_DOC = {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": _one_key()}}},
            "responses": REFUSED}


def _query(values: Mapping[str, Any] | None, location: str) -> dict:
    if not isinstance(values, Mapping):
        abort(422, errors={location: {"_schema": ["a JSON object is expected"]}})
    try:
        return GuestQuery().load(values)
    except ValidationError as exc:
        abort(422, errors={location: exc.messages})


@bp.route("/guests")
class GuestSearch(MethodView):
    @needs_scope("guests:read")
    @bp.doc(**QUERY_DOC)
    @bp.response(200, GuestList)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope")
    def get(self):
        """Guests by exactly one of email, phone (E.164 or with country code), loyalty id.
        POST /guests/search takes the same in a JSON body, out of URLs and access logs."""
        return _look_up(_query(request.args.to_dict(), "query"))


@bp.route("/guests/search")
class GuestSearchByBody(MethodView):
    @needs_scope("guests:read")
    @bp.doc(**BODY_DOC)
    @bp.response(200, GuestList)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope")
    def post(self):
        """Guests by exactly one of email, phone, loyalty id, given in a JSON body."""
        return _look_up(_query(request.get_json(silent=True), "json"))
