"""Offers as revenue managers keep them: saved as drafts, checked for contradictions, published,
paused, archived; every change audited. A manager sees and changes only offers that run at
their own hotels (an offer for the whole group needs someone who manages the whole group)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.errors import NotFound, Refused
from guestcrm.models import AuditEntry, PerkOffer, Property
from guestcrm.services.perks.rules import (
    PERK_TYPES,
    Eligibility,
    OfferInvalid,
    OfferTerms,
    parse_blackouts,
)

# action -> (states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": (("draft", "paused"), "published"),
    "pause": (("published",), "paused"),
    "archive": (("draft", "published", "paused"), "archived"),
}
EDITABLE = ("name", "guest_text", "perk_type", "amount", "unit_cost", "rule", "property_ids",
            "valid_from", "valid_until", "blackouts", "code_valid_days", "max_issued",
            "max_redeemed", "max_per_guest_per_year", "stackable", "priority")


@dataclass(frozen=True)
class OfferScope:
    """Whose offers: None for the whole group, else the property ids of the staff member."""

    property_ids: frozenset[int] | None

    def covers(self, offer_properties: list[int] | None) -> bool:
        if self.property_ids is None:
            return True
        return offer_properties is not None and set(offer_properties) <= self.property_ids


def visible_offers(session: Session, scope: OfferScope, include_archived: bool = False
                   ) -> list[PerkOffer]:
    query = select(PerkOffer).order_by(PerkOffer.status != "published", PerkOffer.priority,
                                       PerkOffer.id)
    if not include_archived:
        query = query.where(PerkOffer.status != "archived")
    return [o for o in session.scalars(query) if scope.covers(o.property_ids)]


def get_offer(session: Session, offer_id: int, scope: OfferScope) -> PerkOffer:
    offer = session.get(PerkOffer, offer_id)
    if offer is None or not scope.covers(offer.property_ids):
        raise NotFound(f"no offer {offer_id}")
    return offer


def clean_offer(session: Session, data: Mapping[str, Any], scope: OfferScope) -> dict[str, Any]:
    """The submitted values, typed and checked as a whole; OfferInvalid says what is wrong."""
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise OfferInvalid(f"unknown field {', '.join(unknown)}")
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 128:
        raise OfferInvalid("a name of 1 to 128 characters is needed")
    guest_text = str(data.get("guest_text") or "").strip()
    if len(guest_text) > 2000:
        raise OfferInvalid("the guest-facing text is limited to 2,000 characters")
    rule = Eligibility.from_json(data.get("rule"))
    properties = _properties(session, data.get("property_ids"), scope)
    values = {
        "name": name, "guest_text": guest_text, "perk_type": data.get("perk_type"),
        "amount": _money("amount", data.get("amount")),
        "unit_cost": _money("unit cost", data.get("unit_cost")) or Decimal("0"),
        "rule": rule.to_json(), "property_ids": properties,
        "valid_from": _day("valid from", data.get("valid_from")),
        "valid_until": _day("valid until", data.get("valid_until")),
        "blackouts": data.get("blackouts") or [],
        "code_valid_days": _whole("code validity", data.get("code_valid_days"), 365),
        "max_issued": _whole("max issued", data.get("max_issued")),
        "max_redeemed": _whole("max redeemed", data.get("max_redeemed")),
        "max_per_guest_per_year": _whole("max per guest per year",
                                         data.get("max_per_guest_per_year")),
        "stackable": bool(data.get("stackable")),
        "priority": _whole("priority", data.get("priority"), 100),
    }
    blackouts = parse_blackouts(values["blackouts"])
    values["blackouts"] = [[a.isoformat(), b.isoformat()] for a, b in blackouts]
    OfferTerms(
        perk_type=values["perk_type"], amount=float(values["amount"]) if values["amount"]
        is not None else None, valid_from=values["valid_from"],
        valid_until=values["valid_until"], blackouts=blackouts,
        max_issued=values["max_issued"], max_redeemed=values["max_redeemed"],
        max_per_guest_per_year=values["max_per_guest_per_year"],
        code_valid_days=values["code_valid_days"], priority=values["priority"]).check()
    if values["unit_cost"] < 0:
        raise OfferInvalid("the unit cost cannot be negative")
    return values


def save_offer(session: Session, data: Mapping[str, Any], scope: OfferScope, actor: str,
               offer_id: int | None = None) -> PerkOffer:
    """A new draft, or the changed offer (archived offers are kept as they ended)."""
    values = clean_offer(session, data, scope)
    if offer_id is None:
        offer = PerkOffer(status="draft", created_by=actor, **values)
        session.add(offer)
        session.flush()
        _audit(session, actor, "offer.create", offer, {"name": offer.name})
    else:
        offer = get_offer(session, offer_id, scope)
        if offer.status == "archived":
            raise Refused("an archived offer cannot be changed")
        changed = {k: v for k, v in values.items() if getattr(offer, k) != v}
        for key, value in changed.items():
            setattr(offer, key, value)
        _audit(session, actor, "offer.update", offer, {"changed": sorted(changed)})
    session.commit()
    return offer


def change_status(session: Session, offer_id: int, action: str, scope: OfferScope,
                  actor: str) -> PerkOffer:
    if action not in TRANSITIONS:
        raise Refused(f"unknown action {action!r}")
    offer = get_offer(session, offer_id, scope)
    starts, target = TRANSITIONS[action]
    if offer.status not in starts:
        raise Refused(f"a {offer.status} offer cannot be {target}")
    if action == "publish" and offer.valid_until and offer.valid_until < date.today():
        raise Refused("the offer's validity window has ended; change it before publishing")
    offer.status = target
    if target == "published" and offer.published_at is None:
        offer.published_at = utcnow()
    _audit(session, actor, f"offer.{action}", offer, {"status": target})
    session.commit()
    return offer


def perk_type_label(perk_type: str) -> str:
    return PERK_TYPES.get(perk_type, perk_type)


def _audit(session: Session, actor: str, action: str, offer: PerkOffer, details: dict) -> None:
    session.add(AuditEntry(actor=actor, action=action, target_type="perk_offer",
                           target_id=str(offer.id), details=details))


def _properties(session: Session, ids: Any, scope: OfferScope) -> list[int] | None:
    if not ids:
        if scope.property_ids is not None:
            raise OfferInvalid("choose the hotels the offer runs at")
        return None
    try:
        wanted = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise OfferInvalid("hotels are given by id") from None
    known = set(session.scalars(select(Property.id).where(Property.id.in_(wanted))))
    if set(wanted) - known:
        raise OfferInvalid("unknown hotel")
    if scope.property_ids is not None and not set(wanted) <= scope.property_ids:
        raise OfferInvalid("an offer can only run at hotels you manage")
    return wanted


def _money(name: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise OfferInvalid(f"{name} must be a number") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e9"):
        raise OfferInvalid(f"{name} is out of range")
    return amount.quantize(Decimal("0.01"))


def _day(name: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise OfferInvalid(f"{name} must be a date (YYYY-MM-DD)") from None


def _whole(name: str, value: Any, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise OfferInvalid(f"{name} must be a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise OfferInvalid(f"{name} must be a whole number") from None
    if abs(number) > 10**6:
        raise OfferInvalid(f"{name} is out of range")
    return number
