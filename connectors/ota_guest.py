"""Guest profiles inside OpenTravel messages (ResGuest / Profile / Customer) as plain dicts.

Only the guest's own Customer element is read. Telephones, emails and addresses that sit
under PaymentCard, CompanyInfo (travel agencies) or Verification belong to someone or
something else and are never taken for the guest's; card holder names are never read.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from connectors.ota_xml import attr, find, findall, parse_day, text

# OTA PhoneTechType (PTT): 1 voice, 3 fax, 5 mobile. Anything else is kept as voice.
PHONE_KINDS = {"1": "voice", "3": "fax", "5": "mobile"}
GENDERS = {"male": "male", "female": "female", "m": "male", "f": "female"}
PROFILE_ID_TYPE = "21"  # OTA UniqueID Type (UIT) 21 = profile
GUEST_PROFILE_TYPES = {None, "1"}  # OTA ProfileType (PRT) 1 = customer; absent in AlpineBits
# Street number before the street name; elsewhere (most of Europe) it follows the name.
NUMBER_FIRST_COUNTRIES = {"US", "CA", "GB", "IE", "AU", "NZ", "FR", "ZA", None}

# Country names (English and German) and ISO alpha-3 codes senders use instead of alpha-2.
_COUNTRY_NAMES = {
    "AT": ("austria", "österreich", "oesterreich", "aut"),
    "BE": ("belgium", "belgien", "belgique", "bel"),
    "BG": ("bulgaria", "bulgarien", "bgr"),
    "BR": ("brazil", "brasilien", "bra"),
    "CA": ("canada", "kanada", "can"),
    "CH": ("switzerland", "schweiz", "suisse", "svizzera", "che"),
    "CN": ("china", "chn"),
    "CZ": ("czech republic", "czechia", "tschechien", "tschechische republik", "cze"),
    "DE": ("germany", "deutschland", "federal republic of germany", "deu", "ger"),
    "DK": ("denmark", "dänemark", "daenemark", "dnk"),
    "ES": ("spain", "spanien", "españa", "espana", "esp"),
    "FI": ("finland", "finnland", "fin"),
    "FR": ("france", "frankreich", "fra"),
    "GB": ("united kingdom", "uk", "great britain", "england", "scotland", "wales",
           "großbritannien", "grossbritannien", "vereinigtes königreich", "gbr"),
    "GR": ("greece", "griechenland", "grc"),
    "HR": ("croatia", "kroatien", "hrv"),
    "HU": ("hungary", "ungarn", "hun"),
    "IE": ("ireland", "irland", "irl"),
    "IL": ("israel", "isr"),
    "IN": ("india", "indien", "ind"),
    "IT": ("italy", "italien", "italia", "ita"),
    "JP": ("japan", "jpn"),
    "LI": ("liechtenstein", "lie"),
    "LU": ("luxembourg", "luxemburg", "lux"),
    "MX": ("mexico", "mexiko", "mex"),
    "NL": ("netherlands", "the netherlands", "niederlande", "holland", "nld"),
    "NO": ("norway", "norwegen", "nor"),
    "PL": ("poland", "polen", "pol"),
    "PT": ("portugal", "prt"),
    "RO": ("romania", "rumänien", "rumaenien", "rou"),
    "RU": ("russia", "russian federation", "russland", "rus"),
    "SE": ("sweden", "schweden", "swe"),
    "SI": ("slovenia", "slowenien", "svn"),
    "SK": ("slovakia", "slowakei", "svk"),
    "TR": ("turkey", "türkei", "tuerkei", "türkiye", "tur"),
    "US": ("usa", "united states", "united states of america", "u.s.a.", "u.s.", "america",
           "vereinigte staaten", "vereinigte staaten von amerika"),
    "ZA": ("south africa", "südafrika", "suedafrika", "zaf"),
}
COUNTRY_CODES = {name: code for code, names in _COUNTRY_NAMES.items() for name in names}

_SPACES = re.compile(r"\s+")


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for a code or a common English/German name; else the text as given."""
    if not value:
        return None
    cleaned = _SPACES.sub(" ", value.strip())
    key = cleaned.casefold()
    if key in COUNTRY_CODES:
        return COUNTRY_CODES[key]
    if len(cleaned) == 2 and cleaned.isalpha():
        return cleaned.upper()
    return cleaned


def parse_res_guests(hotel_reservation: etree._Element) -> list[dict]:
    """Every ResGuest with a customer profile, the primary one flagged (first one by default)."""
    guests: list[dict] = []
    for res_guest in findall(hotel_reservation, "ResGuests", "ResGuest"):
        for profile_info in findall(res_guest, "Profiles", "ProfileInfo"):
            profile = find(profile_info, "Profile")
            if attr(profile, "ProfileType") not in GUEST_PROFILE_TYPES:
                continue
            customer = find(profile, "Customer")
            if customer is None:
                continue
            guest = parse_customer(customer)
            guest["pms_profile_id"] = profile_id(profile_info)
            guest["primary"] = (attr(res_guest, "PrimaryIndicator") or "").lower() in ("true", "1")
            guest["_rph"] = attr(res_guest, "ResGuestRPH")
            if has_content(guest):
                guests.append(guest)
            break  # one profile per ResGuest describes that guest
    if guests and not any(g["primary"] for g in guests):
        guests[0]["primary"] = True
    return guests


