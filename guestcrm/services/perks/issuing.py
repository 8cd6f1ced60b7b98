"""Issuing perks: when a booking arrives or a stay completes (the jobs call `issue_for_stays`
with stay ids, as often as they like: a stay never issues twice), and by staff by hand. Caps
are counted under a lock on the offer's row, so two workers cannot both issue the last one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.db.upserts import conflict_insert
from guestcrm.errors import NotFound, Refused
from guestcrm.models import (
    AuditEntry,
    ContactPoint,
    GuestProfile,
    GuestValue,
    OutboundMail,
    Perk,
    PerkOffer,
    Stay,
)
from guestcrm.services.identity.lookup import live_profile
from guestcrm.services.perks.codes import code_digest, new_code
from guestcrm.services.perks.guest_facts import (
    YEAR,
    facts_at,
    load_guest_stays,
    trigger_day,
)
from guestcrm.services.perks.offers import perk_type_label
from guestcrm.services.perks.rules import Candidate, Eligibility, choose_offers, qualifies
from guestcrm.services.value.counters import stay_happened

# A stay completed longer ago than this issues nothing: importing years of history must not
# shower old guests with perks.
COMPLETION_WINDOW = timedelta(days=14)
UPCOMING = ("requested", "confirmed")


@dataclass(frozen=True)
class Issued:
    perk_ids: list[int]
    mail_ids: list[int]


def issue_for_stays(session: Session, stay_ids: Iterable[int], today: date | None = None
                    ) -> Issued:
    """Issue what the published offers grant for these stays' bookings and completions.
    Commits; returns the new perks and the mails waiting to be sent."""
    today = today or date.today()
    offers = _published(session)
    ids = sorted(set(stay_ids))
    if not offers or not ids:
        session.rollback()
        return Issued([], [])
    rules = {o.id: Eligibility.from_json(o.rule) for o in offers}
    by_id = offers_by_id(offers)
    stays = list(session.scalars(select(Stay).where(Stay.id.in_(ids),
                                                    Stay.profile_id.is_not(None))))
    history = load_guest_stays(session, {s.profile_id for s in stays})
    values = {v.profile_id: v for v in session.scalars(
        select(GuestValue).where(GuestValue.profile_id.in_(history)))}
    perk_ids: list[int] = []
    for stay in stays:
        trigger = _trigger(stay, today)
        if trigger is None or _already_issued(session, stay.id):
            continue
        rows = history.get(stay.profile_id, [])
        row = next((r for r in rows if r.id == stay.id), None)
        if row is None:
            continue
        profile = session.get(GuestProfile, stay.profile_id)
        value = values.get(stay.profile_id)
        facts = facts_at(rows, row, trigger, today, tier=value.tier if value else None,
                         segment=value.rfm_segment if value else None,
                         birth_date=profile.birth_date if profile else None)
        day = trigger_day(row, trigger, today)
        candidates = [
            Candidate(o.id, o.priority, o.stackable) for o in offers
            if rules[o.id].trigger == trigger and _runs_at(o, stay.property_id)
            and _open_on(o, day) and qualifies(rules[o.id], facts)]
        for offer_id in choose_offers(_within_caps(session, candidates, stay.profile_id, today)):
            perk_id = _insert_perk(session, by_id[offer_id], stay.profile_id, stay.id, trigger,
                                   today, "system")
            if perk_id is not None:
                perk_ids.append(perk_id)
    mails = _queue_mails(session, perk_ids)
    session.commit()
    return Issued(perk_ids, mails)


def issue_by_staff(session: Session, profile_id: int, offer_id: int, property_id: int,
                   actor: str, today: date | None = None) -> Perk:
    """A perk handed out by hand at a hotel (a complaint made good, a regular's birthday),
    from an offer published there, within its caps; audited."""
    today = today or date.today()
    profile = live_profile(session, profile_id)
    offer = session.get(PerkOffer, offer_id)
    if profile is None:
        raise NotFound(f"no guest {profile_id}")
    if offer is None or offer.status != "published" or not _runs_at(offer, property_id):
        raise Refused("only an offer published at this hotel can be issued")
    if not _open_on(offer, today):
        raise Refused("the offer's validity window has ended")
    candidate = Candidate(offer.id, offer.priority, offer.stackable)
    if not _within_caps(session, [candidate], profile.id, today):
        raise Refused("the offer's cap is reached (in all, or for this guest this year)")
    perk_id = _insert_perk(session, offer, profile.id, None, "staff", today, actor)
    assert perk_id is not None  # no stay, so no uniqueness to clash with
    session.add(AuditEntry(actor=actor, action="perk.issue", target_type="guest_profile",
                           target_id=str(profile.id), details={"offer": offer.id,
                                                               "perk": perk_id}))
    _queue_mails(session, [perk_id])
    session.commit()
    return session.get(Perk, perk_id)


def has_published_offers(session: Session) -> bool:
    return session.scalar(select(PerkOffer.id).where(PerkOffer.status == "published")
                          .limit(1)) is not None


def staff_offers(session: Session, property_id: int) -> list[PerkOffer]:
    """The offers staff at this hotel may hand out by hand."""
    return [o for o in _published(session) if _runs_at(o, property_id)]


def guest_perks(session: Session, profile_id: int) -> list[Perk]:
    """The guest's perks, newest first, with their offers."""
    return list(session.scalars(select(Perk).where(Perk.profile_id == profile_id)
                                .order_by(Perk.issued_at.desc(), Perk.id.desc())))


def completed_stay_ids(session: Session, today: date | None = None) -> list[int]:
    """Stays completed within the completion window (for the nightly sweep: sources that
    never send a check-out complete a stay by its departure passing)."""
    today = today or date.today()
    return list(session.scalars(select(Stay.id).where(
        Stay.departure > today - COMPLETION_WINDOW, Stay.departure <= today,
        Stay.status.in_(("confirmed", "checked_in", "checked_out")),
        Stay.profile_id.is_not(None)).order_by(Stay.id)))


def offers_by_id(offers: list[PerkOffer]) -> dict[int, PerkOffer]:
    return {o.id: o for o in offers}


def perk_label(offer: PerkOffer) -> str:
    return offer.name or perk_type_label(offer.perk_type)


def _published(session: Session) -> list[PerkOffer]:
    return list(session.scalars(select(PerkOffer).where(PerkOffer.status == "published")))


def _trigger(stay: Stay, today: date) -> str | None:
    if stay_happened(stay.status, stay.departure, today):
        recent = stay.departure is not None and stay.departure > today - COMPLETION_WINDOW
        return "stay_completed" if recent else None
    if stay.status in UPCOMING and stay.arrival is not None and stay.arrival >= today:
        return "booking"
    return None


def _already_issued(session: Session, stay_id: int) -> bool:
    """The stay issued at this trigger once: processing it again issues nothing more, even
    if offers changed since (a stay is rewarded once)."""
    return session.scalar(select(func.count()).select_from(Perk).where(
        Perk.stay_id == stay_id)) > 0


def _runs_at(offer: PerkOffer, property_id: int) -> bool:
    return offer.property_ids is None or property_id in offer.property_ids


def _open_on(offer: PerkOffer, day: date) -> bool:
    return offer.valid_until is None or day <= offer.valid_until


def _within_caps(session: Session, candidates: list[Candidate], profile_id: int, today: date
                 ) -> list[Candidate]:
    """The candidates whose caps leave room, counted with each offer's row locked (on
    PostgreSQL) until commit, so that concurrent issuers queue on the count."""
    out = []
    for candidate in candidates:
        query = select(PerkOffer).where(PerkOffer.id == candidate.offer_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        offer = session.scalars(query).one()
        if offer.max_issued is not None and _count(session, offer.id) >= offer.max_issued:
            continue
        if offer.max_per_guest_per_year is not None and _count(
                session, offer.id, profile_id, today - YEAR) >= offer.max_per_guest_per_year:
            continue
        out.append(candidate)
    return out


def _count(session: Session, offer_id: int, profile_id: int | None = None,
           since: date | None = None) -> int:
    query = select(func.count()).select_from(Perk).where(Perk.offer_id == offer_id)
    if profile_id is not None:
        query = query.where(Perk.profile_id == profile_id)
    if since is not None:
        query = query.where(Perk.issued_at >= datetime.combine(since, time(), UTC))
    return session.scalar(query)


def _insert_perk(session: Session, offer: PerkOffer, profile_id: int, stay_id: int | None,
                 trigger: str, today: date, actor: str) -> int | None:
    expires = today + timedelta(days=offer.code_valid_days)
    if offer.valid_until is not None:
        expires = min(expires, offer.valid_until)
    code = new_code()
    statement = conflict_insert(session, Perk.__table__).values(
        offer_id=offer.id, profile_id=profile_id, stay_id=stay_id, code=code,
        code_digest=code_digest(code), trigger=trigger, status="issued", issued_by=actor,
        expires_on=expires, issued_at=utcnow())
    if stay_id is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["offer_id", "stay_id"])
    return session.scalar(statement.returning(Perk.__table__.c.id))


def _queue_mails(session: Session, perk_ids: list[int]) -> list[int]:
    """A mail for each perk whose guest agreed to offers and has an address that reaches them
    (not an OTA relay, not a placeholder)."""
    mails = []
    for perk_id in perk_ids:
        perk = session.get(Perk, perk_id)
        profile = session.get(GuestProfile, perk.profile_id)
        address = _offer_address(session, profile)
        if address is None:
            continue
        mail = OutboundMail(to_address=address, profile_id=profile.id, perk_id=perk.id,
                            subject=f"Your perk: {perk_label(perk.offer)}",
                            body=_mail_body(profile, perk))
        session.add(mail)
        session.flush()
        mails.append(mail.id)
    return mails


def _offer_address(session: Session, profile: GuestProfile) -> str | None:
    contacts = session.scalars(select(ContactPoint).where(
        ContactPoint.profile_id == profile.id, ContactPoint.kind == "email",
        ContactPoint.is_relay.is_(False), ContactPoint.is_valid.is_(True)
    ).order_by(ContactPoint.last_seen.desc()))
    for contact in contacts:
        consent = contact.marketing_consent
        if consent is None:
            consent = profile.marketing_consent
        if consent:
            return contact.value_raw
    return None


def _mail_body(profile: GuestProfile, perk: Perk) -> str:
    offer = perk.offer
    greeting = f"Dear {profile.first_name}," if profile.first_name else "Dear guest,"
    text = offer.guest_text or perk_label(offer)
    return (f"{greeting}\n\n{text}\n\nYour code: {perk.code}\n"
            f"Valid until {perk.expires_on.isoformat()}. Quote it when you book with us "
            f"directly or show it at the front desk.\n")
