"""Survivorship of profile fields: per field, a rule (survivorship_rules.py) decides which
carried value wins: the newest, the most trusted source's, or the most frequent."""

from __future__ import annotations

from collections.abc import Mapping

from guestcrm.models import GuestProfile
from guestcrm.schemas.reservation import CanonicalGuest
from guestcrm.services.identity.survivorship_rules import DEFAULT_RULES, FieldState, Rule

PROFILE_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "name_prefix",
    "name_title",
    "birth_date",
    "gender",
    "language",
    "nationality",
    "street",
    "city",
    "postal_code",
    "state",
    "country",
    "company",
    "marketing_consent",
)
# Staff edits carry this version: it sorts above every vendor version, so manual edits win.
STAFF_VERSION = "~staff"
# The guest's own edits in the portal: above every vendor version, below staff edits.
GUEST_VERSION = "~guest"


def guest_values(guest: CanonicalGuest) -> dict[str, object]:
    values: dict[str, object] = {
        "first_name": guest.first_name,
        "middle_name": guest.middle_name,
        "last_name": guest.last_name,
        "name_prefix": guest.name_prefix,
        "name_title": guest.name_title,
        "birth_date": guest.birth_date,
        "gender": None if (guest.gender or "").lower() == "unknown" else guest.gender,
        "language": guest.language,
        "nationality": guest.nationality,
        "marketing_consent": next(
            (e.marketing_consent for e in guest.emails if e.marketing_consent is not None), None
        ),
    }
    if guest.address:
        values.update(
            street=guest.address.street,
            city=guest.address.city,
            postal_code=guest.address.postal_code,
            state=guest.address.state,
            country=guest.address.country,
        )
    return values


def _tier(version: str, source: str | None) -> str | None:
    if version == STAFF_VERSION:
        return "staff"
    if version == GUEST_VERSION:
        return "guest"
    return source


def apply_values(profile: GuestProfile, values: dict[str, object], version: str,
                 source: str | None = None, rules: Mapping[str, Rule] = DEFAULT_RULES,
                 count: bool = True) -> None:
    """Set each carried field whose rule lets this value win; remember where it came from.

    source: the tier of the data ("direct", "pms", "ota"; survivorship_rules.channel_tier),
    implied for staff and guest edits by their version. count: this is the stay's first
    delivery, so its values count towards "most frequent" (a re-delivery does not)."""
    state = FieldState(profile.field_versions)
    tier = _tier(version, source)
    for field, value in values.items():
        if value is None or value == "":
            continue
        value = value.strip() if isinstance(value, str) else value
        rule = rules.get(field, "newest")
        if rule == "most_frequent" and count and tier not in ("staff", "guest"):
            state.count(field, value)
        if state.wins(field, rule, getattr(profile, field), version, tier, value):
            setattr(profile, field, value)
            state.take(field, version, tier)
    profile.field_versions = state.dump()


def absorb_fields(survivor: GuestProfile, merged: GuestProfile,
                  rules: Mapping[str, Rule] = DEFAULT_RULES) -> None:
    """Merge two profiles' fields by each field's rule; counts of values add up."""
    mine, theirs = FieldState(survivor.field_versions), FieldState(merged.field_versions)
    for field, counts in theirs.seen.items():
        for value, n in counts.items():
            mine.count(field, value, n)
    for field in PROFILE_FIELDS:
        value = getattr(merged, field)
        if value is None:
            continue
        version, tier = theirs.versions.get(field, ""), theirs.sources.get(field)
        current = getattr(survivor, field)
        if current is None or mine.wins(field, rules.get(field, "newest"), current, version,
                                        tier, value) and version != mine.versions.get(field):
            setattr(survivor, field, value)
            mine.take(field, version, tier)
    survivor.field_versions = mine.dump()
    for field in ("vip_level", "notes"):
        if getattr(survivor, field) is None and getattr(merged, field) is not None:
            setattr(survivor, field, getattr(merged, field))


def profile_snapshot(profile: GuestProfile) -> dict[str, object]:
    """A JSON-able before-image of the profile's own fields (for merge records and audits)."""
    data = {f: getattr(profile, f) for f in PROFILE_FIELDS + ("vip_level", "notes")}
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    data["field_versions"] = dict(profile.field_versions or {})
    data["id"] = profile.id
    return data
