"""RoomStays of an OpenTravel HotelReservation, one dict per room.

A RoomStay may describe several rooms (several RoomType elements, or NumberOfUnits > 1, as
in OTA_HotelResRQ105.xml); GuestCRM keeps one stay per room, so they are expanded here. Per
room, rate plan, guest counts and dates come from the RoomRate of that room type when there
is one, else from the RoomStay.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from lxml import etree

from connectors.ota_xml import (
    add_nights,
    attr,
    find,
    findall,
    nights_from_duration,
    parse_amount,
    parse_day,
    text,
)
from connectors.preferences import (
    preferences_from_amenity,
    preferences_from_request,
    preferences_from_room_type,
    preferences_from_text,
)

# OTA Age Qualifying Code (AQC): which codes count as children (the others are adults).
# 3/4/5 under 2/12/17, 7 infant, 8 child, 9 teenager, 14 free child, 18 under 10, 19 junior
CHILD_AGE_CODES = {"3", "4", "5", "7", "8", "9", "14", "18", "19"}
ADULT_AGE = 18
MAX_UNITS = 20  # a "RoomStay" of more rooms than this is a group block, not guest stays
# Comment names whose text is a list of services, not something the guest said.
NON_GUEST_COMMENTS = {"included services"}


class RoomError(ValueError):
    """A room cannot be read (e.g. a date that is not a date)."""


def expand_room_stays(hotel_reservation: etree._Element) -> list[dict]:
    """One dict per room; a reservation without RoomStays (a cancellation) yields one empty room."""
    rooms: list[dict] = []
    for stay in findall(hotel_reservation, "RoomStays", "RoomStay"):
        room_types = findall(stay, "RoomTypes", "RoomType") or [None]
        units = [(rt, _units(rt)) for rt in room_types]
        total_units = sum(n for _, n in units)
        position = 0
        for index, (room_type, count) in enumerate(units):
            for _ in range(count):
                rooms.append(_room(stay, room_type, index, position, total_units, len(room_types)))
                position += 1
    return rooms or [{}]


def _units(room_type: etree._Element | None) -> int:
    raw = attr(room_type, "NumberOfUnits") or attr(room_type, "Quantity") or "1"
    try:
        return max(1, min(int(raw), MAX_UNITS))
    except ValueError:
        return 1


def _room(stay: etree._Element, room_type: etree._Element | None, type_index: int,
          position: int, total_units: int, type_count: int) -> dict:
    code = attr(room_type, "RoomTypeCode")
    room_rate = _room_rate(stay, code)
    code = code or attr(room_rate, "RoomTypeCode")  # post-stay messages name it on the rate
    rate_plans = findall(stay, "RatePlans", "RatePlan")
    if room_rate is not None and attr(room_rate, "RatePlanCode"):
        rate_plan = attr(room_rate, "RatePlanCode")
    elif len(rate_plans) == type_count and type_count > 1:
        rate_plan = attr(rate_plans[type_index], "RatePlanCode")
    else:
        rate_plan = attr(rate_plans[0], "RatePlanCode") if rate_plans else None
    counts = find(room_rate, "GuestCounts")
    if counts is None and (position == 0 or _per_room(stay)):
        counts = find(stay, "GuestCounts")
    adults, children = guest_counts(counts)
    amount, currency = _total(stay, position, total_units)
    arrival, departure, window = stay_dates(stay, room_rate)
    hotel = find(stay, "BasicPropertyInfo")
    room = {
        "room_type": code or text(room_type) or None,
        "rate_plan": rate_plan or None,
        "adults": adults,
        "children": children,
        "arrival": arrival,
        "departure": departure,
        "amount": amount,
        "currency": currency,
        "property_code": attr(hotel, "HotelCode"),
        "property_name": attr(hotel, "HotelName"),
        "comments": ([window] if window else []) + comment_texts(stay),
        "special_requests": [],
        "preferences": [],
        "guest_rphs": {attr(x, "RPH") for x in findall(stay, "ResGuestRPHs", "ResGuestRPH")}
        - {None},
    }
    room["preferences"].extend(preferences_from_room_type(
        attr(room_type, "NonSmoking"), attr(room_type, "BedTypeCode")))
    for amenity in findall(room_type, "Amenities", "Amenity"):
        room["preferences"].extend(preferences_from_amenity(
            attr(amenity, "RoomAmenity"), attr(amenity, "PreferLevel")))
    add_comment_preferences(room, stay)
    add_special_requests(room, stay)
    return room


def _room_rate(stay: etree._Element, room_type_code: str | None) -> etree._Element | None:
    rates = findall(stay, "RoomRates", "RoomRate")
    for rate in rates:
        if room_type_code and attr(rate, "RoomTypeCode") == room_type_code:
            return rate
    return rates[0] if len(rates) == 1 else None


def _per_room(stay: etree._Element) -> bool:
    return (attr(find(stay, "GuestCounts"), "IsPerRoom") or "").lower() in ("true", "1")


def guest_counts(counts: etree._Element | None) -> tuple[int | None, int | None]:
    """Adults: no Age (or Age >= 18) and no child AgeQualifyingCode; children: the rest."""
    if counts is None:
        return None, None
    adults = children = 0
    for count in findall(counts, "GuestCount"):
        try:
            number = int(attr(count, "Count") or "1")
            age = attr(count, "Age")
            is_child = (age is not None and int(age) < ADULT_AGE) or (
                attr(count, "AgeQualifyingCode") in CHILD_AGE_CODES
            )
        except ValueError:
            continue
        if is_child:
            children += number
        else:
            adults += number
    return adults, children


def stay_dates(stay: etree._Element, room_rate: etree._Element | None = None
               ) -> tuple[str | None, str | None, str | None]:
    """(arrival, departure, note about a flexible window) as ISO strings; RoomError on garbage."""
    span = find(stay, "TimeSpan")
    try:
        start, end = parse_day(attr(span, "Start")), parse_day(attr(span, "End"))
        nights = nights_from_duration(attr(span, "Duration"))
        window = find(span, "StartDateWindow")
        note = None
        if start is None and window is not None:
            start = parse_day(attr(window, "EarliestDate"))
            latest = parse_day(attr(window, "LatestDate"))
            note = f"flexible arrival {start} to {latest}"
            note += f", {nights} nights" if nights else ""
        if start is not None and end is None and nights:
            end = add_nights(start, nights)
        if start is None:
            start, end = _dates_from_rates(room_rate if room_rate is not None else stay)
    except ValueError as exc:
        raise RoomError(f"invalid stay date: {exc}") from None
    return (start.isoformat() if start else None, end.isoformat() if end else None, note)


def _dates_from_rates(scope: etree._Element):
    """Rate EffectiveDate/ExpireDate: the samples show ExpireDate is the departure day."""
    starts, ends = [], []
    rates = [
        *findall(scope, "Rates", "Rate"),
        *findall(scope, "RoomRates", "RoomRate"),
        *findall(scope, "RoomRates", "RoomRate", "Rates", "Rate"),
        scope,
    ]
    for rate in rates:
        if attr(rate, "EffectiveDate"):
            starts.append(parse_day(attr(rate, "EffectiveDate")))
        if attr(rate, "ExpireDate"):
            ends.append(parse_day(attr(rate, "ExpireDate")))
    return (min(starts) if starts else None, max(ends) if ends else None)


def _total(stay: etree._Element, position: int, units: int) -> tuple[str | None, str | None]:
    """The stay's Total (after tax when given), shared equally when it covers several rooms."""
    total = find(stay, "Total")
    amount = parse_amount(attr(total, "AmountAfterTax") or attr(total, "AmountBeforeTax"),
                          attr(total, "DecimalPlaces"))
    currency = (attr(total, "CurrencyCode") or "").upper() or None
    if amount is None:
        return None, currency
    if units > 1:
        share = (amount / units).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        amount = share + (amount - share * units if position == 0 else 0)
    return str(amount.quantize(Decimal("0.01"))), currency


