"""Guest search for staff: one box for a name (accents and typos forgiven), a company, an email
address, a phone number in any national format, a loyalty number or a reservation number.

Exact keys are looked up through their indexes first; names and companies through the folded
search text, with a trigram index on PostgreSQL (pg_trgm word similarity) and a fuzzy scan on
SQLite, the embedded default for small installations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from guestcrm.models import ContactPoint, ExternalId, GuestProfile, Property, Stay, StayGuest
from guestcrm.services.guests.primary_contact import primary_contacts
from guestcrm.services.guests.scope import at_hotels, visible_profiles
from guestcrm.services.guests.search_text import fold_query
from guestcrm.services.identity.contacts import normalize_email, normalize_phone
from guestcrm.services.identity.lookup import live_ids

MAX_QUERY = 100
RESULTS = 20
MIN_NAME_QUERY = 3  # fewer letters match half the guests
# pg_trgm word similarity above which a name counts as found, pass by pass: the last one
# forgiving enough that "Schmdit" finds Schmidt and "Mueller" Müller.
SIMILARITY_PASSES = (0.8, 0.6, 0.45)
CANDIDATES = 500  # names scored chain-wide per pass for a staff member limited to hotels
SCAN_CUTOFF = 75  # rapidfuzz partial ratio, the same forgiveness on SQLite
PHONE_LIKE = re.compile(r"[+(]?[\d][\d\s()./-]{4,}")
ROOMS_PER_RESERVATION = 9  # a multi-room booking's later rooms carry "#2", "#3", ...


@dataclass(frozen=True)
class GuestHit:
    profile_id: int
    name: str
    matched_by: str  # name | email | phone | loyalty number | reservation
    company: str | None
    email: str | None
    phone: str | None
    last_stay: date | None
    upcoming_stays: int


def search_guests(session: Session, query: str, allowed: set[int] | None,
                  limit: int = RESULTS) -> list[GuestHit]:
    """The guests the query names, best first, among those the staff member may see."""
    typed = " ".join(query.split())[:MAX_QUERY]
    if not typed:
        return []
    found: dict[int, str] = {}
    for matched_by, ids in _exact_keys(session, typed, allowed):
        for profile_id in sorted(_visible(session, live_ids(session, ids), allowed)):
            found.setdefault(profile_id, matched_by)
    folded = fold_query(typed)
    # An address, number or id that names someone is what was typed: no name looks like it.
    if not found and len(folded.replace(" ", "")) >= MIN_NAME_QUERY \
            and any(ch.isalpha() for ch in folded):
        for profile_id in _by_name(session, folded, allowed, limit):
            found.setdefault(profile_id, "name")
    return _hits(session, list(found.items())[:limit])


def recent_guests(session: Session, allowed: set[int] | None, today: date,
                  limit: int = RESULTS) -> list[GuestHit]:
    """The guest list before anything is typed: latest arrivals up to today at the hotels."""
    hotels = allowed if allowed is not None else set(session.scalars(select(Property.id)))
    latest: list = []
    for hotel in sorted(hotels):  # one short index scan per hotel (property, arrival)
        latest += session.execute(
            select(Stay.arrival, Stay.profile_id).where(
                Stay.property_id == hotel, Stay.arrival <= today, Stay.profile_id.is_not(None))
            .order_by(Stay.arrival.desc(), Stay.id.desc()).limit(limit)).all()
    ids = list(dict.fromkeys(pid for _, pid in sorted(latest, key=lambda r: r[0], reverse=True)))
    live = _visible(session, live_ids(session, ids), allowed)
    ordered = [pid for pid in ids if pid in live][:limit]
    return _hits(session, [(pid, "recent stay") for pid in ordered])


def _exact_keys(session: Session, typed: str, allowed: set[int] | None
                ) -> Iterable[tuple[str, list[int]]]:
    if "@" in typed:
        email = normalize_email(typed)
        if email:
            yield "email", _contact_owners(session, "email", {email})
    if PHONE_LIKE.fullmatch(typed):
        numbers = {normalize_phone(typed, region) for region in _regions(session, allowed)}
        numbers.discard(None)
        if numbers:
            yield "phone", _contact_owners(session, "phone", numbers)
    yield "loyalty number", list(session.scalars(select(ExternalId.profile_id).where(
        ExternalId.kind == "loyalty", ExternalId.value.in_({typed, typed.upper()}))))
    yield "reservation", _reservation_guests(session, typed, allowed)


def _regions(session: Session, allowed: set[int] | None) -> list[str | None]:
    """The countries of the staff member's hotels: a number written as locals write it there
    (030 1234567 in Berlin) is read in that country; one with its country code anywhere."""
    query = select(Property.country).where(Property.country.is_not(None)).distinct()
    if allowed is not None:
        query = query.where(Property.id.in_(allowed or {-1}))
    return [None, *sorted(c.upper() for c in session.scalars(query) if c)]


def _contact_owners(session: Session, kind: str, values: set[str]) -> list[int]:
    return list(session.scalars(select(ContactPoint.profile_id).where(
        ContactPoint.kind == kind, ContactPoint.value_normalized.in_(values))))


def _reservation_guests(session: Session, typed: str, allowed: set[int] | None) -> list[int]:
    numbers = [typed, *(f"{typed}#{room}" for room in range(2, ROOMS_PER_RESERVATION + 1))]
    stays = select(Stay.id, Stay.profile_id).where(Stay.external_id.in_(numbers))
    if allowed is not None:
        stays = stays.where(Stay.property_id.in_(allowed or {-1}))
    rows = session.execute(stays).all()
    seated = session.scalars(select(StayGuest.profile_id).where(
        StayGuest.stay_id.in_([r.id for r in rows]))) if rows else []
    return [r.profile_id for r in rows if r.profile_id is not None] + list(seated)


def _visible(session: Session, live: set[int], allowed: set[int] | None) -> set[int]:
    """Of these live profiles (live_ids), those the staff member may see."""
    return set(live) if allowed is None else at_hotels(session, live, allowed)


def _by_name(session: Session, folded: str, allowed: set[int] | None, limit: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return _by_name_trigrams(session, folded, allowed, limit)
    return _by_name_scan(session, folded, allowed, limit)


def _by_name_trigrams(session: Session, folded: str, allowed: set[int] | None,
                      limit: int) -> list[int]:
    """Passes from strict to forgiving, the next only while nothing was found and the group
    holds fewer than `limit` names as close: a strict threshold keeps the index from handing
    over every guest who shares one common word with the query, a forgiving one finds the
    typos. Each pass scores at most CANDIDATES names, best first; the hotels are checked on
    those few."""
    # The % operators' threshold is a setting; is_local: for this transaction only. A search
    # is a few index probes: compiling it (JIT, planned for the trigram scan's estimates)
    # would take longer than running it.
    session.execute(text("SELECT set_config('jit', 'off', true)"))
    score = func.word_similarity(folded, GuestProfile.search_text)
    found: list[int] = []
    for threshold in SIMILARITY_PASSES:
        session.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
                        {"t": str(threshold)})
        close = list(session.scalars(
            select(GuestProfile.id)
            .where(GuestProfile.search_text.op("%>")(folded),
                   GuestProfile.merged_into_id.is_(None))
            .order_by(score.desc(), GuestProfile.id)
            .limit(limit if allowed is None else CANDIDATES)))
        new = [pid for pid in close if pid not in found]
        visible = set(new) if allowed is None else at_hotels(session, new, allowed)
        found += [pid for pid in new if pid in visible]
        if found or len(close) >= limit:
            break
    return found[:limit]


def _by_name_scan(session: Session, folded: str, allowed: set[int] | None,
                  limit: int) -> list[int]:
    rows = session.execute(select(GuestProfile.id, GuestProfile.search_text).where(
        GuestProfile.search_text.is_not(None), visible_profiles(allowed))).all()
    best = process.extract(folded, {r.id: r.search_text for r in rows},
                           scorer=fuzz.partial_ratio, score_cutoff=SCAN_CUTOFF, limit=None)
    best.sort(key=lambda found: (-found[1], found[2]))
    return [profile_id for _, _, profile_id in best[:limit]]


def _hits(session: Session, found: list[tuple[int, str]]) -> list[GuestHit]:
    if not found:
        return []
    ids = [profile_id for profile_id, _ in found]
    profiles = {p.id: p for p in session.scalars(
        select(GuestProfile).where(GuestProfile.id.in_(ids)))}
    contacts: dict[int, list[ContactPoint]] = {}
    for contact in session.scalars(select(ContactPoint).where(ContactPoint.profile_id.in_(ids))):
        contacts.setdefault(contact.profile_id, []).append(contact)
    hits = []
    for profile_id, matched_by in found:
        profile = profiles[profile_id]
        shown = primary_contacts(contacts.get(profile_id, []))
        hits.append(GuestHit(
            profile_id=profile_id, name=profile.display_name, matched_by=matched_by,
            company=profile.company,
            email=shown["email"].value_raw if "email" in shown else None,
            phone=shown["phone"].value_raw if "phone" in shown else None,
            last_stay=profile.last_stay, upcoming_stays=profile.upcoming_stays or 0))
    return hits
