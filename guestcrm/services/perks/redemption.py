"""Validating, redeeming and reversing a perk for a booking engine. Each refusal has its own
documented reason code; the guest is checked before anything else, so a code that is not the
caller's guest's says nothing more about itself. Redemption locks the perk's row: of any number
of concurrent requests for one code, exactly one redeems it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from guestcrm.db.types import utcnow
from guestcrm.errors import Conflict, Refused
from guestcrm.models import AuditEntry, Perk, PerkOffer, Property
from guestcrm.services.identity.lookup import find_by_email, live_profile
from guestcrm.services.perks.codes import code_digest, normalize_code, same_code
from guestcrm.services.perks.rules import PERK_TYPES, nights_blacked_out, parse_blackouts

REASONS: dict[str, str] = {
    "unknown_code": "No perk has this code.",
    "wrong_guest": "The code belongs to another guest.",
    "expired": "The code has expired.",
    "already_redeemed": "The code has been redeemed already.",
    "wrong_property": "The perk is not valid at this hotel.",
    "offer_paused": "The offer is paused for now.",
    "offer_ended": "The offer has ended.",
    "outside_window": "The stay dates are outside the offer's validity window.",
    "blackout_date": "A night of the stay falls on a blackout date.",
    "cap_exhausted": "The offer's redemption cap is reached.",
    "not_stackable": "The perk cannot be combined with another perk on this booking.",
    "not_redeemed": "The code has not been redeemed, so there is nothing to reverse.",
}


class PerkRefused(Refused):
    """A perk that cannot be used for this request; `reason` is one of REASONS."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(REASONS[reason])
        self.reason = reason
        if status is not None:
            self.status = status


class AlreadyRedeemed(PerkRefused, Conflict):
    status = 409


@dataclass(frozen=True)
class PerkRequest:
    """A booking engine's question: this code, for this guest, at this hotel, these dates."""

    code: str
    property_code: str
    arrival: date
    departure: date
    email: str | None = None
    profile_id: int | None = None
    booking_ref: str | None = None


def validate_perk(session: Session, request: PerkRequest, today: date | None = None) -> Perk:
    """The perk the request may use; PerkRefused with the reason otherwise. Changes nothing."""
    perk, property_id = _find(session, request.code, lock=False,
                              property_code=request.property_code)
    _check(session, perk, request, today or date.today(), property_id)
    return perk


def redeem_perk(session: Session, request: PerkRequest, client: str,
                today: date | None = None) -> Perk:
    """Mark the perk used for this booking (flushed, not committed: the caller stores the
    answer for the idempotency key in the same transaction)."""
    today = today or date.today()
    perk, property_id = _find(session, request.code, lock=True,
                              property_code=request.property_code)
    _check(session, perk, request, today, property_id)
    offer = _locked_offer(session, perk.offer_id) if perk.offer.max_redeemed else perk.offer
    if offer.max_redeemed is not None and session.scalar(
            select(func.count()).select_from(Perk).where(
                Perk.offer_id == offer.id, Perk.status == "redeemed")) >= offer.max_redeemed:
        raise PerkRefused("cap_exhausted")
    if request.booking_ref and _clashes(session, perk, offer, request.booking_ref, property_id):
        raise PerkRefused("not_stackable")
    perk.status = "redeemed"
    perk.redeemed_at = utcnow()
    perk.redeemed_property_id = property_id
    perk.redeemed_arrival, perk.redeemed_departure = request.arrival, request.departure
    perk.booking_ref = request.booking_ref
    perk.redeemed_by = client
    session.add(AuditEntry(actor=f"token:{client}", action="perk.redeem", target_type="perk",
                           target_id=str(perk.id), details={"booking_ref": request.booking_ref}))
    session.flush()
    return perk


