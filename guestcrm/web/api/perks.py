"""Perk codes for booking engines: validate, redeem (once, idempotent with an Idempotency-Key)
and reverse when the booking is cancelled. Each refusal names its documented reason."""

from __future__ import annotations

import hashlib

from apispec import APISpec
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import ValidationError

from guestcrm.extensions import db, limiter
from guestcrm.schemas.perks import (
    PerkRefusal,
    PerkRequestIn,
    RedemptionOut,
    ValidationOut,
)
from guestcrm.services.perks.idempotency import MAX_KEY, answer_once, request_digest
from guestcrm.services.perks.redemption import (
    REASONS,
    PerkRefused,
    PerkRequest,
    perk_answer,
    redeem_perk,
    reverse_perk,
    validate_perk,
)
from guestcrm.web.api.blueprint import bp, grant, needs_scope

IDEMPOTENCY = {"parameters": [{
    "in": "header", "name": "Idempotency-Key", "required": True,
    "description": "Any unique string per redemption attempt (a UUID): a retry with the same "
                   "key gets the first answer back.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY}}]}


def _body_doc() -> dict:
    """PerkRequestIn as the document shows it, plus what marshmallow checks in code: exactly
    one of email and guest_id (departure on or after arrival cannot be said in JSON Schema)."""
    converter = OpenAPIConverter(openapi_version="3.0.3", schema_name_resolver=lambda _: None,
                                 spec=APISpec("perks", "1", "3.0.3"))
    schema = converter.schema2jsonschema(PerkRequestIn)
    schema["oneOf"] = [{"required": ["email"]}, {"required": ["guest_id"]}]
    schema["properties"]["departure"]["description"] = "On or after arrival, within a year"
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}


BODY_DOC = _body_doc()
REASON_DOC = "Reasons: " + "; ".join(f"`{code}`: {text}" for code, text in REASONS.items())


def _token_key() -> str:
    """Limits count per API token (by its digest), whoever sends it."""
    return "perks:" + hashlib.sha256(request.headers.get("Authorization", "").encode()
                                     ).hexdigest()[:32]


def _perk_limit() -> str:
    return current_app.config["PERK_RATE_LIMIT"]


PER_TOKEN = limiter.limit(_perk_limit, key_func=_token_key)


def _request() -> PerkRequest:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(422, errors={"json": {"_schema": ["a JSON object is expected"]}})
    try:
        args = PerkRequestIn().load(body)
    except ValidationError as exc:
        abort(422, errors={"json": exc.messages})
    if not grant().allows_hotel(args["property"]):
        abort(403, message=f"this token may not act for hotel {args['property']}")
    return PerkRequest(code=args["code"], property_code=args["property"],
                       arrival=args["arrival"], departure=args["departure"],
                       email=args.get("email"), profile_id=args.get("guest_id"),
                       booking_ref=args.get("booking_ref"))


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not 1 <= len(key) <= MAX_KEY or "\x00" in key:
        abort(422, message=f"an Idempotency-Key header of 1 to {MAX_KEY} characters is needed")
    return key


@bp.route("/perks/validate")
class ValidatePerk(MethodView):
    decorators = [PER_TOKEN]

    @needs_scope("perks:validate")
    @bp.doc(**BODY_DOC)
    @bp.response(200, ValidationOut, description="Whether the code may be used; if not, "
                                                 "the reason. " + REASON_DOC)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope, or may not act for the hotel")
    @bp.alt_response(422, schema=PerkRefusal, description="The request is malformed")
    @bp.alt_response(429, description="Too many validations for this token")
    def post(self):
        """May this guest use this code for this stay? Changes nothing."""
        try:
            perk = validate_perk(db.session, _request())
        except PerkRefused as refused:
            return {"valid": False, "reason": refused.reason, "message": str(refused)}
        return {"valid": True, "message": "The code may be used.", "perk": perk_answer(perk)}


@bp.route("/perks/redeem")
class RedeemPerk(MethodView):
    decorators = [PER_TOKEN]

    @needs_scope("perks:redeem")
    @bp.doc(**IDEMPOTENCY)
    @bp.doc(**BODY_DOC)
    @bp.response(200, RedemptionOut)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope, or may not act for the hotel")
    @bp.alt_response(409, schema=PerkRefusal, description="Redeemed already (`already_redeemed`)")
    @bp.alt_response(422, schema=PerkRefusal, description="Refused: " + REASON_DOC)
    @bp.alt_response(429, description="Too many requests for this token")
    def post(self):
        """Use the code for this booking: one code, one redemption."""
        perk_request, key = _request(), _idempotency_key()
        client = grant().name

        def redeem():
            perk = redeem_perk(db.session, perk_request, client)
            return 200, {"redeemed": True, "perk": perk_answer(perk)}

        status, body = answer_once(db.session, client, key,
                                   request_digest(request.path, request.get_json()), redeem)
        return jsonify(body), status


@bp.route("/perks/<string:code>/reverse")
class ReversePerk(MethodView):
    decorators = [PER_TOKEN]

    @needs_scope("perks:redeem")
    @bp.doc(**IDEMPOTENCY)
    @bp.response(200, RedemptionOut, description="The perk can be used again")
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope")
    @bp.alt_response(404, schema=PerkRefusal, description="No such code (`unknown_code`)")
    @bp.alt_response(409, schema=PerkRefusal, description="Not redeemed (`not_redeemed`)")
    @bp.alt_response(422, schema=PerkRefusal, description="No Idempotency-Key")
    @bp.alt_response(429, description="Too many requests for this token")
    def post(self, code: str):
        """The booking was cancelled: give the code back to the guest."""
        key, client = _idempotency_key(), grant().name

        def reverse():
            perk = reverse_perk(db.session, code, client, grant().properties)
            return 200, {"redeemed": False, "perk": perk_answer(perk)}

        status, body = answer_once(db.session, client, key, request_digest(request.path, None),
                                   reverse)
        return jsonify(body), status