def comment_texts(scope: etree._Element | None) -> list[str]:
    """Comments of a RoomStay or ResGlobalInfo: plain text, or "name: item; item" for lists."""
    found = []
    for comment in findall(scope, "Comments", "Comment"):
        name = attr(comment, "Name")
        items = [t for t in (text(i) for i in findall(comment, "ListItem")) if t]
        body = "; ".join(items) if items else text(find(comment, "Text")) or text(comment)
        if not body:
            continue
        if name and name.lower() != "customer comment":
            body = f"{name}: {body}"
        found.append(body)
    return found


def add_comment_preferences(target: dict, scope: etree._Element | None) -> None:
    for comment in findall(scope, "Comments", "Comment"):
        if (attr(comment, "Name") or "").lower() in NON_GUEST_COMMENTS:
            continue
        target["preferences"].extend(preferences_from_text(text(find(comment, "Text")), "comment"))


def add_special_requests(target: dict, scope: etree._Element | None) -> None:
    for request in findall(scope, "SpecialRequests", "SpecialRequest"):
        code, said = attr(request, "RequestCode"), text(find(request, "Text")) or text(request)
        label = said or (f"{attr(request, 'Name') or 'request'} {code}" if code else None)
        if label:
            target["special_requests"].append(label)
        target["preferences"].extend(preferences_from_request(code, said))
