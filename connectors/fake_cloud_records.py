"""Reservations in the shapes Apaleo, Mews and Cloudbeds answer with, for the fake vendor API.

`synthetic(vendor, account, n)` is a deterministic, lazily computed store of n reservations (a
guest comes back about three times; relay emails for OTA bookings): item k is built from the
seed and k alone, so a million reservations cost no memory. `webhook(vendor, ...)` is the body
each vendor posts for an event.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.fake_people import PeopleFactory, Person, relay_email

VENDORS = ("apaleo", "mews", "cloudbeds")
CHANNELS = (("direct", 35), ("booking.com", 35), ("expedia", 15), ("phone", 15))
APALEO_CHANNELS = {"direct": "Direct", "booking.com": "BookingCom", "expedia": "Expedia",
                   "phone": "Direct"}
MEWS_ORIGINS = {"direct": "Distributor", "booking.com": "ChannelManager",
                "expedia": "ChannelManager", "phone": "Commander"}
CLOUDBEDS_SOURCES = {"direct": "Website", "booking.com": "Booking.com", "expedia": "Expedia",
                     "phone": "Phone"}
STAYS_PER_GUEST = 3
TODAY = date(2026, 6, 1)  # the synthetic history ends here, whatever the day it is built
# Synthetic reservation k was last changed at HISTORY_START + k * CHANGE_STEP: the store is in
# the order of change, so "changed since" is a range of k (see FakeCloud.listing).
HISTORY_START = datetime(2021, 6, 1, tzinfo=UTC)
CHANGE_STEP = timedelta(seconds=150)


def first_changed_since(moment: datetime) -> int:
    """The first synthetic k changed at or after `moment`."""
    seconds = (moment - HISTORY_START).total_seconds()
    step = CHANGE_STEP.total_seconds()
    return max(0, int(-(-seconds // step)))


def person_for(seed: int, index: int) -> Person:
    person = PeopleFactory(random.Random(seed * 1_000_003 + index), TODAY).person()
    person.email = person.email.replace("@", f"{index}@", 1)
    person.pms_profile_id = f"G{index:08d}"
    return person


def stay_for(seed: int, k: int) -> dict[str, Any]:
    """The facts of synthetic reservation k (vendor neutral)."""
    rng = random.Random(seed * 7_919 + k)
    person = person_for(seed, k // STAYS_PER_GUEST)
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    modified = HISTORY_START + k * CHANGE_STEP
    booked = modified - timedelta(hours=rng.randint(1, 48))
    arrival = booked.date() + timedelta(days=rng.randint(1, 120))
    nights = rng.choice((1, 1, 2, 2, 3, 4, 7))
    return {"id": f"R{k:09d}", "person": person, "channel": channel, "arrival": arrival,
            "departure": arrival + timedelta(days=nights), "created": booked,
            "modified": modified,
            "amount": 95 * nights + rng.randint(0, 60),
            "email": person.email if channel in ("direct", "phone")
            else relay_email(rng, person, channel),
            "status": rng.choices(("checked_out", "cancelled", "no_show"), (90, 8, 2))[0],
            "comment": rng.choice((None, None, "Bitte ruhiges Zimmer", "Non-smoking room please",
                                   "High floor if possible"))}


def apaleo(stay: dict[str, Any], account: str) -> dict[str, Any]:
    p: Person = stay["person"]
    states = {"checked_out": "CheckedOut", "cancelled": "Canceled", "no_show": "NoShow",
              "confirmed": "Confirmed", "checked_in": "InHouse"}
    return {
        "id": stay["id"], "bookingId": stay["id"][:-1], "status": states[stay["status"]],
        "property": {"id": account}, "arrival": f"{stay['arrival']}T15:00:00+01:00",
        "departure": f"{stay['departure']}T11:00:00+01:00",
        "created": _iso(stay["created"]), "modified": _iso(stay["modified"]), "adults": 2,
        "childrenAges": [], "channelCode": APALEO_CHANNELS[stay["channel"]],
        "source": stay["channel"], "comment": stay["comment"],
        "totalGrossAmount": {"amount": stay["amount"], "currency": "EUR"},
        "unitGroup": {"code": "DBL"}, "ratePlan": {"code": "BAR"},
        "primaryGuest": {"firstName": p.first_name, "lastName": p.last_name,
                         "email": stay["email"], "phone": p.phone,
                         "birthDate": p.birth_date.isoformat(),
                         "preferredLanguage": p.language, "gender": p.gender,
                         "address": {"addressLine1": p.street, "postalCode": p.postal_code,
                                     "city": p.city, "countryCode": p.country}},
    }


def mews(stay: dict[str, Any], account: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(reservation, customer)."""
    p: Person = stay["person"]
    states = {"checked_out": "Processed", "cancelled": "Canceled", "no_show": "Canceled",
              "confirmed": "Confirmed", "checked_in": "Started"}
    reservation = {
        "Id": stay["id"], "AccountId": p.pms_profile_id, "State": states[stay["status"]],
        "CancellationReason": "NoShow" if stay["status"] == "no_show" else None,
        "Origin": MEWS_ORIGINS[stay["channel"]], "CreatedUtc": _iso(stay["created"]),
        "UpdatedUtc": _iso(stay["modified"]),
        "ScheduledStartUtc": f"{stay['arrival']}T14:00:00Z",
        "ScheduledEndUtc": f"{stay['departure']}T10:00:00Z", "EnterpriseId": account,
        "PersonCounts": [{"AgeCategoryId": "adult", "Count": 2}]}
    customer = {
        "Id": p.pms_profile_id, "FirstName": p.first_name, "LastName": p.last_name,
        "Email": stay["email"], "Phone": p.phone, "BirthDate": p.birth_date.isoformat(),
        "LanguageCode": p.language, "NationalityCode": p.country,
        "Sex": p.gender, "Classifications": ["Vip"] if p.loyalty else [],
        "Options": ["SendMarketingEmails"] if p.newsletter else [],
        "LoyaltyCode": p.loyalty[0] if p.loyalty else None,
        "Address": {"Line1": p.street, "City": p.city, "PostalCode": p.postal_code,
                    "CountryCode": p.country}}
    return reservation, customer


