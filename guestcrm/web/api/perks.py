"""Perk codes for booking engines: validate, redeem (once, idempotent with an Idempotency-Key)
and reverse when the booking is cancelled. Each refusal names its documented reason."""

from __future__ import annotations

import hashlib

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import abort

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
REASON_DOC = "Reasons: " + "; ".join(f"`{code}`: {text}" for code, text in REASONS.items())


def _token_key() -> str:
    """Limits count per API token (by its digest), whoever sends it."""
    return "perks:" + hashlib.sha256(request.headers.get("Authorization", "").encode()
                                     ).hexdigest()[:32]


def _perk_limit() -> str:
    return current_app.config["PERK_RATE_LIMIT"]


PER_TOKEN = limiter.limit(_perk_limit, key_func=_token_key)


def _request(args: dict) -> PerkRequest:
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
    @bp.arguments(PerkRequestIn)
    @bp.response(200, ValidationOut, description="Whether the code may be used; if not, "
                                                 "the reason. " + REASON_DOC)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope, or may not act for the hotel")
    @bp.alt_response(429, description="Too many validations for this token")
    def post(self, args: dict):
        """May this guest use this code for this stay? Changes nothing."""
        try:
            perk = validate_perk(db.session, _request(args))
        except PerkRefused as refused:
            return {"valid": False, "reason": refused.reason, "message": str(refused)}
        return {"valid": True, "message": "The code may be used.", "perk": perk_answer(perk)}


@bp.route("/perks/redeem")
class RedeemPerk(MethodView):
    decorators = [PER_TOKEN]

    @needs_scope("perks:redeem")
    @bp.doc(**IDEMPOTENCY)
    @bp.arguments(PerkRequestIn)
    @bp.response(200, RedemptionOut)
    @bp.alt_response(401, description="No valid token")
    @bp.alt_response(403, description="The token lacks the scope, or may not act for the hotel")
    @bp.alt_response(409, schema=PerkRefusal, description="Redeemed already (`already_redeemed`)")
    @bp.alt_response(422, schema=PerkRefusal, description="Refused: " + REASON_DOC)
    @bp.alt_response(429, description="Too many requests for this token")
    def post(self, args: dict):
        """Use the code for this booking: one code, one redemption."""
        perk_request, key = _request(args), _idempotency_key()
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
    @bp.alt_response(422, schema=PerkRefusal, description="Refused: `unknown_code` or "
                                                          "`not_redeemed`")
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
