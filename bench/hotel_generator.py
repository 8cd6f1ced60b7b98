"""Hotel-style guest records with ground truth, for the identity bench.

People come in households (couples, children, Jr./Sr. namesakes sharing an address and a
phone); each person leaves 1..15 records over the years through booking channels (relay
emails, first-name-only OTA records), the direct site (loyalty ids), the front desk (birth
dates, addresses, placeholder emails) and travel agents or company bookers (their own contact
details on many guests' records). Records carry typos, nicknames, titles, swapped name fields,
transliterations (Müller/Mueller, Cyrillic and Greek against Latin), changed emails and
phones, and missing fields. Names and addresses come from Faker's locale data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from anyascii import anyascii
from faker import Faker

LOCALES = {  # locale -> (country, language, calling code, mobile start, national length,
    #                     trunk prefix, weight)
    "de_DE": ("DE", "de", "+49", "15", 11, "0", 20), "de_AT": ("AT", "de", "+43", "66", 10, "0", 6),
    "de_CH": ("CH", "de", "+41", "7", 9, "0", 5), "it_IT": ("IT", "it", "+39", "3", 10, "", 10),
    "fr_FR": ("FR", "fr", "+33", "6", 9, "0", 8), "en_GB": ("GB", "en", "+44", "7", 10, "0", 10),
    "en_US": ("US", "en", "+1", "", 10, "", 12), "es_ES": ("ES", "es", "+34", "6", 9, "", 6),
    "nl_NL": ("NL", "nl", "+31", "6", 9, "0", 5), "ru_RU": ("RU", "ru", "+7", "9", 10, "8", 5),
    "el_GR": ("GR", "el", "+30", "69", 10, "", 4), "pl_PL": ("PL", "pl", "+48", "5", 9, "", 4),
    "zh_CN": ("CN", "zh", "+86", "13", 11, "", 3),
}
PROVIDERS = ["gmail.com", "yahoo.com", "outlook.com", "gmx.de", "web.de", "hotmail.com",
             "icloud.com", "libero.it", "orange.fr", "mail.ru", "yandex.ru", "qq.com"]
RELAYS = ["guest.booking.com", "m.expediapartnercentral.com", "guest.airbnb.com",
          "agoda-messaging.com", "guest.trip.com"]
PLACEHOLDER_EMAILS = ["noemail@hotel.com", "no@email.com", "none@none.com", "x@x.com",
                      "keine@email.de", "noemail@noemail.com"]
SOURCES = [("booking", 30), ("expedia", 8), ("airbnb", 5), ("agoda", 3), ("direct", 24),
           ("frontdesk", 22), ("agent", 8)]
_RU_GERMAN = {"в": "w", "ж": "sch", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch",
              "ю": "ju", "я": "ja", "й": "j", "ё": "jo", "ь": "", "ъ": ""}
_GR_ALT = {"ου": "oy", "β": "b", "η": "e", "χ": "h", "υ": "u"}


@dataclass
class Person:
    pid: int
    locale: str
    first: str
    last: str
    suffix: str | None
    dob: dt.date
    emails: list[str]
    phones: list[str]
    street: str
    postal: str
    city: str
    loyalty: str | None
    shared_email: str | None = None  # the partner's, used when one books for both
    records: int = 1
    extra: dict = field(default_factory=dict)


# Guests with a namesake (issue #17): a parent and adult child with the same full name at one
# address (birth years 22-38 apart, each their own mobile, "Jr."/"Sr." written only sometimes,
# now and then the home phone), and unrelated people with the same full name elsewhere.
NAMESAKE_PARENT_CHILD = 0.03
NAMESAKE_ELSEWHERE = 0.02


class Generator:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc in LOCALES}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(seed * 100 + i)
            # it_IT builds its city list from a set: order it, or runs differ by hash seed.
            cities = getattr(f.provider("faker.providers.address"), "cities", None)
            if isinstance(cities, list):
                cities.sort()
        self.nick = _english_nicknames()
        self.next_id = 0

    # ---------- people ----------
    def person(self, locale: str, gender: str, last: str | None = None,
               home: tuple[str, str, str] | None = None, first: str | None = None,
               born: tuple[int, int] = (1945, 2003)) -> Person:
        f, r = self.fakers[locale], self.rng
        first = first or (f.first_name_male() if gender == "m" else f.first_name_female())
        if last is None:
            last = f.last_name_male() if gender == "m" and locale == "ru_RU" else (
                f.last_name_female() if locale == "ru_RU" else f.last_name())
        street, postal, city = home or self.address(locale)
        dob = dt.date(r.randint(*born), r.randint(1, 12), r.randint(1, 28))
        self.next_id += 1
        return Person(self.next_id, locale, first, last, None, dob, [self.email(first, last, dob)],
                      [self.phone(locale)], street, postal, city,
                      f"L{r.randint(10**7, 10**8 - 1)}" if r.random() < 0.3 else None)

    def address(self, locale: str) -> tuple[str, str, str]:
        f = self.fakers[locale]
        return anyascii(f.street_address()), anyascii(f.postcode()), anyascii(f.city())

    def email(self, first: str, last: str, dob: dt.date) -> str:
        r = self.rng
        a, b = _ascii(first), _ascii(last)
        local = r.choice([f"{a}.{b}", f"{a}{b}", f"{a[0]}{b}", f"{a}.{b}{dob.year % 100}",
                          f"{b}.{a}", f"{a}{r.randint(1, 999)}"])
        return f"{local}@{r.choice(PROVIDERS)}"

    def phone(self, locale: str) -> str:
        """'+CC national' of a mobile line."""
        _, _, code, start, length, _, _ = LOCALES[locale]
        start = start or str(self.rng.randint(2, 9))
        rest = "".join(str(self.rng.randint(0, 9)) for _ in range(length - len(start)))
        return f"{code} {start}{rest}"

    def households(self, n_people: int) -> list[Person]:
        r = self.rng
        locales = list(LOCALES)
        weights = [LOCALES[loc][6] for loc in locales]
        people: list[Person] = []
        while len(people) < n_people:
            loc = r.choices(locales, weights)[0]
            head = self.person(loc, r.choice("mf"))
            head.extra["household"] = head.pid
            people.append(head)
            if r.random() < 0.3:  # a couple: one address, often one surname and a home phone
                other = "f" if r.random() < 0.5 else "m"
                partner = self.person(loc, other, head.last if r.random() < 0.7 else None,
                                      (head.street, head.postal, head.city))
                if r.random() < 0.5:
                    partner.phones = [head.phones[0]]
                if r.random() < 0.4:
                    partner.shared_email = head.emails[0]
                partner.extra["household"] = head.pid
                people.append(partner)
                if r.random() < 0.25:  # an adult child; a son may carry his father's name
                    junior = r.random() < 0.35 and loc in ("en_US", "en_GB")
                    male = head if r.random() < 0.5 else partner
                    child = self.person(loc, "m" if junior else r.choice("mf"), head.last,
                                        (head.street, head.postal, head.city),
                                        first=male.first if junior else None, born=(1985, 2005))
                    if junior:
                        male.suffix, child.suffix = "Sr.", "Jr."
                    if r.random() < 0.6:
                        child.phones = [head.phones[0]]
                    child.extra["household"] = head.pid
                    people.append(child)
        for p in people:
            if r.random() < 0.2:
                p.emails.append(self.email(p.first, p.last, p.dob))  # a new address later
            if r.random() < 0.15:
                p.phones.append(self.phone(p.locale))
        return people[:n_people]

    def namesakes(self, people: list[Person]) -> list[Person]:
        """The people's namesakes (see NAMESAKE_*), from a random stream of their own."""
        base, self.rng = self.rng, random.Random(self.seed + 1)
        r, extra = self.rng, []
        try:
            for p in people:
                roll = r.random()
                if roll < NAMESAKE_PARENT_CHILD:
                    gap = r.randint(22, 38)
                    year = p.dob.year - gap if p.dob.year - gap >= 1925 else p.dob.year + gap
                    q = self.person(p.locale, "m", p.last, (p.street, p.postal, p.city),
                                    first=p.first, born=(year, year))
                    q.extra["household"] = p.extra.get("household", p.pid)
                    if r.random() < 0.3:
                        p.suffix, q.suffix = ("Jr.", "Sr.") if year < p.dob.year else ("Sr.", "Jr.")
                    if r.random() < 0.3:
                        q.extra["home_phone"] = p.phones[0]
                    q.extra["namesake"] = "parent_child"
                elif roll < NAMESAKE_PARENT_CHILD + NAMESAKE_ELSEWHERE:
                    q = self.person(p.locale, "m", p.last, first=p.first)
                    q.extra["household"] = q.pid
                    q.extra["namesake"] = "elsewhere"
                else:
                    continue
                extra.append(q)
        finally:
            self.rng = base
        return extra

    # ---------- records ----------
    def records(self, people: list[Person]) -> tuple[list[dict], dict[str, int]]:
        r = self.rng
        agents = [(f"bookings@{_ascii(self.fakers['en_GB'].company())[:12]}travel.com",
                   self.phone(r.choice(list(LOCALES)))) for _ in range(max(3, len(people) // 400))]
        names, weights = zip(*SOURCES, strict=True)
        out, truth = [], {}
        for p in people:
            shares = [40, 20, 12, 8, 5, 4, 3, 2, 2, 1, 1, 1, 1, 0.5, 0.5]
            count = r.choices(range(1, 16), shares)[0]
            arrivals = sorted(dt.date(2021, 1, 1) + dt.timedelta(days=r.randint(0, 1400))
                              for _ in range(count))
            for k, arrival in enumerate(arrivals):
                rec = self.record(p, r.choices(names, weights)[0], arrival, k / max(count - 1, 1),
                                  agents)
                rec["record_id"] = f"r{len(out):07d}"
                out.append(rec)
                truth[rec["record_id"]] = p.pid
        r.shuffle(out)
        return out, truth

    def record(self, p: Person, source: str, arrival: dt.date, t: float, agents) -> dict:
        r = self.rng
        country, language = LOCALES[p.locale][0], LOCALES[p.locale][1]
        email = p.emails[-1] if t > 0.6 and len(p.emails) > 1 else p.emails[0]
        phone = p.phones[-1] if t > 0.5 and len(p.phones) > 1 else p.phones[0]
        if p.shared_email and r.random() < 0.5:
            email = p.shared_email
        if p.extra.get("home_phone") and r.random() < 0.3:
            phone = p.extra["home_phone"]
        first = self.name_variant(p.first, p.locale, given=True)
        last = self.name_variant(p.last, p.locale)
        if p.suffix and r.random() < 0.7:
            last = f"{last} {p.suffix}"
        rec = {"source": source, "first_name": first, "last_name": last, "email": None,
               "phone": None, "birth_date": None, "street": None, "city": None,
               "postal_code": None, "country": country if r.random() < 0.9 else None,
               "language": language if r.random() < 0.7 else None, "loyalty_id": None,
               "arrival": arrival.isoformat()}
        if source in ("booking", "expedia", "agoda", "airbnb"):
            relay = {"booking": 0, "expedia": 1, "airbnb": 2, "agoda": 3}[source]
            rec["email"] = f"{_ascii(p.first)[:6]}.{r.randint(10**5, 10**9)}@{RELAYS[relay]}"
            rec["phone"] = self.phone_format(phone, p.locale) if r.random() < 0.6 else None
            if source == "airbnb" and r.random() < 0.6 or r.random() < 0.05:
                rec["last_name"] = None  # channels that pass on a first name only
            if r.random() < 0.3:
                rec["city"] = p.city
        elif source == "direct":
            rec["email"] = self.email_variant(email) if r.random() < 0.95 else None
            rec["phone"] = self.phone_format(phone, p.locale) if r.random() < 0.8 else None
            rec["loyalty_id"] = p.loyalty if p.loyalty and r.random() < 0.7 else None
            rec["birth_date"] = self.dob_format(p.dob) if r.random() < 0.2 else None
            if r.random() < 0.5:
                rec.update(street=self.typo(p.street, 0.1), postal_code=p.postal, city=p.city)
        elif source == "frontdesk":
            rec["birth_date"] = self.dob_format(p.dob) if r.random() < 0.85 else None
            if r.random() < 0.01:
                rec["birth_date"] = r.choice(["1900-01-01", "0001-01-01", "2091-13-45", "n/a"])
            if r.random() < 0.8:
                rec.update(street=self.typo(p.street, 0.1), postal_code=p.postal,
                           city=self.typo(p.city, 0.05))
            rec["phone"] = self.phone_format(phone, p.locale) if r.random() < 0.5 else (
                r.choice(["000000", "123456", None]) if r.random() < 0.1 else None)
            roll = r.random()
            rec["email"] = r.choice(PLACEHOLDER_EMAILS) if roll < 0.15 else (
                self.email_variant(email) if roll < 0.65 else None)
            rec["loyalty_id"] = p.loyalty if p.loyalty and r.random() < 0.5 else None
        else:  # a travel agent or company booker: their contact details, the guest's name
            agent_email, agent_phone = r.choice(agents)
            rec["email"] = agent_email if r.random() < 0.9 else None
            rec["phone"] = agent_phone if r.random() < 0.7 else None
        if r.random() < 0.03 and rec["last_name"]:
            rec["first_name"], rec["last_name"] = rec["last_name"], rec["first_name"]
        if r.random() < 0.003:
            rec["first_name"] = f"{rec['first_name']} {r.choice(['🌸', '✨', '😀', '🙂'])}"
        return rec

    # ---------- noise ----------
    def name_variant(self, name: str, locale: str, given: bool = False) -> str:
        r = self.rng
        low = name.lower()
        if given and locale.startswith("en") and low in self.nick and r.random() < 0.25:
            name = r.choice(sorted(self.nick[low])).title()
        if locale in ("ru_RU", "el_GR", "zh_CN") and r.random() < 0.7:
            name = self.transliterate(name, locale)  # Latin-script systems
        if any(ch in name for ch in "äöüÄÖÜß") and r.random() < 0.6:
            name = name.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae",
                                                 "Ö": "Oe", "Ü": "Ue", "ß": "ss"}))
        name = self.typo(name, 0.06)
        roll = r.random()
        return name.upper() if roll < 0.08 else name.lower() if roll < 0.12 else name

    def transliterate(self, name: str, locale: str) -> str:
        if locale == "ru_RU" and self.rng.random() < 0.3:
            name = "".join(_RU_GERMAN.get(ch.lower(), ch) for ch in name)
        elif locale == "el_GR" and self.rng.random() < 0.4:
            for a, b in _GR_ALT.items():
                name = name.replace(a, b)
        return anyascii(name).title()

    def typo(self, text: str, p: float) -> str:
        r = self.rng
        if not text or r.random() >= p or len(text) < 3:
            return text
        i = r.randrange(1, len(text) - 1)
        op = r.randrange(4)
        if op == 0:
            return text[:i] + text[i + 1:]
        if op == 1:
            return text[:i] + r.choice("aeinorst") + text[i:]
        if op == 2:
            return text[:i] + r.choice("aeinorst") + text[i + 1:]
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]

    def email_variant(self, email: str) -> str:
        local, domain = email.split("@")
        if domain == "gmail.com" and self.rng.random() < 0.2:
            local = local.replace(".", "") + "+hotel"
        return f"{local}@{domain}".upper() if self.rng.random() < 0.05 else f"{local}@{domain}"

    def phone_format(self, phone: str, locale: str) -> str:
        r = self.rng
        code, national = phone.split(" ", 1)
        style = r.random()
        if style < 0.4:
            return code + national
        if style < 0.6:
            return f"{code} {national[:3]} {national[3:]}"
        if style < 0.75:
            return "00" + code[1:] + national
        return LOCALES[locale][5] + national  # as dialled at home: no country code

    def dob_format(self, dob: dt.date) -> str:
        r = self.rng
        if r.random() < 0.03:
            dob = dob.replace(day=dob.month, month=dob.day) if dob.day <= 12 else dob
        text = r.choice([dob.isoformat(), dob.strftime("%d.%m.%Y"), dob.strftime("%Y%m%d")])
        return self.typo(text, 0.02) if r.random() < 0.5 else text


def _ascii(text: str) -> str:
    return "".join(ch for ch in anyascii(text).lower() if ch.isalnum()) or "guest"


def _english_nicknames() -> dict[str, set[str]]:
    from nicknames import NickNamer

    return {k: set(v) for k, v in NickNamer().nickname_lookup.items() if v}


def generate(n_people: int, seed: int = 7) -> tuple[list[dict], dict[str, int]]:
    """Records (dicts with the CLI contract's fields) and record_id -> person id."""
    rows, truth, _ = generate_people(n_people, seed)
    return rows, truth


def generate_people(n_people: int, seed: int = 7
                    ) -> tuple[list[dict], dict[str, int], dict[int, dict]]:
    """`generate`, plus what each person is: household, full name, namesake kind (for the
    bench's false merges by cause). The namesakes come on top of the n_people."""
    gen = Generator(seed)
    people = gen.households(n_people)
    people += gen.namesakes(people)
    rows, truth = gen.records(people)
    meta = {p.pid: {"household": p.extra.get("household", p.pid), "first": p.first,
                    "last": p.last, "namesake": p.extra.get("namesake")} for p in people}
    return rows, truth, meta
