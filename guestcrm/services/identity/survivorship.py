"""Survivorship of profile fields: per field, the newest source that carried a value wins."""

from __future__ import annotations

from guestcrm.models import GuestProfile
from guestcrm.schemas.reservation import CanonicalGuest

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


def apply_values(profile: GuestProfile, values: dict[str, object], version: str) -> None:
    """Set each carried field whose current value came from an older version."""
    versions = dict(profile.field_versions or {})
    for field, value in values.items():
        if value is None or value == "":
            continue
        if version >= versions.get(field, ""):
            setattr(profile, field, value.strip() if isinstance(value, str) else value)
            versions[field] = version
    profile.field_versions = versions


def absorb_fields(survivor: GuestProfile, merged: GuestProfile) -> None:
    """Merge two profiles' fields: for each, the value with the newer version survives."""
    values = {f: getattr(merged, f) for f in PROFILE_FIELDS}
    versions = merged.field_versions or {}
    current = dict(survivor.field_versions or {})
    for field, value in values.items():
        if value is None:
            continue
        theirs = versions.get(field, "")
        if getattr(survivor, field) is None or theirs > current.get(field, ""):
            setattr(survivor, field, value)
            current[field] = theirs
    survivor.field_versions = current
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
