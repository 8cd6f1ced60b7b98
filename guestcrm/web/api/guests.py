"""The machine API under /api/v1 (token auth), documented at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask, g, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint, abort

from guestcrm.extensions import csrf, db, limiter
from guestcrm.schemas.api import GuestList, GuestOut, GuestQuery
from guestcrm.services.access.credentials import find_api_token
from guestcrm.services.identity.lookup import (
    find_by_email,
    find_by_loyalty,
    find_by_phone,
    live_profile,
)
from guestcrm.web.numbers import IdConverter, id_schema

api = Api()
bp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Guest profiles for booking engines"
)
SECURITY = [{"bearerAuth": []}]


def init_api(app: Flask) -> None:
    api.init_app(app, spec_kwargs={"info": {"description": "GuestCRM machine API"}})
    api.register_converter(IdConverter, id_schema)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(bp)
    csrf.exempt(bp)
    limiter.limit("600 per minute")(bp)


@bp.before_request
def require_token() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row = (
        find_api_token(db.session, token.strip()) if scheme.lower() == "bearer" and token else None
    )
    if row is None:
        abort(401, message="a valid API token is required (Authorization: Bearer <token>)")
    db.session.commit()
    g.api_client = row.name


@bp.route("/guests/<id:guest_id>")
class GuestById(MethodView):
    @bp.doc(security=SECURITY)
    @bp.response(200, GuestOut)
    def get(self, guest_id: int):
        """One guest profile (a merged-away id answers with the surviving profile)."""
        profile = live_profile(db.session, guest_id)
        if profile is None:
            abort(404, message=f"no guest {guest_id}")
        return profile


@bp.route("/guests")
class GuestSearch(MethodView):
    @bp.doc(security=SECURITY)
    @bp.arguments(GuestQuery, location="query")
    @bp.response(200, GuestList)
    def get(self, query: dict):
        """Guests by exactly one of email, phone (E.164 or with country code), loyalty id."""
        if query.get("email"):
            found = find_by_email(db.session, query["email"])
        elif query.get("phone"):
            found = find_by_phone(db.session, query["phone"])
        else:
            found = find_by_loyalty(db.session, query["loyalty_id"])
        return {"guests": found}

