"""API request and response shapes (the OpenAPI document is generated from these)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema


class ContactOut(Schema):
    kind = fields.String()
    value = fields.String(attribute="value_normalized")
    is_relay = fields.Boolean()
    verified = fields.Boolean()


class ExternalIdOut(Schema):
    kind = fields.String()
    system = fields.String()
    value = fields.String()
    level = fields.String(allow_none=True)


class PreferenceOut(Schema):
    key = fields.String()
    value = fields.String()
    times_seen = fields.Integer()


class GuestOut(Schema):
    id = fields.Integer()
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    vip_level = fields.String(allow_none=True)
    completed_stays = fields.Integer()
    nights = fields.Integer()
    upcoming_stays = fields.Integer()
    cancellations = fields.Integer()
    no_shows = fields.Integer()
    first_stay = fields.Date(allow_none=True)
    last_stay = fields.Date(allow_none=True)
    channel_mix = fields.Dict(keys=fields.String(), values=fields.Integer())
    contacts = fields.List(fields.Nested(ContactOut))
    external_ids = fields.List(fields.Nested(ExternalIdOut))
    preferences = fields.List(fields.Nested(PreferenceOut))


class GuestQuery(Schema):
    class Meta:
        unknown = RAISE

    email = fields.String(validate=validate.Length(min=3, max=320))
    phone = fields.String(validate=validate.Length(min=3, max=64))
    loyalty_id = fields.String(validate=validate.Length(min=1, max=64))

    @validates_schema
    def exactly_one(self, data, **_):
        if len([k for k in data if data[k]]) != 1:
            raise ValidationError("give exactly one of email, phone, loyalty_id")


class GuestList(Schema):
    guests = fields.List(fields.Nested(GuestOut))
