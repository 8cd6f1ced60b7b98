"""The fake PMS's bookings written as AlpineBits 2024-10 and OpenTravel 2011B messages.

`render(booking, version)` gives the XML of one version and the canonical stays a correct
connector reads from it. The documents validate against the standards' XSDs
(tests/unit/test_fake_pms.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from lxml import etree

from connectors.fake_expected import ExpectedGuest, ExpectedStay, FakeProperty
from connectors.fake_people import LOYALTY_PROGRAM, Person

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
ALPINEBITS_ACTION = "OTA_HotelResNotif:GuestRequests"
ALPINE_TZ = timezone(timedelta(hours=1))
# version kind -> (AlpineBits ResStatus, OTA HotelReservation ResStatus, canonical status)
STATUSES = {
    "new": ("Reserved", "Reserved", "confirmed"),
    "modify": ("Modify", "Modify", "confirmed"),
    "cancel": ("Cancelled", "Cancelled", "cancelled"),
    "checked_out": (None, "Checked out", "checked_out"),
    "no_show": (None, "No-show", "no_show"),
}
# channel -> (name the sender writes as the booking source, canonical channel kind)
SOURCES = {"booking.com": ("booking.com", "ota"), "expedia": ("Expedia", "ota"),
           "phone": ("phone", "phone"), "walk_in": ("Walk-in", "walk_in"),
           "corporate": ("Corporate", "corporate")}
OTA_CHANNELS = ("booking.com", "expedia")


@dataclass(frozen=True)
class Room:
    room_type: str
    amount: Decimal
    adults: int = 2
    children: int = 0


@dataclass(frozen=True)
class Version:
    number: int
    kind: str  # new | modify | cancel | checked_out | no_show
    at: datetime
    arrival: date
    nights: int
    rooms: list[Room]

    @property
    def departure(self) -> date:
        return self.arrival + timedelta(days=self.nights)


@dataclass
class Booking:
    res_id: str
    prop: FakeProperty
    person: Person
    channel: str
    created: datetime
    companion: Person | None
    ota_email: str | None  # the OTA's relay address, used instead of the guest's own
    ota_id: str
    with_email: bool
    with_birth_date: bool
    company: str | None
    comment: str | None
    card: tuple[str, str] | None  # (card code, Luhn-valid test number)
    versions: list[Version] = field(default_factory=list)

    def source_name(self) -> str:
        if self.channel == "website":
            return f"www.{self.prop.code.lower()}-hotel.com"
        return SOURCES[self.channel][0]


def render(booking: Booking, version: Version) -> tuple[bytes, tuple[ExpectedStay, ...]]:
    alpine = booking.prop.connector == "alpinebits"
    at = version.at.replace(microsecond=0)
    version = Version(version.number, version.kind, at, version.arrival, version.nights,
                      version.rooms)
    # AlpineBits cancellations usually carry only the id; several rooms need their rooms.
    bare = alpine and version.kind == "cancel" and len(version.rooms) == 1
    root = _alpinebits(booking, version, bare) if alpine else _opentravel(booking, version)
    xml = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")
    return xml, _expected(booking, version, bare)


def _el(parent: etree._Element | None, tag: str, text: str | None = None,
        **attrs: object) -> etree._Element:
    values = {k: str(v) for k, v in attrs.items() if v is not None}
    if parent is None:
        element = etree.Element(f"{{{OTA_NS}}}{tag}", values, nsmap={None: OTA_NS})
    else:
        element = etree.SubElement(parent, f"{{{OTA_NS}}}{tag}", values)
    if text is not None:
        element.text = text
    return element


def _stamp(moment: datetime, alpine: bool) -> str:
    return (moment.astimezone(ALPINE_TZ).isoformat() if alpine
            else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _alpinebits(booking: Booking, version: Version, bare: bool) -> etree._Element:
    root = _el(None, "OTA_HotelResNotifRQ", Version="7.000", TimeStamp=_stamp(version.at, True))
    status = STATUSES[version.kind][0]
    res = _el(_el(root, "HotelReservations"), "HotelReservation",
              CreateDateTime=_stamp(booking.created, True),
              LastModifyDateTime=_stamp(version.at, True) if version.number > 1 else None,
              ResStatus=status)
    _el(res, "UniqueID", Type="15" if version.kind == "cancel" else "14", ID=booking.res_id)
    if not bare:
        stays = _el(res, "RoomStays")
        for index, room in enumerate(version.rooms):
            stay = _el(stays, "RoomStay")
            _el(_el(stay, "RoomTypes"), "RoomType", RoomTypeCode=room.room_type,
                RoomClassificationCode="42")
            plan = _el(_el(stay, "RatePlans"), "RatePlan", RatePlanCode="HB-FLEX")
            _el(plan, "MealsIncluded", MealPlanIndicator="true", MealPlanCodes="12")
            _guest_counts(stay, room, alpine=True)
            _el(stay, "TimeSpan", Start=version.arrival.isoformat(),
                End=version.departure.isoformat())
            if index == 0 and booking.card:
                _card(stay, booking, alpine=True)
            _el(stay, "Total", AmountAfterTax=f"{room.amount:.2f}",
                CurrencyCode=booking.prop.currency)
        guest = _el(_el(res, "ResGuests"), "ResGuest")
        profile = _el(_el(_el(guest, "Profiles"), "ProfileInfo"), "Profile")
        _customer(profile, booking, booking.person, alpine=True)
    info = _el(res, "ResGlobalInfo")
    if booking.comment and not bare:
        _el(_el(_el(info, "Comments"), "Comment", Name="customer comment"), "Text", booking.comment)
    if not bare:
        ids = _el(info, "HotelReservationIDs")
        _el(ids, "HotelReservationID", ResID_Type="13", ResID_Source=booking.source_name(),
            ResID_Value=booking.ota_id if booking.channel in OTA_CHANNELS else None,
            ResID_SourceContext="website" if booking.channel == "website" else None)
    _el(info, "BasicPropertyInfo", HotelCode=booking.prop.code, HotelName=booking.prop.name)
    return root


def _opentravel(booking: Booking, version: Version) -> etree._Element:
    modify = version.kind == "modify"
    root_tag = "OTA_HotelResModifyNotifRQ" if modify else "OTA_HotelResNotifRQ"
    root_status = {"modify": "Modify", "cancel": "Cancel"}.get(version.kind, "Commit")
    root = _el(None, root_tag, EchoToken=f"{booking.res_id}-{version.number}",
               TimeStamp=_stamp(version.at, False), Target="Production", Version="1.003",
               ResStatus=root_status)
    source = _el(_el(root, "POS"), "Source")
    _el(source, "RequestorID", Type="22", ID="FAKEPMS")
    channel_type = "2" if booking.channel in OTA_CHANNELS else "4"
    _el(_el(source, "BookingChannel", Type=channel_type, Primary="true"), "CompanyName",
        SOURCES.get(booking.channel, ("Website",))[0])
    res = (_el(_el(root, "HotelResModifies"), "HotelResModify") if modify
           else _el(_el(root, "HotelReservations"), "HotelReservation"))
    res.attrib.update({"CreateDateTime": _stamp(booking.created, False),
                       "LastModifyDateTime": _stamp(version.at, False),
                       "ResStatus": STATUSES[version.kind][1]})
    if booking.channel == "walk_in":
        res.set("WalkInIndicator", "true")
    _el(res, "UniqueID", Type="14", ID=booking.res_id)
    stays = _el(res, "RoomStays")
    for index, room in enumerate(version.rooms):
        stay = _el(stays, "RoomStay")
        _el(_el(stay, "RoomTypes"), "RoomType", RoomTypeCode=room.room_type)
        _el(_el(stay, "RatePlans"), "RatePlan",
            RatePlanCode="CORP" if booking.company else "BAR")
        _guest_counts(stay, room, alpine=False)
        _el(stay, "TimeSpan", Start=version.arrival.isoformat(), End=version.departure.isoformat())
        if index == 0 and booking.card:
            _card(stay, booking, alpine=False)
        _el(stay, "Total", AmountAfterTax=f"{room.amount:.2f}", CurrencyCode=booking.prop.currency)
        _el(stay, "BasicPropertyInfo", HotelCode=booking.prop.code, HotelName=booking.prop.name)
    guests = _el(res, "ResGuests")
    people = [booking.person] + ([booking.companion] if booking.companion else [])
    for rph, person in enumerate(people, start=1):
        guest = _el(guests, "ResGuest", ResGuestRPH=str(rph),
                    PrimaryIndicator="true" if rph == 1 else "false")
        info = _el(_el(guest, "Profiles"), "ProfileInfo")
        if rph == 1 and booking.channel not in OTA_CHANNELS:
            _el(info, "UniqueID", Type="21", ID=person.pms_profile_id)
        _customer(_el(info, "Profile", ProfileType="1"), booking, person, alpine=False)
    info = _el(res, "ResGlobalInfo")
    if booking.comment:
        _el(_el(_el(info, "Comments"), "Comment"), "Text", booking.comment)
    ids = _el(info, "HotelReservationIDs")
    _el(ids, "HotelReservationID", ResID_Type="14", ResID_Value=booking.res_id)
    _el(ids, "HotelReservationID", ResID_Type="13", ResID_Source=booking.source_name(),
        ResID_Value=booking.ota_id if booking.channel in OTA_CHANNELS else None)
    if booking.company:
        company = _el(_el(_el(info, "Profiles"), "ProfileInfo"), "Profile", ProfileType="3")
        _el(_el(company, "CompanyInfo"), "CompanyName", booking.company)
    return root


def _guest_counts(stay: etree._Element, room: Room, alpine: bool) -> None:
    counts = _el(stay, "GuestCounts")
    if alpine:
        _el(counts, "GuestCount", Count=str(room.adults))
        for age in range(room.children):
            _el(counts, "GuestCount", Count="1", Age=str(4 + 3 * age))
        return
    _el(counts, "GuestCount", AgeQualifyingCode="10", Count=str(room.adults))
    if room.children:
        _el(counts, "GuestCount", AgeQualifyingCode="8", Count=str(room.children))


def _card(stay: etree._Element, booking: Booking, alpine: bool) -> None:
    code, number = booking.card
    expire = f"12{(booking.created.year + 3) % 100:02d}"
    accepted = _el(_el(_el(stay, "Guarantee"), "GuaranteesAccepted"), "GuaranteeAccepted")
    holder = f"{booking.person.first_name} {booking.person.last_name}"
    # AlpineBits: the number in CardNumber/PlainText; OTA 2011B: attributes, with a CVV.
    card = _el(accepted, "PaymentCard", CardCode=code, CardNumber=None if alpine else number,
               SeriesCode=None if alpine else "737", ExpireDate=expire)
    _el(card, "CardHolderName", holder)
    if alpine:
        _el(_el(card, "CardNumber"), "PlainText", number)


def _contacts(booking: Booking, person: Person) -> tuple[list[str], list[str]]:
    """(emails, phones) this booking carries for the person."""
    if person is not booking.person:  # the companion: own address, as couples give them
        return [person.email], []
    if booking.ota_email:
        return [booking.ota_email], [person.phone]
    emails = [person.email] if booking.with_email else []
    alpine = booking.prop.connector == "alpinebits"
    return emails, [person.phone if alpine or booking.channel == "website" else person.phone_spaced]


def _customer(profile: etree._Element, booking: Booking, person: Person, alpine: bool) -> None:
    main = person is booking.person
    born = person.birth_date.isoformat() if booking.with_birth_date and main else None
    customer = _el(profile, "Customer", Gender=person.gender,
                   BirthDate=born, Language=person.language)
    name = _el(customer, "PersonName")
    _el(name, "GivenName", person.first_name)
    _el(name, "Surname", person.last_name)
    emails, phones = _contacts(booking, person)
    for phone in phones:
        _el(customer, "Telephone", PhoneTechType="5", PhoneNumber=phone)
    for email in emails:
        remark = ("newsletter:yes" if person.newsletter else "newsletter:no") if alpine else None
        _el(customer, "Email", email, Remark=remark)
    if main:
        address = _el(customer, "Address")
        _el(address, "AddressLine", person.street)
        _el(address, "CityName", person.city)
        _el(address, "PostalCode", person.postal_code)
        _el(address, "CountryName", None if alpine else person.country, Code=person.country)
    if not alpine and main and person.loyalty and booking.channel not in OTA_CHANNELS:
        _el(customer, "CustLoyalty", ProgramID=LOYALTY_PROGRAM, MembershipID=person.loyalty[0],
            LoyalLevel=person.loyalty[1])


def _expected(booking: Booking, version: Version, bare: bool) -> tuple[ExpectedStay, ...]:

    alpine = booking.prop.connector == "alpinebits"
    base = dict(source=booking.prop.connector, property_code=booking.prop.code,
                status=STATUSES[version.kind][2], modified_at=version.at)
    if bare:
        return (ExpectedStay(external_id=booking.res_id, **base),)
    people = [booking.person] + ([booking.companion] if booking.companion else [])
    guests = []
    for person in people:
        main = person is booking.person
        emails, phones = _contacts(booking, person)
        loyal = (not alpine and main and person.loyalty and booking.channel not in OTA_CHANNELS)
        guests.append(ExpectedGuest(
            person=person.key, first_name=person.first_name, last_name=person.last_name,
            emails=tuple(emails), phones=tuple(phones),
            birth_date=person.birth_date if booking.with_birth_date and main else None,
            loyalty=(person.loyalty[0],) if loyal else (), primary=main))
    wishes = dict(booking.person.wishes) if booking.comment else {}
    kind = "direct" if booking.channel == "website" else SOURCES[booking.channel][1]
    stays = []
    for index, room in enumerate(version.rooms):
        stays.append(ExpectedStay(
            external_id=booking.res_id if index == 0 else f"{booking.res_id}#{index + 1}",
            arrival=version.arrival, departure=version.departure, room_type=room.room_type,
            amount=room.amount, currency=booking.prop.currency, channel=kind,
            channel_name=booking.source_name(),
            comments=(booking.comment,) if booking.comment else (),
            preferences=frozenset(wishes.values()), guests=tuple(guests), **base))
    return tuple(stays)