def reverse_perk(session: Session, code: str, client: str, property_codes: frozenset[str] | None
                 ) -> Perk:
    """The booking was cancelled: the perk can be used again (until it expires). The code
    names the resource: an unknown one is 404, one not redeemed 409."""
    try:
        perk, _ = _find(session, code, lock=True)
    except PerkRefused:
        raise PerkRefused("unknown_code", 404) from None
    if perk.status != "redeemed":
        raise PerkRefused("not_redeemed", 409)
    hotel = session.get(Property, perk.redeemed_property_id) if perk.redeemed_property_id else None
    if property_codes is not None and (hotel is None or hotel.code.upper() not in property_codes):
        raise PerkRefused("unknown_code", 404)  # not this client's to see
    perk.status = "issued"
    perk.reversed_at = utcnow()
    details = {"booking_ref": perk.booking_ref}
    perk.redeemed_at = perk.redeemed_property_id = perk.booking_ref = perk.redeemed_by = None
    perk.redeemed_arrival = perk.redeemed_departure = None
    session.add(AuditEntry(actor=f"token:{client}", action="perk.reverse", target_type="perk",
                           target_id=str(perk.id), details=details))
    session.flush()
    return perk


def perk_answer(perk: Perk) -> dict:
    """What the booking engine is told about a perk."""
    offer = perk.offer
    return {
        "code": perk.code, "offer": offer.name, "perk_type": offer.perk_type,
        "perk_label": PERK_TYPES.get(offer.perk_type, offer.perk_type),
        "amount": float(offer.amount) if offer.amount is not None else None,
        "guest_text": offer.guest_text, "expires_on": perk.expires_on.isoformat(),
        "status": perk.status, "guest_id": perk.profile_id,
    }


def _find(session: Session, code: str, lock: bool, property_code: str | None = None
          ) -> tuple[Perk, int | None]:
    """The perk with this code and its offer, and the id of the hotel named (one statement)."""
    normalized = normalize_code(code)
    if normalized is None:
        raise PerkRefused("unknown_code")
    hotel = (select(Property.id).where(func.upper(Property.code) == (property_code or "")
                                       .strip().upper()).scalar_subquery())
    query = (select(Perk, hotel).where(Perk.code_digest == code_digest(normalized))
             .options(joinedload(Perk.offer, innerjoin=True)))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Perk)
    row = session.execute(query).first()
    if row is None or not same_code(row[0].code, normalized):
        raise PerkRefused("unknown_code")
    return row[0], row[1]


def _check(session: Session, perk: Perk, request: PerkRequest, today: date,
           property_id: int | None) -> None:
    if not _same_guest(session, perk, request):
        raise PerkRefused("wrong_guest")
    if perk.status == "redeemed":
        raise AlreadyRedeemed("already_redeemed")
    if perk.status == "expired" or perk.expires_on < today:
        raise PerkRefused("expired")
    offer = perk.offer
    if property_id is None or (offer.property_ids is not None
                               and property_id not in offer.property_ids):
        raise PerkRefused("wrong_property")
    if offer.status == "paused":
        raise PerkRefused("offer_paused")
    if offer.status in ("archived", "draft"):
        raise PerkRefused("offer_ended")
    if ((offer.valid_from and request.arrival < offer.valid_from)
            or (offer.valid_until and request.arrival > offer.valid_until)):
        raise PerkRefused("outside_window")
    if nights_blacked_out(request.arrival, request.departure, parse_blackouts(offer.blackouts)):
        raise PerkRefused("blackout_date")


def _same_guest(session: Session, perk: Perk, request: PerkRequest) -> bool:
    if request.profile_id is not None:
        if request.profile_id == perk.profile_id:  # perks move with merges: this one is live
            return True
        profile = live_profile(session, request.profile_id)
        return profile is not None and profile.id == perk.profile_id
    if request.email:
        return any(p.id == perk.profile_id for p in find_by_email(session, request.email))
    return False


def _locked_offer(session: Session, offer_id: int) -> PerkOffer:
    query = select(PerkOffer).where(PerkOffer.id == offer_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).one()


def _clashes(session: Session, perk: Perk, offer: PerkOffer, booking_ref: str,
             property_id: int | None) -> bool:
    """Another perk already redeemed on this booking, and one of the two does not stack."""
    others = session.scalars(select(Perk).where(
        Perk.booking_ref == booking_ref, Perk.status == "redeemed", Perk.id != perk.id,
        Perk.redeemed_property_id == property_id))
    return any(not (offer.stackable and other.offer.stackable) for other in others)
