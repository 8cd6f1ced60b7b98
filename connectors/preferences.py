"""Structured guest preferences from free text (English, German) and from OTA codes.

A preference is a fact the front desk can act on (non-smoking room, king bed, cot...). Free
text is read clause by clause: a mention under a negation ("no feathers" aside, which is a
pattern of its own) is dropped or flipped, and a question ("Sind Hunde erlaubt?") states no
preference unless it is a polite request ("Could we get a cot?").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from guestcrm.schemas.reservation import COMMENT_MAX, CanonicalPreference

# --- code tables -------------------------------------------------------------------------
# OTA Room Amenity Type (RMA) codes that express a guest preference when requested.
ROOM_AMENITY_CODES: dict[str, tuple[str, str]] = {
    "7": ("balcony", "yes"),  # balcony/lanai/terrace
    "58": ("bed", "king"),
    "74": ("smoking", "non_smoking"),
    "101": ("smoking", "smoking"),
    "140": ("pets", "yes"),  # pets allowed
    "161": ("accessible", "yes"),
    "187": ("allergy", "feather_free"),  # hypoallergenic pillows
}
# OTA Bed Type Code (BED) list, as used by RoomType/@BedTypeCode.
BED_TYPE_CODES: dict[str, str] = {
    "1": "double", "3": "king", "5": "queen", "8": "twin", "9": "single",
}
# SpecialRequest/@RequestCode values with a fixed meaning (AlpineBits 2020-10+ pets request).
REQUEST_CODES: dict[str, tuple[str, str]] = {"PET": ("pets", "yes"), "PETS": ("pets", "yes")}
# RoomType/Amenity/@PreferLevel values that mean "do not give me this".
REFUSING_PREFER_LEVELS = {"unacceptable", "notpreferred"}

# --- free-text tables (patterns are matched on lower-cased text) ---------------------------
NEGATORS = {
    "no", "not", "non", "without", "don't", "dont", "never", "nor",
    "kein", "keine", "keinen", "keinem", "keiner", "nicht", "ohne", "nie",
}
# (key, value, pattern, value when negated or None to drop, clause words that cancel it)
_RULES: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("smoking", "non_smoking",
     r"\bnon[- ]?smok\w*|\bsmoke[- ]?free\b|\bno[- ]smoking\b|\bdon'?t smoke\b|\bdo not smoke\b"
     r"|\bnichtraucher\w*|\brauchfrei\w*|\bnicht\s+rauchen\b|\brauche\s+nicht\b", None, None),
    ("smoking", "smoking", r"\bsmok(?:ing|er)\b|\braucher(?:zimmer)?\b|\brauchen\b",
     "non_smoking", None),
    ("bed", "twin",
     r"\btwin(?:[- ]?beds?)?\b|\b(?:two|2|zwei)\s+(?:single|einzel)[- ]?(?:beds|betten)\b"
     r"|\beinzelbetten\b|\bgetrennte\w*\s+betten\b|\bseparate\s+beds\b", None, None),
    ("bed", "double",
     r"\bdouble[- ]?beds?\b|\bdoppelbett\w*|\bfranz[öo]sische\w*\s+bett\w*|\bgrand lit\b",
     None, None),
    ("bed", "king", r"\bking(?:[- ]?size)?(?:[- ]?beds?)?\b|\bkingsize\w*", None, None),
    ("bed", "queen", r"\bqueen(?:[- ]?size)?(?:[- ]?beds?)?\b", None, None),
    ("bed", "single", r"\bsingle[- ]?bed\b|\beinzelbett\b", None, None),
    ("floor", "high",
     r"\b(?:high|higher|highest|upper|top)\s+floors?\b"
     r"|\b(?:hohe|hoher|hohen|höhere|höheren|obere|oberen|oberste|obersten)[rs]?\s+"
     r"(?:etage|stockwerk|stock|geschoss)\b", None, None),
    ("floor", "low",
     r"\b(?:low|lower|lowest|ground)\s+floors?\b|\berdgeschoss\w*|\bparterre\b|\bebenerdig\w*"
     r"|\b(?:untere|unteren|niedrige|niedrigen)[rs]?\s+(?:etage|stockwerk|stock|geschoss)\b",
     None, None),
    ("quiet_room", "yes",
     r"\bquiet\w*|\bruhig\w*|\baway from (?:the )?(?:elevator|lift|street|road|bar)\b", None, None),
    ("cot", "yes",
     r"\b(?:baby\s*|travel\s*)?cots?\b|\bcribs?\b|\bbaby\s*beds?\b|\bbabybett\w*"
     r"|\bkinderbett\w*|\bgitterbett\w*|\breisebett\w*", None, None),
    ("accessible", "yes",
     r"\baccessib\w*|\bwheel\s*chair\w*|\brollstuhl\w*|\bbarrierefrei\w*"
     r"|\bbehindertengerecht\w*|\bgehbehindert\w*|\bmobility\s+impair\w*", None, None),
    ("allergy", "feather_free",
     r"\bfeather[- ]?free\b|\b(?:no|without)\s+feathers?\b|\bnon[- ]?feather\b|\bhypo-?allergen\w*"
     r"|\banti-?allerg\w*|\bfederfrei\w*|\b(?:ohne|keine)\s+federn\b|\ballergiker\w*"
     r"|\bfederallerg\w*", None, None),
    ("pets", "dog", r"\bdogs?\b|\bpupp(?:y|ies)\b|\bhund(?:e|en|es|chen)?\b|\bwelpen?\b",
     None, r"allerg"),
    ("pets", "cat", r"\bcats?\b|\bkatzen?\b|\bkater\b", None, r"allerg"),
    ("pets", "yes", r"\bpets?\b|\bhaustier\w*", None, r"allerg"),
    ("diet", "vegan", r"\bvegan\w*", None, None),
    ("diet", "vegetarian", r"\bvegetari\w*|\bvegetarisch\w*|\bveggie\b", None, None),
    ("diet", "gluten_free",
     r"\bgluten[- ]?free\b|\bglutenfrei\w*|\b(?:no|ohne)\s+gluten\b|\bz[öo]liakie\b"
     r"|\bc(?:o)?eliac\b|\bgluten\s*(?:intoleran|unverträglich)\w*", None, None),
    ("diet", "lactose_free",
     r"\blactose[- ]?free\b|\blaktosefrei\w*|\blactose\s+intoleran\w*|\blaktoseintoleran\w*",
     None, None),
    ("balcony", "yes", r"\bbalcon\w*|\bbalkon\w*|\bterrasse\b", None, None),
)
# Questions that are really requests ("Could we get a cot?", "Könnten wir ... bekommen?").
_REQUEST_QUESTION = re.compile(
    r"^\s*(?:could|can|may|would)\s+(?:i|we|you)\b.*\b(?:have|get|give|book|reserve|provide"
    r"|arrange|prepare|put)\b"
    r"|^\s*(?:könnten|können|kann|dürften|dürfen|darf|würden|wäre es möglich)\b.*\b(?:bekommen"
    r"|haben|erhalten|buchen|reservieren|bereitstellen|geben|stellen)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
_SCOPE_BREAK = re.compile(r"[,:(/]|\bbut\b|\baber\b|\bsondern\b|\bplease\b|\bbitte\b")
_WORD = re.compile(r"[\w'-]+")


@dataclass(frozen=True)
class _Rule:
    key: str
    value: str
    pattern: re.Pattern[str]
    negated_value: str | None
    unless: re.Pattern[str] | None


RULES = tuple(
    _Rule(key, value, re.compile(pattern), negated, re.compile(unless) if unless else None)
    for key, value, pattern, negated, unless in _RULES
)


def preferences_from_text(text: str | None, source: str = "comment") -> list[CanonicalPreference]:
    """Preferences stated in free text; questions and negated mentions state none."""
    if not text:
        return []
    found: list[CanonicalPreference] = []
    # Past the longest comment a reservation may carry it is refused anyway: read no further.
    for match in _CLAUSE.finditer(text[:COMMENT_MAX].lower()):
        clause = match.group(0)
        if clause.rstrip().endswith("?") and not _REQUEST_QUESTION.search(clause):
            continue
        found.extend(_clause_preferences(clause, source))
    return merge_preferences(found)


def _clause_preferences(clause: str, source: str) -> list[CanonicalPreference]:
    # Linear in the clause: which characters an earlier match took is a mask (no list of spans
    # scanned per match), and negation scopes are read off positions found once per clause.
    taken = bytearray(len(clause))
    scopes = _Scopes(clause)
    found = []
    for rule in RULES:
        if rule.unless is not None and rule.unless.search(clause):
            continue
        for match in rule.pattern.finditer(clause):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            value = rule.negated_value if scopes.negated(start) else rule.value
            if value is not None:
                found.append(CanonicalPreference(rule.key, value, source))
    return found


class _Scopes:
    """Where negation scopes break and where the words are, found once per clause: a mention
    is negated when one of the three words before it, after the last scope break, negates."""

    def __init__(self, clause: str) -> None:
        self.clause = clause
        self.breaks = [m.end() for m in _SCOPE_BREAK.finditer(clause)]
        self.words = [m.span() for m in _WORD.finditer(clause)]
        self.word_starts = [start for start, _ in self.words]

    def negated(self, start: int) -> bool:
        index = bisect_right(self.breaks, start) - 1
        scope_start = self.breaks[index] if index >= 0 else 0
        before = bisect_left(self.word_starts, start)
        for word_start, word_end in reversed(self.words[max(0, before - 3):before]):
            if word_start < scope_start:
                break
            if self.clause[word_start:min(word_end, start)] in NEGATORS:
                return True
        return False


def preferences_from_amenity(code: str | None, prefer_level: str | None = None,
                             source: str = "request") -> list[CanonicalPreference]:
    """An OTA RoomAmenity (RMA) code the guest asked for."""
    if not code or (prefer_level or "").lower().replace(" ", "") in REFUSING_PREFER_LEVELS:
        return []
    mapped = ROOM_AMENITY_CODES.get(code.strip())
    return [CanonicalPreference(mapped[0], mapped[1], source)] if mapped else []


def preferences_from_room_type(non_smoking: str | None, bed_type_code: str | None,
                               source: str = "request") -> list[CanonicalPreference]:
    """RoomType/@NonSmoking and @BedTypeCode. NonSmoking="false" only says smoking is not
    excluded, which is not a wish to smoke, so it yields nothing."""
    found = []
    if (non_smoking or "").strip().lower() in ("true", "1"):
        found.append(CanonicalPreference("smoking", "non_smoking", source))
    bed = BED_TYPE_CODES.get((bed_type_code or "").strip())
    if bed:
        found.append(CanonicalPreference("bed", bed, source))
    return found


def preferences_from_request(code: str | None, text: str | None,
                             source: str = "request") -> list[CanonicalPreference]:
    """A SpecialRequest: a known RequestCode and whatever its text says."""
    found = []
    mapped = REQUEST_CODES.get((code or "").strip().upper())
    if mapped:
        found.append(CanonicalPreference(mapped[0], mapped[1], source))
    found.extend(preferences_from_text(text, source))
    return merge_preferences(found)


def merge_preferences(*groups: Iterable[CanonicalPreference]) -> list[CanonicalPreference]:
    """De-duplicate by (key, value), first one wins; a specific value replaces a bare "yes"."""
    merged: dict[tuple[str, str], CanonicalPreference] = {}
    for group in groups:
        for pref in group:
            merged.setdefault((pref.key, pref.value), pref)
    specific = {key for key, value in merged if value != "yes"}
    return [p for (key, value), p in merged.items() if value != "yes" or key not in specific]
