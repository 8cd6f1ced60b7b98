"""HotelReservation elements -> canonical reservations (shared by AlpineBits and OpenTravel).

AlpineBits GuestRequests reuse the OTA 2015A HotelReservation, so one reader serves both; the
connectors only differ in where the ids, the status and the hotel come from (ReservationContext).
A reservation that cannot be trusted (no id, no hotel, a date that is not a date) is refused
with a reason and does not stop the others in the same message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from marshmallow import ValidationError

from connectors.base import ConnectorError
from connectors.ota_guest import accessibility_needs, parse_res_guests
from connectors.ota_room import (
    RoomError,
    add_comment_preferences,
    add_special_requests,
    comment_texts,
    expand_room_stays,
)
from connectors.ota_xml import attr, find, findall, parse_timestamp
from connectors.preferences import merge_preferences
from guestcrm.schemas.reservation import (
    HOTEL_CODE_RULE,
    CanonicalPreference,
    CanonicalReservation,
    ReservationSchema,
    valid_hotel_code,
)

# ResStatus (AlpineBits HotelReservation, OTA HotelResStatusType and TransactionActionType) ->
# canonical status; keys are lower-cased with spaces, dashes and underscores removed.
STATUS_MAP = {
    "requested": "requested", "waitlisted": "requested", "pending": "requested",
    "reserved": "confirmed", "confirmed": "confirmed", "commit": "confirmed", "book": "confirmed",
    "modify": "confirmed", "modified": "confirmed",
    "cancel": "cancelled", "cancelled": "cancelled", "canceled": "cancelled",
    "checkedin": "checked_in", "inhouse": "checked_in",
    "checkedout": "checked_out", "noshow": "no_show",
}
# Two-phase-commit steps that are not a booking (yet, or any more): refused, not guessed.
NOT_A_BOOKING = {"initiate": "ResStatus Initiate holds a booking that is not committed yet",
                 "ignore": "ResStatus Ignore abandons an uncommitted booking"}
# HotelReservationID ResID_Type (OTA UIT) tried for the reservation id, in this order:
# 14 reservation, 10 hotel, 40 confirmation number, 8 travel agency; 13 (internet broker) last,
# because senders also use 13 for campaign/source labels (AlpineBits does).
OTA_RESERVATION_ID_TYPES = ("14", "10", "40", "8", "13")
# Booking sources -> channel kind; checked in this order against each known source name.
CHANNEL_PATTERNS = (
    ("ota", r"booking\.?com|^booking$|expedia|hotels\.com|\bhrs\b|airbnb|agoda|trip\.com|ctrip"
            r"|hotelbeds|priceline|orbitz|travelocity|lastminute|opodo|ebookers|edreams"
            r"|hostelworld|vrbo|homeaway|holidaycheck|check24|tripadvisor|trivago|hotel\.de"),
    ("gds", r"amadeus|sabre|galileo|worldspan|travelport|apollo|\bgds\b|^1[agpsv]$"),
    ("phone", r"\bphone\b|telephone|telefon|call ?cent|\bvoice\b"),
    ("walk_in", r"walk[- ]?in|laufkundschaft"),
    ("corporate", r"corporate|firmenkunde"),
    ("direct", r"^(?:https?://)?www\.|website|homepage|webseite|\bdirect\b|booking engine|\bibe\b"
               r"|^[a-z0-9-]+(?:\.[a-z0-9-]+)+$"),
)
# Warning key of a refused reservation that has no id of its own.
PLACEHOLDER_KEY = "HotelReservation #"
_CHANNELS = tuple((kind, re.compile(pattern)) for kind, pattern in CHANNEL_PATTERNS)


@dataclass
class ReservationContext:
    """What the message around the HotelReservation says (or the connector knows)."""

    source: str
    unique_id_types: tuple[str, ...] = ("14",)
    reservation_id_types: tuple[str, ...] = OTA_RESERVATION_ID_TYPES
    default_status: str | None = None  # root ResStatus, or what the root element implies
    timestamp: str | None = None  # message TimeStamp: the version when the reservation has none
    property_code: str | None = None  # fallback hotel (POS hotel, StayInfos, the polled hotel)
    property_name: str | None = None
    reservation_id: str | None = None  # fallback id (StayInfo ReservationID, CancelRQ UniqueID)
    channel_hints: list[str] = field(default_factory=list)  # POS booking channel names
    channel_kind: str | None = None  # POS BookingChannel Type 1 (GDS)
    overrides: dict = field(default_factory=dict)  # e.g. a stay's revenue total
    # Modifications often repeat the original CreateDateTime; for them the message time is the
    # better version stamp (LastModifyDateTime still wins when present).
    version_from_message: bool = False

# What guestcrm.schemas.reservation.load_reservation does, with one schema instance: building
# one per reservation (and its nested schemas on the first load) took ~0.45 ms of ~0.65 ms.
# The schemas keep no state between loads, so the instance is shared (threads included).
_RESERVATION_SCHEMA = ReservationSchema()


@dataclass
class Outcome:
    reservations: list[CanonicalReservation] = field(default_factory=list)
    warnings: dict[str, str] = field(default_factory=dict)
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (id, type it came from)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (id or position, reason)


def read_reservations(hotel_reservations: list[etree._Element], ctx: ReservationContext) -> Outcome:
    outcome = Outcome()
    for index, element in enumerate(hotel_reservations, start=1):
        res_id, unique_type = reservation_id(element, ctx)
        key = res_id or f"{PLACEHOLDER_KEY}{index}"
        try:
            drafts = draft_reservations(element, ctx)
            reservations = [_RESERVATION_SCHEMA.load(draft) for draft in drafts]
        except (RoomError, _Refused) as exc:
            _refuse(outcome, key, str(exc))
            continue
        except ValidationError as exc:
            _refuse(outcome, key, "invalid reservation: " + _flatten(exc.messages))
            continue
        outcome.reservations.extend(reservations)
        outcome.accepted.append((res_id, unique_type))
    return outcome


def _refuse(outcome: Outcome, key: str, reason: str) -> None:
    outcome.warnings[key] = reason
    outcome.refused.append((key, reason))


class _Refused(ValueError):
    pass


def draft_reservations(element: etree._Element, ctx: ReservationContext) -> list[dict]:
    """The canonical dicts (one per room) before validation; raises _Refused or RoomError."""
    res_id, _ = reservation_id(element, ctx)
    if not res_id:
        raise _Refused("missing reservation id (no UniqueID or HotelReservationID)")
    global_info = find(element, "ResGlobalInfo")
    raw_status = attr(element, "ResStatus") or ctx.default_status or "Commit"
    status_key = re.sub(r"[\s_-]", "", raw_status.lower())
    if status_key in NOT_A_BOOKING:
        raise _Refused(NOT_A_BOOKING[status_key])
    if status_key not in STATUS_MAP:
        raise _Refused(f"unsupported ResStatus {raw_status!r}")
    hotel = find(global_info, "BasicPropertyInfo")
    kind, channel_name = booking_channel(element, ctx)
    shared = _shared_extras(element, global_info)
    guests = parse_res_guests(element)
    drafts = []
    for position, room in enumerate(expand_room_stays(element)):
        property_code = room.get("property_code") or attr(hotel, "HotelCode") or ctx.property_code
        if not property_code:
            raise _Refused("missing hotel code (BasicPropertyInfo/@HotelCode)")
        if not valid_hotel_code(property_code):
            # Not one reservation's problem: a code like this must not create a hotel, and the
            # whole message is refused with the protocol's error.
            raise ConnectorError(f"hotel code {property_code[:40]!r} is not valid: a hotel "
                                 f"code is {HOTEL_CODE_RULE}")
        draft = {
            "source": ctx.source,
            "external_id": res_id if position == 0 else f"{res_id}#{position + 1}",
            "status": STATUS_MAP[status_key],
            "property_code": property_code,
            "property_name": room.get("property_name") or attr(hotel, "HotelName")
            or ctx.property_name,
            # A cancellation's CreateDateTime is when it was cancelled, not when it was booked.
            "booked_at": None if STATUS_MAP[status_key] == "cancelled"
            else parse_timestamp(attr(element, "CreateDateTime")),
            "modified_at": _version_stamp(element, ctx),
            "channel": kind,
            "channel_name": channel_name or None,
            **{k: room.get(k) for k in ("room_type", "rate_plan", "adults", "children",
                                        "arrival", "departure", "amount", "currency")},
            "comments": _unique(room.get("comments", []) + shared["comments"]),
            "special_requests": _unique(room.get("special_requests", []) + shared["requests"]),
            "preferences": [_pref(p) for p in merge_preferences(
                room.get("preferences", []), shared["preferences"])],
            "guests": _room_guests(guests, room.get("guest_rphs") or set()),
        }
        draft.update(ctx.overrides)
        drafts.append(draft)
    return drafts


def _version_stamp(element: etree._Element, ctx: ReservationContext) -> str | None:
    created, message = attr(element, "CreateDateTime"), ctx.timestamp
    order = (message, created) if ctx.version_from_message else (created, message)
    for value in (attr(element, "LastModifyDateTime"), *order):
        if parse_timestamp(value):
            return parse_timestamp(value)
    return None


def reservation_id(element: etree._Element, ctx: ReservationContext) -> tuple[str | None, str]:
    """(id, the UniqueID Type or ResID_Type it came from): UniqueID first, then the
    HotelReservationIDs in the context's order, then the context's fallback id."""
    for unique_id in findall(element, "UniqueID"):
        if attr(unique_id, "Type") in ctx.unique_id_types and attr(unique_id, "ID"):
            return attr(unique_id, "ID"), attr(unique_id, "Type")
    ids = findall(element, "ResGlobalInfo", "HotelReservationIDs", "HotelReservationID")
    for wanted in ctx.reservation_id_types:
        for hotel_id in ids:
            if attr(hotel_id, "ResID_Type") == wanted and attr(hotel_id, "ResID_Value"):
                return attr(hotel_id, "ResID_Value"), wanted
    return ctx.reservation_id, "14"


def booking_channel(element: etree._Element, ctx: ReservationContext) -> tuple[str, str | None]:
    """The channel kind and name from the reservation's id sources, then the message POS."""
    ids = findall(element, "ResGlobalInfo", "HotelReservationIDs", "HotelReservationID")
    names = [n for n in (attr(i, "ResID_Source") for i in ids) if n] + ctx.channel_hints
    for name in names:
        kind = channel_kind(name)
        if kind:
            return kind, name
    return ctx.channel_kind or "other", (names[0] if names else None)


