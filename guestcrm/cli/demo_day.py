"""The demo's working day: at each demo hotel, guests arriving today and tomorrow, guests in the
house and guests leaving today, returning guests with their history, VIPs, birthdays and a past
complaint, so that a first look at the board, the profiles and the search shows the product.

Built as canonical reservations through the real ingest (source "demo"), dated from each
hotel's today. The reservation numbers carry the day: a second run on the same day adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import Complaint, GuestProfile, Property
from guestcrm.schemas.reservation import load_reservation
from guestcrm.services.guests.search_text import fold_query
from guestcrm.services.ingest.reservations import ingest_reservation
from guestcrm.services.recognition.hotel_day import hotel_today
from guestcrm.services.value.figures import recompute_value
from guestcrm.services.value.vip import assign_vip

# first name, last name, country, language: the guests of the demo day, in the order they are
# given out; accents and a Cyrillic name on purpose (search forgives them).
GUESTS = (
    ("Jürgen", "Müller", "DE", "de"), ("Giulia", "Bianchi", "IT", "it"),
    ("Sophie", "Laurent", "FR", "fr"), ("Oliver", "Bennett", "GB", "en"),
    ("Katharina", "Oberhuber", "AT", "de"), ("Lorenzo", "Ferrari", "IT", "it"),
    ("Emma", "Johansson", "SE", "sv"), ("Matteo", "Rossi", "IT", "it"),
    ("Lena", "Schäfer", "DE", "de"), ("Pieter", "de Vries", "NL", "nl"),
    ("Ana", "García", "ES", "es"), ("Thomas", "Gruber", "AT", "de"),
    ("Chiara", "Moretti", "IT", "it"), ("James", "O'Connor", "IE", "en"),
    ("Marie", "Dubois", "FR", "fr"), ("Lukas", "Steiner", "AT", "de"),
    ("Sara", "Ricci", "IT", "it"), ("Mateusz", "Kowalski", "PL", "pl"),
    ("Hannah", "Weber", "DE", "de"), ("Елена", "Смирнова", "RU", "ru"),
    ("Paolo", "Conti", "IT", "it"), ("Ingrid", "Larsen", "NO", "no"),
    ("Felix", "Hofer", "AT", "de"), ("Claire", "Martin", "FR", "fr"),
    ("Marco", "Gallo", "IT", "it"), ("Eva", "Novak", "CZ", "cs"),
    ("David", "Brown", "US", "en"), ("Julia", "Fischer", "DE", "de"),
    ("Nikolaus", "Pichler", "AT", "de"), ("Francesca", "Romano", "IT", "it"),
    ("Henrik", "Nielsen", "DK", "da"), ("Alice", "Moser", "CH", "de"),
    ("Tobias", "Egger", "AT", "de"), ("Laura", "Costa", "IT", "it"),
    ("Simon", "Keller", "CH", "de"), ("Mia", "Wagner", "DE", "de"),
    ("Luca", "Marino", "IT", "it"), ("Anna", "Lindqvist", "SE", "sv"),
)
# (days from today the stay starts, nights, how many): arrivals today and tomorrow, guests in
# the house and guests leaving today, per hotel.
PLAN = ((0, 3, 5), (1, 2, 4), (-2, 4, 2), (-3, 3, 1))
REQUESTS = ("Quiet room, please", "Late arrival around 22:00", "Feather pillow",
            "Cot for our baby", "High floor if possible", "Vegetarian breakfast")
SOURCE = "demo"


def seed_day(session: Session, hotel_codes: tuple[str, ...], seed: int) -> Iterator[str]:
    """Book the demo day at these hotels; yields what it did."""
    rng = random.Random(seed)
    people = iter(GUESTS)
    arriving: list[tuple[GuestProfile, str]] = []
    made = 0
    for code in hotel_codes:
        prop = session.scalar(select(Property).where(Property.code == code))
        if prop is None:
            continue
        today = hotel_today(prop)
        for start, nights, count in PLAN:
            for _ in range(count):
                person = next(people, None)
                if person is None:
                    break
                profile, new = _book(session, prop, today, person, start, nights, rng)
                made += new
                if start >= 0:
                    arriving.append((profile, code))
    ids = [profile.id for profile, _ in arriving]
    yield from _who_matters(session, arriving, rng)
    recompute_value(session, ids)
    session.commit()
    yield (f"demo day: {made} new reservations; {sum(c for s, _, c in PLAN if s >= 0)} arrivals "
           f"today and tomorrow, guests in the house and leaving today at each demo hotel")


def _book(session: Session, prop: Property, today: date, person: tuple[str, str, str, str],
          start: int, nights: int, rng: random.Random) -> tuple[GuestProfile, int]:
    first, last, country, language = person
    arrival = today + timedelta(days=start)
    email = f"{_ascii(first)}.{_ascii(last)}@mail.test"
    guest = {"first_name": first, "last_name": last, "language": language,
             "emails": [{"address": email}], "address": {"country": country}}
    number = f"DEMO-{today:%Y%m%d}-{prop.code}-{_ascii(last)}"
    outcome = ingest_reservation(session, load_reservation({
        "source": SOURCE, "property_code": prop.code, "external_id": number,
        "status": "checked_in" if start < 0 else "confirmed",
        "arrival": arrival.isoformat(), "departure": (arrival + timedelta(days=nights)).isoformat(),
        "modified_at": f"{today.isoformat()}T06:00:00+00:00", "channel": rng.choice(
            ("direct", "direct", "ota", "phone")), "room_type": "DZ",
        "amount": str(120 * nights), "currency": "EUR", "guests": [guest],
        "special_requests": [rng.choice(REQUESTS)] if rng.random() < 0.4 else []}))
    if rng.random() < 0.35:  # a returning guest: earlier stays, in this hotel or another
        for years in (1, 2):
            earlier = arrival - timedelta(days=365 * years + rng.randrange(-30, 30))
            ingest_reservation(session, load_reservation({
                "source": SOURCE, "property_code": prop.code,
                "external_id": f"{number}-Y{years}", "status": "checked_out",
                "arrival": earlier.isoformat(),
                "departure": (earlier + timedelta(days=nights)).isoformat(),
                "modified_at": f"{earlier.isoformat()}T06:00:00+00:00", "channel": "direct",
                "amount": str(110 * nights), "currency": "EUR", "guests": [guest]}))
    session.flush()
    return session.get(GuestProfile, outcome.stay.profile_id), int(outcome.applied)


def _who_matters(session: Session, arriving: list[tuple[GuestProfile, str]],
                 rng: random.Random) -> Iterator[str]:
    """Two VIPs, two birthdays during the stay, one guest who complained last time."""
    picks = rng.sample(arriving, min(5, len(arriving)))
    for profile, code in picks[:2]:
        if profile.vip_level is None:
            assign_vip(session, profile, "VIP1", "Regular since the opening; knows the owner",
                       actor="demo")
        yield f"VIP: {profile.display_name} arriving at {code}"
    for profile, code in picks[2:4]:
        prop = session.scalar(select(Property).where(Property.code == code))
        if profile.birth_date is None:
            today = hotel_today(prop)
            profile.birth_date = (today + timedelta(days=1)).replace(year=1980)
        yield f"birthday: {profile.display_name} at {code}"
    for profile, code in picks[4:5]:
        prop = session.scalar(select(Property).where(Property.code == code))
        if not profile.complaints:
            session.add(Complaint(profile_id=profile.id, property_id=prop.id, category="noise",
                                  description="Street noise at night in room 112",
                                  resolution="Moved to a courtyard room", compensation="Dinner",
                                  occurred_on=hotel_today(prop) - timedelta(days=200)))
        yield f"past complaint: {profile.display_name} at {code}"


def _ascii(text: str) -> str:
    return fold_query(text).replace(" ", "") or "guest"
