"""The offer form: its submitted text turned into the values services/perks/offers.py checks,
and an offer turned back into the form's text (so a refused form shows what was typed)."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from guestcrm.models import PerkOffer
from guestcrm.services.perks.rules import OfferInvalid

COUNT_RULES = ("nth_stay", "every_n_stays", "min_stays_12m", "min_nights_12m")
FLAG_RULES = ("ota_never_direct", "first_direct", "birthday_in_stay")
PLAIN = ("name", "guest_text", "perk_type", "amount", "unit_cost", "valid_from", "valid_until",
         "code_valid_days", "max_issued", "max_redeemed", "max_per_guest_per_year", "priority")


def offer_data(form: MultiDict) -> dict[str, Any]:
    """The submitted form as offer values; OfferInvalid names a field that is not a number."""
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in PLAIN}
    data["stackable"] = bool(form.get("stackable"))
    data["property_ids"] = form.getlist("property_ids")
    rule: dict[str, Any] = {"trigger": form.get("trigger", "stay_completed")}
    for name in COUNT_RULES:
        text = form.get(name, "").strip()
        if text:
            if not text.isdigit():
                raise OfferInvalid(f"{name.replace('_', ' ')} must be a whole number")
            rule[name] = int(text)
    for name in FLAG_RULES:
        if form.get(name):
            rule[name] = True
    for name in ("tiers", "segments"):
        chosen = form.getlist(name)
        if chosen:
            rule[name] = chosen
    data["rule"] = rule
    data["blackouts"] = _blackouts(form.get("blackouts", ""))
    return data


def offer_form(offer: PerkOffer | None) -> MultiDict:
    """The form's fields for an existing offer (empty for a new one, with defaults)."""
    if offer is None:
        return MultiDict({"trigger": "stay_completed", "perk_type": "late_checkout",
                          "code_valid_days": "365", "priority": "100"})
    values: list[tuple[str, str]] = []
    for name in PLAIN:
        value = getattr(offer, name)
        values.append((name, "" if value is None else str(value)))
    if offer.stackable:
        values.append(("stackable", "1"))
    values += [("property_ids", str(i)) for i in offer.property_ids or ()]
    rule = offer.rule or {}
    values.append(("trigger", rule.get("trigger", "stay_completed")))
    values += [(name, str(rule[name])) for name in COUNT_RULES if rule.get(name)]
    values += [(name, "1") for name in FLAG_RULES if rule.get(name)]
    values += [(name, v) for name in ("tiers", "segments") for v in rule.get(name, ())]
    values.append(("blackouts", "\n".join(f"{a} {b}" for a, b in offer.blackouts or ())))
    return MultiDict(values)


def _blackouts(text: str) -> list[list[str]]:
    """One range a line: `2026-12-24 2026-12-26` (or one date for a single day)."""
    ranges = []
    for line in text.splitlines():
        parts = line.replace(",", " ").replace("–", " ").split()
        if not parts:
            continue
        if len(parts) > 2:
            raise OfferInvalid(f"blackout '{line.strip()}': a first and a last date a line")
        ranges.append([parts[0], parts[-1]])
    return ranges
