"""The guests of the fake PMS: names, contacts, birthdays, loyalty cards and what they ask for.

Everything is drawn from a seeded ``random.Random`` so the same seed gives the same people.
A person's identity keys (email, phone, name, loyalty number) never change, so exact identity
matching can link all of their stays; what changes per booking is how they booked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

# (country, language, phone prefix, digits after it, cities with postal codes)
COUNTRIES = (
    ("DE", "de", "+4915", 9, (("München", "80331"), ("Berlin", "10115"), ("Köln", "50667"))),
    ("AT", "de", "+43664", 7, (("Wien", "1010"), ("Innsbruck", "6020"), ("Graz", "8010"))),
    ("IT", "it", "+39347", 7, (("Bolzano", "39100"), ("Milano", "20121"), ("Verona", "37121"))),
    ("GB", "en", "+4477", 8, (("London", "SW1A 1AA"), ("Leeds", "LS1 4AP"))),
    ("US", "en", "+1212555", 4, (("New York", "10001"),)),
    ("NL", "nl", "+316", 8, (("Amsterdam", "1011"), ("Utrecht", "3511"))),
    ("CH", "de", "+4179", 7, (("Zürich", "8001"), ("Basel", "4051"))),
)
COUNTRY_WEIGHTS = (30, 20, 15, 12, 6, 8, 9)
FIRST_NAMES = {
    "de": (("Anna", "Katharina", "Sophie", "Jana", "Lena", "Birgit", "Ursula", "Jutta"),
           ("Lukas", "Jürgen", "Thomas", "Stefan", "Matthias", "Florian", "Klaus", "Andreas")),
    "it": (("Giulia", "Chiara", "Francesca", "Elena", "Sara"),
           ("Marco", "Luca", "Alessandro", "Davide", "Matteo")),
    "en": (("Emily", "Sarah", "Olivia", "Charlotte", "Jessica", "Hannah"),
           ("James", "Oliver", "William", "Daniel", "Michael", "Robert")),
    "nl": (("Sanne", "Femke", "Lotte", "Anouk"), ("Daan", "Bram", "Sem", "Joost")),
}
LAST_NAMES = {
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Gruber", "Huber", "Wagner",
           "Becker", "Hofer", "Pichler", "Jäger", "Bauer", "Steiner", "Kößler", "Brandstätter"),
    "it": ("Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino"),
    "en": ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "O'Connor"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser"),
}
STREETS = {"de": "straße", "it": "Via ", "en": " Street", "nl": "straat"}
MAIL_DOMAINS = ("gmail.com", "gmx.de", "web.de", "outlook.com", "yahoo.com", "icloud.com",
                "libero.it", "posteo.de", "hotmail.co.uk", "ziggo.nl")
TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "'": "", " ": ""})

# What guests write in the comment field, and the preference each sentence states
# (keys and values as connectors/preferences.py reads them).
WISHES = {
    "en": (
        ("Non-smoking room please.", ("smoking", "non_smoking")),
        ("We would love a king bed.", ("bed", "king")),
        ("High floor if possible.", ("floor", "high")),
        ("A quiet room away from the elevator, please.", ("quiet_room", "yes")),
        ("Travelling with our baby, please prepare a cot.", ("cot", "yes")),
        ("Feather-free pillows please.", ("allergy", "feather_free")),
        ("Twin beds please.", ("bed", "twin")),
    ),
    "de": (
        ("Bitte ein Nichtraucherzimmer.", ("smoking", "non_smoking")),
        ("Ein ruhiges Zimmer wäre schön.", ("quiet_room", "yes")),
        ("Wir brauchen ein Babybett.", ("cot", "yes")),
        ("Gerne eine hohe Etage.", ("floor", "high")),
        ("Bitte ein Doppelbett.", ("bed", "double")),
        ("Federfreie Bettwaren bitte.", ("allergy", "feather_free")),
    ),
}
# Remarks without a preference in them.
NOTES = {
    "en": ("We will arrive late, around 11 pm.", "Celebrating our anniversary!",
           "Is there parking at the hotel?"),
    "de": ("Anreise erst gegen 22 Uhr.", "Wir feiern unseren Hochzeitstag!",
           "Gibt es einen Parkplatz?"),
}
LOYALTY_PROGRAM = "GCRM"
LOYALTY_LEVELS = ("Silver", "Gold", "Platinum")


@dataclass
class Person:
    """One real guest; `key` says who they are for the tests (the same key = the same person)."""

    key: str
    first_name: str
    last_name: str
    gender: str  # Male | Female (AlpineBits spelling)
    birth_date: date
    language: str
    country: str
    email: str
    phone: str  # E.164 without spaces
    street: str
    city: str
    postal_code: str
    newsletter: bool
    loyalty: tuple[str, str] | None = None  # (number, level) in LOYALTY_PROGRAM
    pms_profile_id: str | None = None
    wishes: tuple[tuple[str, tuple[str, str]], ...] = ()
    note: str | None = None
    partner: Person | None = None
    visits: int = 1
    arrives_soon: bool = False  # the last visit arrives today or tomorrow

    @property
    def phone_spaced(self) -> str:
        """The same number as a person would type it: country code, then groups."""
        digits = self.phone[1:]
        cut = 2 if not digits.startswith("1") else 1
        return f"+{digits[:cut]} {digits[cut:cut + 3]} {digits[cut + 3:]}"


@dataclass
class PeopleFactory:
    rng: random.Random
    today: date
    count: int = 0
    used_emails: set[str] = field(default_factory=set)

    def person(self, country_index: int | None = None, last_name: str | None = None,
               gender: str | None = None) -> Person:
        rng = self.rng
        if country_index is None:
            country_index = rng.choices(range(len(COUNTRIES)), COUNTRY_WEIGHTS)[0]
        country, language, prefix, digits, cities = COUNTRIES[country_index]
        gender = gender or rng.choice(("Female", "Male"))
        first = rng.choice(FIRST_NAMES[language][gender == "Male"])
        last = last_name or rng.choice(LAST_NAMES[language])
        self.count += 1
        key = f"P{self.count:05d}"
        city, postal = rng.choice(cities)
        street_word = rng.choice(("Linden", "Berg", "Garten", "Kirch", "Mühl", "Roma", "Park"))
        street = (f"{STREETS[language]}{street_word} {rng.randint(1, 99)}" if language == "it"
                  else f"{street_word}{STREETS[language]} {rng.randint(1, 99)}")
        pool = WISHES[("de" if language == "de" else "en")]
        wishes = tuple(rng.sample(pool, rng.choice((0, 1, 1, 2, 2, 3))))
        return Person(
            key=key, first_name=first, last_name=last, gender=gender,
            birth_date=date(rng.randint(1948, 2003), rng.randint(1, 12), rng.randint(1, 28)),
            language=language, country=country, email=self._email(first, last),
            phone=prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits)),
            street=street, city=city, postal_code=postal, newsletter=rng.random() < 0.4,
            loyalty=(f"{rng.randint(10**8, 10**9 - 1)}", rng.choice(LOYALTY_LEVELS))
            if rng.random() < 0.35 else None,
            pms_profile_id=f"PRF{self.count:07d}",
            wishes=wishes,
            note=rng.choice(NOTES["de" if language == "de" else "en"]) if rng.random() < 0.3
            else None,
        )

    def _email(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower().translate(TRANSLIT)
        domain = self.rng.choice(MAIL_DOMAINS)
        address, n = f"{base}@{domain}", 1
        while address in self.used_emails:
            n += 1
            address = f"{base}{n}@{domain}"
        self.used_emails.add(address)
        return address

    def couple(self) -> Person:
        """A person with a partner (same household, same surname, own email and phone)."""
        main = self.person()
        country_index = next(i for i, c in enumerate(COUNTRIES) if c[0] == main.country)
        other = "Female" if main.gender == "Male" else "Male"
        partner = self.person(country_index, last_name=main.last_name, gender=other)
        partner.street, partner.city, partner.postal_code = main.street, main.city, main.postal_code
        partner.visits = 0
        main.partner = partner
        return main


def relay_email(rng: random.Random, person: Person, channel: str) -> str:
    """The per-booking address an OTA puts between the guest and the hotel."""
    if channel == "booking.com":
        local = f"{person.first_name[0]}{person.last_name}".lower().translate(TRANSLIT)
        return f"{local}.{rng.randint(100000, 999999)}@guest.booking.com"
    return f"{rng.getrandbits(40):010x}@m.expediapartnercentral.com"


def visits_count(rng: random.Random) -> int:
    """Most guests come once; some come back a few times; a few are regulars (up to 20 stays)."""
    roll = rng.random()
    if roll < 0.55:
        return 1
    if roll < 0.85:
        return rng.randint(2, 4)
    if roll < 0.96:
        return rng.randint(5, 10)
    return rng.randint(11, 20)
