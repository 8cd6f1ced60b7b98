"""The canonical reservation: the one shape every connector produces.

A connector turns a vendor message into plain dicts and loads them through
``ReservationSchema`` (``load_reservation``); what comes out is a validated
``CanonicalReservation``. One canonical reservation is one stay (one room);
a multi-room booking becomes several, the second and later rooms carrying
``#2``, ``#3``... after the vendor's reservation id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

STAY_STATUSES = (
    "requested",
    "confirmed",
    "cancelled",
    "no_show",
    "checked_in",
    "checked_out",
)
# Tie-break when two versions carry the same vendor timestamp: a later stage of
# the stay's life wins, so the outcome does not depend on delivery order.
STATUS_RANK = {
    "requested": 0,
    "confirmed": 1,
    "checked_in": 2,
    "checked_out": 3,
    "no_show": 4,
    "cancelled": 5,
}
CHANNEL_KINDS = ("direct", "ota", "gds", "phone", "walk_in", "corporate", "other")

# Hotel codes create hotels and reach URLs, file names and headers: anything outside this rule
# is refused at the door with the protocol's error.
HOTEL_CODE = re.compile(r"[A-Za-z0-9._-]{1,32}\Z")  # marshmallow's Regexp matches from the start
HOTEL_CODE_PATTERN = "^[A-Za-z0-9._-]{1,32}$"  # the same, as JSON Schema writes it
HOTEL_CODE_RULE = "letters, digits, '.', '_' and '-', at most 32 characters"
# The longest comment and special request a reservation may carry (docs/connectors.md).
COMMENT_MAX, REQUEST_MAX = 4000, 2000
MAX_STAY_NIGHTS = 366  # longer is no hotel stay (refused); the desk's in-house list relies on it


def valid_hotel_code(code: str | None) -> bool:
    return bool(code) and HOTEL_CODE.fullmatch(code) is not None


@dataclass(frozen=True)
class CanonicalEmail:
    address: str
    marketing_consent: bool | None = None


@dataclass(frozen=True)
class CanonicalPhone:
    number: str
    kind: str = "voice"  # voice | mobile | fax


@dataclass(frozen=True)
class CanonicalAddress:
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 when known, else free text


@dataclass(frozen=True)
class CanonicalLoyalty:
    program: str
    number: str
    level: str | None = None


@dataclass(frozen=True)
class CanonicalPreference:
    key: str  # e.g. smoking, bed, floor, quiet_room, cot, accessible, allergy
    value: str
    source: str = "request"  # request | comment | staff | guest


@dataclass
class CanonicalGuest:
    primary: bool = True
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    name_prefix: str | None = None
    name_title: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    language: str | None = None
    nationality: str | None = None
    emails: list[CanonicalEmail] = field(default_factory=list)
    phones: list[CanonicalPhone] = field(default_factory=list)
    address: CanonicalAddress | None = None
    pms_profile_id: str | None = None
    loyalty: list[CanonicalLoyalty] = field(default_factory=list)


@dataclass
class CanonicalReservation:
    source: str
    property_code: str
    external_id: str
    status: str
    arrival: date | None = None
    departure: date | None = None
    property_name: str | None = None
    modified_at: datetime | None = None
    sequence: int = 0
    booked_at: datetime | None = None
    room_type: str | None = None
    room_number: str | None = None
    rate_plan: str | None = None
    channel: str = "other"
    channel_name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    adults: int | None = None
    children: int | None = None
    special_requests: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    preferences: list[CanonicalPreference] = field(default_factory=list)
    guests: list[CanonicalGuest] = field(default_factory=list)

    @property
    def nights(self) -> int:
        if self.arrival and self.departure:
            return (self.departure - self.arrival).days
        return 0

    @property
    def primary_guest(self) -> CanonicalGuest | None:
        for guest in self.guests:
            if guest.primary:
                return guest
        return self.guests[0] if self.guests else None


def _text(max_len: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), allow_none=True, **kw)


class EmailSchema(Schema):
    address = fields.String(required=True, validate=validate.Length(min=1, max=320))
    marketing_consent = fields.Boolean(allow_none=True, load_default=None)

    @post_load
    def make(self, data, **_):
        return CanonicalEmail(**data)


class PhoneSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(load_default="voice", validate=validate.OneOf(("voice", "mobile", "fax")))

    @post_load
    def make(self, data, **_):
        return CanonicalPhone(**data)


class AddressSchema(Schema):
    street = _text(255)
    city = _text(128)
    postal_code = _text(32)
    state = _text(64)
    country = _text(64)

    @post_load
    def make(self, data, **_):
        return CanonicalAddress(**data)


class LoyaltySchema(Schema):
    program = fields.String(required=True, validate=validate.Length(min=1, max=64))
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = _text(64)

    @post_load
    def make(self, data, **_):
        return CanonicalLoyalty(**data)


class PreferenceSchema(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    value = fields.String(required=True, validate=validate.Length(min=1, max=255))
    source = fields.String(load_default="request", validate=validate.Length(max=32))

    @post_load
    def make(self, data, **_):
        return CanonicalPreference(**data)


class GuestSchema(Schema):
    primary = fields.Boolean(load_default=True)
    first_name = _text(128)
    middle_name = _text(128)
    last_name = _text(128)
    name_prefix = _text(64)
    name_title = _text(64)
    birth_date = fields.Date(allow_none=True)
    gender = _text(16)
    language = _text(16)
    nationality = _text(64)
    emails = fields.List(fields.Nested(EmailSchema), load_default=list)
    phones = fields.List(fields.Nested(PhoneSchema), load_default=list)
    address = fields.Nested(AddressSchema, allow_none=True, load_default=None)
    pms_profile_id = _text(128)
    loyalty = fields.List(fields.Nested(LoyaltySchema), load_default=list)

    @pre_load
    def drop_absurd_birth_date(self, data, **_):
        # A typo in a birth date must not cost the reservation: the date is dropped, not used.
        raw = data.get("birth_date") if isinstance(data, dict) else None
        if raw is None or isinstance(raw, date):
            return data
        try:
            born = date.fromisoformat(str(raw)[:10])
        except ValueError:
            born = None
        if born is None or not (date(1900, 1, 1) <= born <= date.today()):
            data = {**data, "birth_date": None}
        return data

    @post_load
    def make(self, data, **_):
        return CanonicalGuest(**data)


class ReservationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    source = fields.String(required=True, validate=validate.Length(min=1, max=32))
    property_code = fields.String(required=True, validate=validate.Regexp(
        HOTEL_CODE, error=f"a hotel code is {HOTEL_CODE_RULE}"))
    property_name = _text(255)
    external_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    status = fields.String(required=True, validate=validate.OneOf(STAY_STATUSES))
    arrival = fields.Date(allow_none=True)
    departure = fields.Date(allow_none=True)
    modified_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    sequence = fields.Integer(load_default=0, validate=validate.Range(min=0))
    booked_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    room_type = _text(64)
    room_number = _text(32)
    rate_plan = _text(64)
    channel = fields.String(load_default="other", validate=validate.OneOf(CHANNEL_KINDS))
    channel_name = _text(64)
    amount = fields.Decimal(allow_none=True, places=2, validate=validate.Range(min=0))
    currency = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    adults = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=99))
    children = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=99))
    special_requests = fields.List(
        fields.String(validate=validate.Length(max=REQUEST_MAX)), load_default=list
    )
    comments = fields.List(fields.String(validate=validate.Length(max=COMMENT_MAX)),
                           load_default=list)
    preferences = fields.List(fields.Nested(PreferenceSchema), load_default=list)
    guests = fields.List(fields.Nested(GuestSchema), load_default=list)

    @validates_schema
    def dates_make_sense(self, data, **_):
        arrival, departure = data.get("arrival"), data.get("departure")
        if data.get("status") != "cancelled" and not arrival:
            raise ValidationError("arrival date is required", "arrival")
        if arrival and departure:
            if departure <= arrival:
                raise ValidationError("departure must be after arrival", "departure")
            if (departure - arrival).days > MAX_STAY_NIGHTS:
                raise ValidationError("a stay longer than a year is not a hotel stay", "departure")
        for day in (arrival, departure):
            if day and not (date(1990, 1, 1) <= day <= date(2100, 1, 1)):
                raise ValidationError("date out of range", "arrival")

    @post_load
    def make(self, data, **_):
        return CanonicalReservation(**data)


# One schema for every load: making a Schema copies its fields (and each nested schema's), which
# cost more than the load itself; a load keeps no state on the instance, so it is shared.
_SCHEMA = ReservationSchema()


def load_reservation(data: dict) -> CanonicalReservation:
    """Validate a connector's dict; raise marshmallow.ValidationError with the field errors."""
    return _SCHEMA.load(data)
