"""Canonical reservations for tests, built from a few keywords."""

from __future__ import annotations

from datetime import date, timedelta

from guestcrm.schemas.reservation import CanonicalReservation, load_reservation


def reservation(
    external_id: str = "R1",
    *,
    status: str = "confirmed",
    property_code: str = "H1",
    source: str = "opentravel",
    arrival: date | None = None,
    nights: int = 2,
    modified_at: str | None = "2026-01-01T10:00:00+00:00",
    first_name: str | None = "Anna",
    last_name: str | None = "Huber",
    email: str | None = "anna.huber@mail.test",
    phone: str | None = None,
    loyalty: str | None = None,
    amount: str | None = "200.00",
    channel: str = "direct",
    channel_name: str | None = None,
    guests: list[dict] | None = None,
    dates: bool = True,
    **extra,
) -> CanonicalReservation:
    arrival = arrival or date(2025, 6, 1)
    if guests is None:
        guest: dict = {"first_name": first_name, "last_name": last_name}
        if email:
            guest["emails"] = [{"address": email}]
        if phone:
            guest["phones"] = [{"number": phone}]
        if loyalty:
            guest["loyalty"] = [{"program": "CLUB", "number": loyalty}]
        guests = [guest]
    data = {
        "source": source,
        "property_code": property_code,
        "external_id": external_id,
        "status": status,
        "arrival": arrival.isoformat(),
        "departure": (arrival + timedelta(days=nights)).isoformat(),
        "modified_at": modified_at,
        "amount": amount,
        "currency": "EUR" if amount else None,
        "channel": channel,
        "channel_name": channel_name,
        "guests": guests,
        **extra,
    }
    if not dates:  # e.g. an AlpineBits cancellation names only the reservation
        del data["arrival"], data["departure"]
    return load_reservation(data)
