"""Perk API shapes: the booking engine's request (code, guest, hotel, stay dates) and the answers.
Refusals carry a `reason` from a fixed, documented list."""

from __future__ import annotations

import re
from datetime import timedelta

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from guestcrm.schemas.reservation import HOTEL_CODE, HOTEL_CODE_PATTERN, HOTEL_CODE_RULE

MAX_STAY = timedelta(days=365)
MAX_ID = 2**31 - 1
# A code as people type it: letters, digits, spaces and dashes (services/perks/codes.py).
TYPED_CODE = re.compile(r"[A-Za-z0-9 _-]{1,64}\Z")
TYPED_CODE_PATTERN = "^[A-Za-z0-9 _-]{1,64}$"
REASON_CODES = (
    "unknown_code", "wrong_guest", "expired", "already_redeemed", "wrong_property",
    "offer_paused", "offer_ended", "outside_window", "blackout_date", "cap_exhausted",
    "not_stackable", "not_redeemed",
)


class PerkRequestIn(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=validate.Regexp(
        TYPED_CODE, error="a perk code is letters, digits, spaces and dashes"),
        metadata={"pattern": TYPED_CODE_PATTERN, "maxLength": 64,
                  "description": "The code as the guest typed it (case, spaces and dashes "
                                 "do not matter)"})
    property = fields.String(required=True, validate=validate.Regexp(
        HOTEL_CODE, error=f"a hotel code is {HOTEL_CODE_RULE}"),
        metadata={"pattern": HOTEL_CODE_PATTERN, "description": "The hotel the stay is at"})
    arrival = fields.Date(required=True)
    departure = fields.Date(required=True)
    email = fields.String(validate=validate.Length(min=3, max=320),
                          metadata={"description": "The guest's email (or guest_id)"})
    guest_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID),
                              metadata={"description": "The guest's profile id (or email)"})
    booking_ref = fields.String(validate=validate.Length(min=1, max=128),
                                metadata={"description": "The booking engine's reservation "
                                                         "id; perks that do not stack are "
                                                         "refused on one booking"})

    @validates_schema
    def one_guest_and_sane_dates(self, data, **_):
        if ("email" in data) == ("guest_id" in data):
            raise ValidationError("give exactly one of email, guest_id")
        arrival, departure = data.get("arrival"), data.get("departure")
        if arrival and departure and not arrival <= departure <= arrival + MAX_STAY:
            raise ValidationError("departure is on or after arrival, within a year",
                                  "departure")


class PerkOut(Schema):
    code = fields.String()
    offer = fields.String()
    perk_type = fields.String()
    perk_label = fields.String()
    amount = fields.Float(allow_none=True)
    guest_text = fields.String()
    expires_on = fields.String(metadata={"format": "date"})
    status = fields.String()
    guest_id = fields.Integer()


class ValidationOut(Schema):
    valid = fields.Boolean(required=True)
    reason = fields.String(validate=validate.OneOf(REASON_CODES),
                           metadata={"description": "Why the code cannot be used (valid: false)"})
    message = fields.String()
    perk = fields.Nested(PerkOut)


class RedemptionOut(Schema):
    redeemed = fields.Boolean(required=True)
    perk = fields.Nested(PerkOut, required=True)


class PerkRefusal(Schema):
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    reason = fields.String(validate=validate.OneOf(REASON_CODES))
    errors = fields.Dict()