def has_content(guest: dict) -> bool:
    keys = ("first_name", "last_name", "emails", "phones", "pms_profile_id", "loyalty")
    return any(guest.get(key) for key in keys)


def profile_id(profile_info: etree._Element) -> str | None:
    for unique_id in findall(profile_info, "UniqueID"):
        if attr(unique_id, "Type") == PROFILE_ID_TYPE and attr(unique_id, "ID"):
            return attr(unique_id, "ID")
    return None


def parse_customer(customer: etree._Element) -> dict:
    name = find(customer, "PersonName")
    guest: dict = {
        "name_prefix": text(find(name, "NamePrefix")),
        "first_name": text(find(name, "GivenName")),
        "middle_name": text(find(name, "MiddleName")),
        "last_name": text(find(name, "Surname")),
        "name_title": text(find(name, "NameTitle")),
        "birth_date": _birth_date(attr(customer, "BirthDate")),
        "gender": GENDERS.get((attr(customer, "Gender") or "").lower()),
        "language": (attr(customer, "Language") or "").lower() or None,
        "nationality": country_code(attr(find(customer, "CitizenCountryName"), "Code")),
        "emails": _emails(customer),
        "phones": _phones(customer),
        "address": _address(find(customer, "Address")),
        "loyalty": _loyalty(customer),
    }
    return guest


def accessibility_needs(hotel_reservation: etree._Element) -> list[str]:
    """PhysChallName texts of guests who flagged a physical challenge (PhysChallInd)."""
    needs = []
    for res_guest in findall(hotel_reservation, "ResGuests", "ResGuest"):
        for customer in findall(res_guest, "Profiles", "ProfileInfo", "Profile", "Customer"):
            for chall in findall(customer, "PhysChallName"):
                flagged = (attr(chall, "PhysChallInd") or "true").lower() in ("true", "1")
                if flagged:
                    needs.append(text(chall) or "physically challenged")
    return needs


def _emails(customer: etree._Element) -> list[dict]:
    emails, seen = [], set()
    for element in findall(customer, "Email"):
        address = text(element)
        if not address or "@" not in address:
            continue
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        remark = (attr(element, "Remark") or "").lower().replace(" ", "")
        consent = {"newsletter:yes": True, "newsletter:no": False}.get(remark)
        emails.append({"address": address, "marketing_consent": consent})
    return emails


def _phones(customer: etree._Element) -> list[dict]:
    phones, seen = [], set()
    for element in findall(customer, "Telephone"):
        number = _phone_number(element)
        if not number or number in seen:
            continue
        seen.add(number)
        kind = PHONE_KINDS.get(attr(element, "PhoneTechType") or "", "voice")
        phones.append({"number": number, "kind": kind})
    return phones


def _phone_number(element: etree._Element) -> str | None:
    number = attr(element, "PhoneNumber")
    if not number:
        return None
    country = re.sub(r"\D", "", attr(element, "CountryAccessCode") or "").lstrip("0")
    area = attr(element, "AreaCityCode")
    if number.startswith("+") or not (country or area):
        return number
    if country:  # split form: rebuild an E.164-style number from its parts
        return "+" + country + re.sub(r"\D", "", (area or "") + number)
    return f"{area} {number}"


def _address(element: etree._Element | None) -> dict | None:
    if element is None:
        return None
    country_el = find(element, "CountryName")
    country = country_code(attr(country_el, "Code") or text(country_el))
    lines = [line for line in (text(x) for x in findall(element, "AddressLine")) if line]
    street = ", ".join(lines) or None
    number = text(find(element, "StreetNmbr"))
    if number and street:
        first = country in NUMBER_FIRST_COUNTRIES or len(country or "") != 2
        street = f"{number} {street}" if first else f"{street} {number}"
    else:
        street = street or number
    state_el = find(element, "StateProv")
    address = {
        "street": street,
        "city": text(find(element, "CityName")),
        "postal_code": text(find(element, "PostalCode")),
        "state": attr(state_el, "StateCode") or text(state_el),
        "country": country,
    }
    return address if any(address.values()) else None


def _loyalty(customer: etree._Element) -> list[dict]:
    memberships = []
    for element in findall(customer, "CustLoyalty"):
        number = attr(element, "MembershipID")
        if not number:
            continue
        program = attr(element, "ProgramID") or attr(element, "VendorCode") or "unknown"
        memberships.append(
            {"program": program, "number": number,
             "level": attr(element, "LoyalLevel")}
        )
    return memberships


def _birth_date(value: str | None) -> str | None:
    """An implausible birth date is dropped here so that it cannot cost the whole stay."""
    try:
        born = parse_day(value)
    except ValueError:
        return None
    if born is None or not (date(1900, 1, 1) <= born <= date.today()):
        return None
    return born.isoformat()

