"""Per-field survivorship rules and where each surviving value came from (issue #17).

Rules, chosen per field (`DEFAULT_RULES`, overridable by passing another mapping):

* ``newest``: the newest reservation version that carried a value wins (addresses, company,
  consent: people move, change jobs and change their minds).
* ``trusted_source``: the most trusted source that carried a value wins, the newest among
  equals: staff edit > guest self-service > direct booking > PMS > OTA (names and birth
  date: what the guest typed on the hotel's own site beats an OTA's upper-case copy).
* ``most_frequent``: the value seen on most stays wins, the newest among equals (language
  and nationality: one booking made by a colleague in English does not relabel a German guest).

Staff and guest edits always win, whatever the rule. What each field's value came from is kept
in the profile's `field_versions` under "~sources" (and value counts under "~seen"), so merge
records and their undo carry it with the versions, and the profile page can show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Rule = Literal["newest", "trusted_source", "most_frequent"]
# Lowest trust first.
SOURCE_TIERS: tuple[str, ...] = ("ota", "pms", "direct", "guest", "staff")
SOURCE_LABELS = {"staff": "staff edit", "guest": "guest self-service",
                 "direct": "direct booking", "pms": "PMS", "ota": "OTA"}
DEFAULT_RULES: dict[str, Rule] = {
    "first_name": "trusted_source", "middle_name": "trusted_source",
    "last_name": "trusted_source", "name_prefix": "trusted_source",
    "name_title": "trusted_source", "birth_date": "trusted_source", "gender": "trusted_source",
    "language": "most_frequent", "nationality": "most_frequent",
}
SOURCES_KEY, SEEN_KEY = "~sources", "~seen"
MAX_SEEN = 8  # values counted per field; the rarest make room
# Booking channels (schemas.reservation.CHANNEL_KINDS) by the trust their data deserves: the
# guest's own booking on the hotel's site, the hotel's own entry, a third party's copy.
_CHANNEL_TIER = {"direct": "direct", "ota": "ota", "gds": "ota"}


def channel_tier(channel: str | None) -> str:
    """The source tier of a reservation's guest data: direct booking, OTA, else the PMS."""
    return _CHANNEL_TIER.get(channel or "", "pms")


def tier_rank(tier: str | None) -> int:
    return SOURCE_TIERS.index(tier) if tier in SOURCE_TIERS else -1


def _key(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class FieldState:
    """One profile's versions, sources and counts, read once and written back once."""

    def __init__(self, versions: Mapping | None) -> None:
        self.versions = {k: v for k, v in (versions or {}).items()
                         if k not in (SOURCES_KEY, SEEN_KEY)}
        self.sources = dict((versions or {}).get(SOURCES_KEY, {}))
        self.seen = {f: dict(c) for f, c in (versions or {}).get(SEEN_KEY, {}).items()}

    def dump(self) -> dict:
        out = dict(self.versions)
        if self.sources:
            out[SOURCES_KEY] = self.sources
        if self.seen:
            out[SEEN_KEY] = self.seen
        return out

    def count(self, field: str, value: object, times: int = 1) -> None:
        counts = self.seen.setdefault(field, {})
        key = _key(value)
        counts[key] = counts.get(key, 0) + times
        while len(counts) > MAX_SEEN:
            counts.pop(min((k for k in counts if k != key), key=counts.__getitem__))

    def wins(self, field: str, rule: Rule, current: object, version: str,
             tier: str | None, value: object) -> bool:
        """Does `value` (from `version`, source `tier`) replace the field's `current` one?"""
        mine = self.versions.get(field, "")
        if not mine:
            return True
        if tier in ("staff", "guest") or mine.startswith("~"):
            return version >= mine  # edits by hand: the newest edit, and above any vendor
        ours_tier = self.sources.get(field)
        if rule == "trusted_source" and ours_tier in SOURCE_TIERS and tier in SOURCE_TIERS:
            ours, theirs = tier_rank(ours_tier), tier_rank(tier)
            return theirs > ours or (theirs == ours and version >= mine)
        if rule == "most_frequent" and field in self.seen and current is not None:
            counts = self.seen[field]
            ours, theirs = counts.get(_key(current), 0), counts.get(_key(value), 0)
            return theirs > ours or (theirs == ours and version >= mine)
        return version >= mine

    def take(self, field: str, version: str, tier: str | None) -> None:
        self.versions[field] = version
        if tier is None:
            self.sources.pop(field, None)
        else:
            self.sources[field] = tier

    def uncount(self, seen: Mapping[str, Mapping[str, int]]) -> None:
        """Take back counts another profile brought (an undone merge)."""
        for field, counts in seen.items():
            mine = self.seen.get(field, {})
            for value, n in counts.items():
                if value in mine:
                    mine[value] -= n
                    if mine[value] <= 0:
                        del mine[value]
            if field in self.seen and not mine:
                del self.seen[field]


def source_of(field_versions: Mapping | None, field: str) -> str | None:
    """The label of the source the field's value came from ("direct booking"), if known."""
    tier = ((field_versions or {}).get(SOURCES_KEY) or {}).get(field)
    return SOURCE_LABELS.get(tier)


# The fields whose winning source the profile page and the desk drawer name.
SHOWN_SOURCES = ("first_name", "last_name", "birth_date", "language", "nationality", "street")


def shown_sources(field_versions: Mapping | None) -> dict[str, str | None]:
    """The label of each shown field's winning source ("direct booking"), None if unknown."""
    return {field: source_of(field_versions, field) for field in SHOWN_SOURCES}


__all__ = ["DEFAULT_RULES", "SHOWN_SOURCES", "SOURCE_LABELS", "SOURCE_TIERS", "FieldState",
           "Rule", "channel_tier", "shown_sources", "source_of", "tier_rank"]