def cloudbeds(stay: dict[str, Any], account: str) -> dict[str, Any]:
    p: Person = stay["person"]
    states = {"checked_out": "checked_out", "cancelled": "canceled", "no_show": "no_show",
              "confirmed": "confirmed", "checked_in": "checked_in"}
    guest_id = p.pms_profile_id
    return {
        "propertyID": account, "reservationID": stay["id"], "status": states[stay["status"]],
        "dateCreated": stay["created"].strftime("%Y-%m-%d %H:%M:%S"),
        "dateModified": stay["modified"].strftime("%Y-%m-%d %H:%M:%S"),
        "source": CLOUDBEDS_SOURCES[stay["channel"]], "total": stay["amount"],
        "startDate": stay["arrival"].isoformat(), "endDate": stay["departure"].isoformat(),
        "guestName": f"{p.first_name} {p.last_name}", "guestEmail": stay["email"],
        "notes": stay["comment"],
        "assigned": [{"roomTypeName": "Double", "roomName": "101", "adults": "2",
                      "children": "0"}],
        "guestList": {guest_id: {
            "guestID": guest_id, "guestFirstName": p.first_name, "guestLastName": p.last_name,
            "guestEmail": stay["email"], "guestCellPhone": p.phone,
            "guestGender": "M" if p.gender == "Male" else "F",
            "guestBirthdate": p.birth_date.isoformat(), "guestAddress": p.street,
            "guestCity": p.city, "guestZip": p.postal_code, "guestCountry": p.country,
            "isMainGuest": True}},
    }


def vendor_record(vendor: str, stay: dict[str, Any], account: str) -> dict[str, Any]:
    """The reservation as `vendor` stores it (Mews: with "_customer", split off by the fake)."""
    if vendor == "mews":
        reservation, customer = mews(stay, account)
        return reservation | {"_customer": customer}
    return {"apaleo": apaleo, "cloudbeds": cloudbeds}[vendor](stay, account)


def webhook(vendor: str, account: str, reservation_id: str, kind: str = "changed",
            event_id: str | None = None) -> dict[str, Any]:
    """The body `vendor` posts when reservation `reservation_id` changes (`kind`: created,
    changed, canceled, checked-in, checked-out...)."""
    if vendor == "apaleo":
        return {"topic": "Reservation", "type": kind, "id": event_id or str(uuid.uuid4()),
                "accountId": "DEMO", "propertyId": account,
                "timestamp": int(datetime.now(UTC).timestamp() * 1000),
                "data": {"entityId": reservation_id}}
    if vendor == "mews":
        discriminator = "ServiceOrderAdded" if kind == "created" else "ServiceOrderUpdated"
        return {"EnterpriseId": account, "IntegrationId": "guestcrm",
                "Events": [{"Discriminator": discriminator, "Value": {"Id": reservation_id}}]}
    event = {"created": "reservation/created", "changed": "reservation/status_changed"}.get(
        kind, "reservation/status_changed")
    return {"version": "1.0", "event": event, "timestamp": datetime.now(UTC).timestamp(),
            "propertyID": account, "propertyID_str": account, "reservationID": reservation_id}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
