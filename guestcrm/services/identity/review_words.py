"""The scorer's evidence in words the front desk uses."""

from __future__ import annotations

FIELD_LABELS = {
    "first": "First name", "last": "Surname", "dob": "Birth date", "email": "Email",
    "phone": "Phone", "street": "Street", "place": "Town / postcode", "loyalty": "Loyalty number",
    "locale": "Country and language",
}
LEVEL_WORDS = {
    ("first", "exact"): "the same",
    ("first", "nickname"): "a nickname of the other (Bill / William)",
    ("first", "phonetic"): "sounds the same, spelled differently",
    ("first", "jw92"): "one or two letters differ", ("first", "jw80"): "similar spelling",
    ("first", "initial"): "only an initial on one side", ("first", "else"): "different",
    ("last", "exact"): "the same", ("last", "phonetic"): "sounds the same, spelled differently",
    ("last", "jw92"): "one or two letters differ", ("last", "jw80"): "similar spelling",
    ("last", "partial"): "one part of a double name", ("last", "else"): "different",
    ("dob", "exact"): "the same",
    ("dob", "typo_or_swap"): "one digit differs, or day and month swapped",
    ("dob", "two_edits"): "two digits differ", ("dob", "year"): "same year only",
    ("dob", "else"): "different",
    ("email", "exact"): "the same address", ("email", "fuzzy"): "almost the same address",
    ("email", "else"): "different addresses",
    ("phone", "exact"): "the same number", ("phone", "close"): "almost the same number",
    ("phone", "else"): "different numbers",
    ("street", "same_house"): "the same house", ("street", "similar"): "similar street",
    ("street", "else"): "different",
    ("place", "postal_and_city"): "same postcode and town",
    ("place", "postal_code"): "same postcode",
    ("place", "city"): "same town", ("place", "else"): "different",
    ("loyalty", "exact"): "the same number", ("loyalty", "else"): "different numbers",
    ("locale", "both"): "both agree", ("locale", "one"): "one of them agrees",
    ("locale", "else"): "different",
}


def describe(field: str, level: str) -> str:
    if level == "missing":
        return "not known on both sides: no evidence either way"
    return LEVEL_WORDS.get((field, level), level.replace("_", " "))


def strength(bits: float | None) -> str:
    """A weight in bits as a word: how much this field moved the decision."""
    if bits is None:
        return ""
    if bits >= 8:
        return "strongly for"
    if bits >= 2:
        return "for"
    if bits > -2:
        return "neutral"
    if bits > -8:
        return "against"
    return "strongly against"


def evidence_rows(evidence: dict) -> list[dict]:
    levels = evidence.get("levels", evidence)
    bits = evidence.get("bits", {})
    return [{"field": FIELD_LABELS.get(f, f), "words": describe(f, level),
             "strength": strength(bits.get(f)), "bits": bits.get(f), "level": level}
            for f, level in levels.items() if isinstance(level, str)]


def likelihood(probability: float) -> str:
    """How the matcher rates a pair it asks a person about, in words: a pair in the queue is
    there because the rules want a person to decide (a conflict, too little evidence of its
    own), so a score near certainty must not read as "100 %"."""
    if probability >= 0.99:
        return "very likely by the score, but the rules want a person to decide"
    if probability >= 0.9:
        return "likely"
    if probability >= 0.5:
        return "possible"
    return "unlikely"
