"""Direct-booking offers for the demo: two published (a late check-out on the 2nd stay, a
discount for guests who came through an OTA) and a birthday offer left as a draft, then the
perks they issue for the demo's recent and coming stays. Running it again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import Perk, PerkOffer, Property, Stay
from guestcrm.services.perks.issuing import issue_by_staff, issue_for_stays
from guestcrm.services.perks.offers import OfferScope, change_status, save_offer
from guestcrm.services.recognition.hotel_day import hotel_today

DEMO_OFFERS = (
    ({"name": "2nd stay: late check-out", "perk_type": "late_checkout", "unit_cost": "15",
      "guest_text": "Thank you for coming back: check out as late as 2 pm on your next stay.",
      "rule": {"trigger": "stay_completed", "nth_stay": 2}, "max_per_guest_per_year": 2},
     True),
    ({"name": "Book direct next time: 10 % off", "perk_type": "percent_discount",
      "amount": "10", "unit_cost": "25", "priority": 50,
      "guest_text": "Book your next stay on our website and save 10 %.",
      "rule": {"trigger": "stay_completed", "ota_never_direct": True}}, True),
    ({"name": "Birthday welcome drink", "perk_type": "amenity", "unit_cost": "8",
      "guest_text": "Happy birthday! A drink on us at the bar.",
      "rule": {"trigger": "booking", "birthday_in_stay": True}, "stackable": True}, False),
)


def seed_perks(session: Session) -> Iterator[str]:
    scope = OfferScope(None)
    for values, publish in DEMO_OFFERS:
        if session.scalar(select(PerkOffer.id).where(PerkOffer.name == values["name"])):
            continue
        offer = save_offer(session, values, scope, actor="demo")
        if publish:
            change_status(session, offer.id, "publish", scope, actor="demo")
        yield f"offer: {offer.name} ({offer.status})"
    stay_ids = list(session.scalars(select(Stay.id).where(Stay.profile_id.is_not(None))))
    issued = issue_for_stays(session, stay_ids)
    yield f"perks: {len(issued.perk_ids)} issued for recent and coming stays"
    yield from _handed_out(session)


def _handed_out(session: Session) -> Iterator[str]:
    """Two guests arriving today at each hotel got the late check-out from the desk, so the
    board has perks to hand over."""
    offer = session.scalar(select(PerkOffer).where(PerkOffer.name == DEMO_OFFERS[0][0]["name"]))
    if offer is None or offer.status != "published":
        return
    given = 0
    for hotel in session.scalars(select(Property).order_by(Property.code)):
        arriving = session.execute(
            select(Stay.profile_id).where(Stay.property_id == hotel.id,
                                          Stay.arrival == hotel_today(hotel),
                                          Stay.status.in_(("confirmed", "requested")),
                                          Stay.profile_id.is_not(None))
            .order_by(Stay.id).limit(2)).scalars().all()
        for profile_id in arriving:
            if session.scalar(select(Perk.id).where(Perk.profile_id == profile_id,
                                                    Perk.offer_id == offer.id)):
                continue
            issue_by_staff(session, profile_id, offer.id, hotel.id, actor="demo")
            given += 1
    yield f"perks: {given} given by hand to guests arriving today"
