"""Shapes of GET /api/v1/arrivals (the OpenAPI document is generated from these)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from guestcrm.schemas.reservation import HOTEL_CODE, HOTEL_CODE_PATTERN, HOTEL_CODE_RULE


class ArrivalsQuery(Schema):
    property = fields.String(
        required=True,
        validate=validate.Regexp(HOTEL_CODE, error=f"a hotel code is {HOTEL_CODE_RULE}"),
        metadata={"description": f"Property code: {HOTEL_CODE_RULE}",
                  "pattern": HOTEL_CODE_PATTERN},
    )
    date = fields.Date(required=True, metadata={"description": "Arrival date, YYYY-MM-DD"})


class FlagOut(Schema):
    code = fields.String(metadata={"description": "Rule code, e.g. vip, returning, complaint"})
    label = fields.String()
    colour = fields.String(metadata={"description": "#rrggbb"})
    priority = fields.Integer()
    reason = fields.String(metadata={"description": "Human-readable reason"})
    facts = fields.Dict(keys=fields.String(), metadata={"description": "The facts behind it"})


class ArrivalOut(Schema):
    stay_id = fields.Integer()
    reservation_id = fields.String(attribute="external_id")
    arrival = fields.Date()
    departure = fields.Date(allow_none=True)
    nights = fields.Integer()
    room_type = fields.String(allow_none=True)
    room_number = fields.String(allow_none=True)
    adults = fields.Integer(allow_none=True)
    children = fields.Integer(allow_none=True)
    channel = fields.String()
    channel_name = fields.String(allow_none=True)
    status = fields.String()
    checked_in = fields.Boolean()
    checked_in_at = fields.AwareDateTime(allow_none=True)
    guest_id = fields.Integer(attribute="profile_id", allow_none=True)
    guest_name = fields.String()
    priority = fields.Integer()
    flags = fields.List(fields.Nested(FlagOut))


class ArrivalList(Schema):
    property = fields.String()
    date = fields.Date()
    arrivals = fields.List(fields.Nested(ArrivalOut))


def arrival_list_json(property_code: str, day, arrivals) -> dict:
    """ArrivalList's output built directly: the schema documents the shape, but dumping 500
    arrivals with their flags through marshmallow took a quarter of the request. A test keeps
    the two identical."""
    return {"property": property_code, "date": day.isoformat(), "arrivals": [{
        "stay_id": a.stay_id, "reservation_id": a.external_id, "arrival": a.arrival.isoformat(),
        "departure": a.departure.isoformat() if a.departure else None, "nights": a.nights,
        "room_type": a.room_type, "room_number": a.room_number, "adults": a.adults,
        "children": a.children, "channel": a.channel, "channel_name": a.channel_name,
        "status": a.status, "checked_in": a.checked_in,
        "checked_in_at": a.checked_in_at.isoformat() if a.checked_in_at else None,
        "guest_id": a.profile_id, "guest_name": a.guest_name, "priority": a.priority,
        "flags": [{"code": f.code, "label": f.label, "colour": f.colour, "priority": f.priority,
                   "reason": f.reason, "facts": f.facts} for f in a.flags],
    } for a in arrivals]}
