"""A fake PMS: realistic reservation event streams in the real wire formats, for tests and demos.

`FakePMS(seed).events(n)` returns n events in the order the PMS would send them (oldest first):
AlpineBits 2024-10 pushes (multipart `action`/`request`) for the AlpineBits properties and raw
OpenTravel OTA_HotelResNotifRQ / OTA_HotelResModifyNotifRQ for the others. Guests come back
(2 to 20 stays), book direct or through an OTA relay address, travel as couples, write German or
English wishes, pay with test cards; bookings are modified (a later LastModifyDateTime) and
cancelled; some stays are in the past, some arrive today or tomorrow. Each event carries what a
correct connector must read from it (`expected`), so tests can check the whole chain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from connectors.fake_expected import ExpectedStay, FakeProperty
from connectors.fake_people import PeopleFactory, Person, relay_email, visits_count
from connectors.fake_xml import ALPINEBITS_ACTION, Booking, Room, Version, render

# code, name, connector, currency, {room type: nightly rate}, channels with weights
PROPERTIES = (
    ("ALP1", "Hotel Alpenrose Meran", "alpinebits", "EUR",
     {"DZ": 180, "EZ": 110, "SUI": 320, "FAM": 260}),
    ("ALP2", "Berghof Seiser Alm", "alpinebits", "EUR", {"DZSTD": 150, "DZSUP": 210, "APP": 280}),
    ("CITY1", "City Hotel Wien Mitte", "opentravel", "EUR",
     {"KNG": 140, "TWN": 130, "DLX": 190, "STE": 360}),
)
CHANNEL_WEIGHTS = {
    "alpinebits": {"website": 40, "booking.com": 30, "expedia": 10, "phone": 20},
    "opentravel": {"website": 25, "booking.com": 25, "expedia": 15, "phone": 10, "walk_in": 5,
                   "corporate": 20},
}
TEST_CARDS = (("VI", "4111111111111111"), ("MC", "5555555555554444"), ("AX", "378282246310005"),
              ("VI", "4012888888881881"), ("MC", "5105105105105100"))
COMPANIES = ("Siemens AG", "Red Bull GmbH", "OMV AG", "Deloitte Austria")
PAST_DAYS, FUTURE_DAYS = 900, 150


DEFAULT_PROPERTIES = tuple(FakeProperty(*row) for row in PROPERTIES)


@dataclass(frozen=True)
class FakeEvent:
    connector: str  # alpinebits | opentravel
    body: bytes  # the HTTP body to POST to /webhooks/<connector>
    content_type: str
    form: dict[str, str]  # AlpineBits: action and request; OpenTravel: empty
    headers: dict[str, str]
    xml: bytes
    reservation_id: str
    version: int  # 1 for the booking, then one per change
    expected: tuple[ExpectedStay, ...]

    @property
    def key(self) -> str:
        return f"{self.reservation_id}@{self.version}"


class FakePMS:
    """A deterministic stream of reservation events for `properties`, relative to `today`."""

    def __init__(self, seed: int = 1, properties: tuple[FakeProperty, ...] = DEFAULT_PROPERTIES,
                 today: date | None = None) -> None:
        self.seed = seed
        self.properties = tuple(properties)
        self.today = today or date.today()
        self.now = datetime.combine(self.today, time(6, 0), UTC)

    def events(self, n: int) -> list[FakeEvent]:
        """The first n events the PMS sends, oldest first; the same seed and day, the same bytes."""
        rng = random.Random(self.seed)
        people = PeopleFactory(rng, self.today)
        versions: list[tuple[datetime, Booking, Version]] = []
        serial = 0
        while len(versions) < n:
            person = people.couple() if rng.random() < 0.25 else people.person()
            person.visits = visits_count(rng)
            person.arrives_soon = people.count % 7 == 1
            own: list[tuple[datetime, Booking, Version]] = []
            for arrival in self._arrivals(rng, person):
                serial += 1
                booking = self._booking(rng, person, arrival, serial)
                own += [(v.at, booking, v) for v in booking.versions]
            own.sort(key=lambda item: (item[0], item[2].number))
            versions += own[: n - len(versions)]
        versions.sort(key=lambda item: (item[0], item[1].res_id, item[2].number))
        return [self._event(booking, version) for _, booking, version in versions]

    # --- one guest's stays ----------------------------------------------------------------
    def _arrivals(self, rng: random.Random, person: Person) -> list[date]:
        """Non-overlapping arrival days spread over the past 900 and the next 150 days."""
        start = self.today - timedelta(days=PAST_DAYS)
        end = self.today - timedelta(days=12) if person.arrives_soon else (
            self.today + timedelta(days=FUTURE_DAYS))
        count = person.visits - (1 if person.arrives_soon else 0)
        span = (end - start).days // max(count, 1)
        days = [start + timedelta(days=i * span + rng.randint(0, max(span - 9, 0)))
                for i in range(count)]
        if person.arrives_soon:
            soon = self.today + timedelta(days=rng.randint(0, 1))
            days.append(soon)
            if rng.random() < 0.3:  # a birthday during the stay
                leap_year = 1976 + 4 * (person.birth_date.year % 7)  # Feb 29 exists
                person.birth_date = date(leap_year, soon.month, soon.day)
        return days

    def _booking(self, rng: random.Random, person: Person, arrival: date, serial: int) -> Booking:
        prop = self._property_for(rng, person)
        weights = CHANNEL_WEIGHTS[prop.connector]
        channel = rng.choices(list(weights), list(weights.values()))[0]
        if channel == "walk_in" and arrival > self.today:
            channel = "phone"
        nights = rng.randint(3, 7) if prop.connector == "alpinebits" else rng.randint(1, 4)
        lead = 0 if channel == "walk_in" else rng.randint(2, 120)
        created = datetime.combine(arrival - timedelta(days=lead), time(8), UTC) + timedelta(
            seconds=rng.randint(0, 8 * 3600))
        created = min(created, self.now - timedelta(hours=2 + serial % 50))
        rooms = [self._room(rng, prop, nights)]
        if rng.random() < 0.06:
            rooms.append(self._room(rng, prop, nights))
        with_partner = person.partner is not None and prop.connector == "opentravel" and (
            rng.random() < 0.6)
        res_id = (f"{rng.getrandbits(64):016x}" if prop.connector == "alpinebits"
                  else f"{prop.code}-{serial:07d}")
        booking = Booking(
            res_id=res_id, prop=prop, person=person, channel=channel, created=created,
            companion=person.partner if with_partner else None,
            ota_email=relay_email(rng, person, channel)
            if channel in ("booking.com", "expedia") and rng.random() < 0.85 else None,
            ota_id=str(rng.randint(10**9, 10**10 - 1)),
            with_email=channel not in ("phone", "walk_in") or rng.random() < 0.5,
            with_birth_date=rng.random() < 0.6,
            company=rng.choice(COMPANIES) if channel == "corporate" else None,
            comment=self._comment(rng, person),
            card=rng.choice(TEST_CARDS) if rng.random() < 0.3 else None,
            versions=[],
        )
        self._versions(rng, booking, arrival, nights, rooms)
        return booking

    def _property_for(self, rng: random.Random, person: Person) -> FakeProperty:
        home = self.properties[int(person.key[1:]) % len(self.properties)]
        return home if rng.random() < 0.8 else rng.choice(self.properties)

    def _room(self, rng: random.Random, prop: FakeProperty, nights: int) -> Room:
        code = rng.choice(sorted(prop.room_rates))
        return Room(code, Decimal(prop.room_rates[code] * nights + rng.randint(0, 9) * 5),
                    adults=rng.randint(1, 2), children=rng.choice((0, 0, 0, 1, 2)))

    @staticmethod
    def _comment(rng: random.Random, person: Person) -> str | None:
        if (not person.wishes and not person.note) or rng.random() < 0.25:
            return None
        return " ".join([w for w, _ in person.wishes] + ([person.note] if person.note else []))

    def _versions(self, rng: random.Random, booking: Booking, arrival: date, nights: int,
                  rooms: list[Room]) -> None:
        """The booking, then maybe changes and a cancellation, each later than the one before."""
        first = Version(1, "new", booking.created, arrival, nights, rooms)
        booking.versions.append(first)
        latest = min(datetime.combine(arrival, time(5), UTC), self.now - timedelta(minutes=5))
        if booking.channel == "walk_in" or latest - booking.created < timedelta(hours=3):
            return
        current = first
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            at = current.at + (latest - current.at) * rng.uniform(0.2, 0.6)
            new_arrival, new_nights = current.arrival, current.nights
            if current.arrival > self.today + timedelta(days=7) and rng.random() < 0.5:
                new_arrival = current.arrival + timedelta(days=rng.randint(1, 5))
                new_nights = max(1, current.nights + rng.choice((-1, 1, 2)))
            new_rooms = [self._room(rng, booking.prop, new_nights) for _ in current.rooms]
            current = Version(current.number + 1, "modify", at, new_arrival, new_nights, new_rooms)
            booking.versions.append(current)
        if rng.random() < 0.12:
            at = current.at + (latest - current.at) * rng.uniform(0.3, 0.9)
            booking.versions.append(replace(current, number=current.number + 1, kind="cancel",
                                            at=at))
        elif booking.prop.connector == "opentravel" and current.arrival < self.today - timedelta(
                days=current.nights + 1):
            roll = rng.random()
            if roll < 0.04:
                at = datetime.combine(current.arrival + timedelta(days=1), time(9), UTC)
                booking.versions.append(replace(current, number=current.number + 1,
                                                kind="no_show", at=at))
            elif roll < 0.45:
                at = datetime.combine(current.departure, time(10, 30), UTC)
                booking.versions.append(replace(current, number=current.number + 1,
                                                kind="checked_out", at=at))

    # --- the wire --------------------------------------------------------------------------
    def _event(self, booking: Booking, version: Version) -> FakeEvent:
        xml, expected = render(booking, version)
        connector = booking.prop.connector
        if connector != "alpinebits":
            return FakeEvent(connector, xml, "application/xml", {}, {}, xml, booking.res_id,
                             version.number, expected)
        form = {"action": ALPINEBITS_ACTION, "request": xml.decode("utf-8")}
        boundary = f"fakepms{booking.res_id}{version.number}"
        body, content_type = multipart(form, boundary)
        headers = {"X-AlpineBits-ClientID": "fakepms",
                   "X-AlpineBits-ClientProtocolVersion": "2024-10"}
        return FakeEvent(connector, body, content_type, form, headers, xml, booking.res_id,
                         version.number, expected)


def multipart(fields: dict[str, str], boundary: str) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser or an AlpineBits client sends it."""
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n")
    body = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8")
    return body, f"multipart/form-data; boundary={boundary}"


def final_state(events: list[FakeEvent]) -> dict[tuple[str, str, str], ExpectedStay]:
    """Each stay after all of `events`: per field, the newest version that carried a value."""
    state: dict[tuple[str, str, str], ExpectedStay] = {}
    for stay in sorted((s for e in events for s in e.expected), key=lambda s: s.modified_at):
        before = state.get(stay.key)
        if before is None:
            state[stay.key] = stay
            continue
        carried = {f: getattr(stay, f) for f in stay.__dataclass_fields__
                   if getattr(stay, f) not in (None, (), frozenset())}
        state[stay.key] = replace(before, **carried)
    return state


def people_stays(events: list[FakeEvent]) -> dict[str, set[tuple[str, str, str]]]:
    """Which stays each real person is a guest on (for checking identity resolution)."""
    found: dict[str, set[tuple[str, str, str]]] = {}
    for stay in final_state(events).values():
        for guest in stay.guests:
            found.setdefault(guest.person, set()).add(stay.key)
    return found