def channel_kind(name: str) -> str | None:
    lowered = name.strip().lower()
    for kind, pattern in _CHANNELS:
        if pattern.search(lowered):
            return kind
    return None


def _shared_extras(element: etree._Element, global_info: etree._Element | None) -> dict:
    """Comments, requests and preferences that apply to every room of the reservation."""
    shared: dict = {"comments": comment_texts(global_info), "preferences": [],
                    "special_requests": []}
    add_comment_preferences(shared, global_info)
    add_special_requests(shared, global_info)
    for need in accessibility_needs(element):
        shared["special_requests"].append(need)
        shared["preferences"].append(CanonicalPreference("accessible", "yes", "request"))
    shared["requests"] = shared.pop("special_requests")
    return shared


def _room_guests(guests: list[dict], rphs: set[str]) -> list[dict]:
    chosen = [g for g in guests if not rphs or g.get("_rph") in rphs] or guests
    result = [{k: v for k, v in g.items() if k != "_rph"} for g in chosen]
    if result and not any(g["primary"] for g in result):
        result[0]["primary"] = True
    return result


def _pref(pref: CanonicalPreference) -> dict:
    return {"key": pref.key, "value": pref.value, "source": pref.source}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _flatten(messages: object) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in messages.items())
    if isinstance(messages, list):
        return ", ".join(_flatten(m) for m in messages)
    return str(messages)
