"""Evidence beyond the name, read from a scored pair's level names (matching.evidence does
the same over arrays in the batch run): the latency path merges nothing on a name alone."""

from __future__ import annotations

# Level names that count as one kind of evidence beyond the name.
_BEYOND = {
    "dob": {"exact", "typo_or_swap"}, "email": {"exact", "fuzzy"}, "phone": {"exact", "close"},
    "loyalty": {"exact"},
}
_ADDRESS = {"street": {"same_house", "similar"}, "place": {"postal_and_city", "postal_code"}}


def beyond_name(levels: dict[str, str]) -> int:
    """Kinds of evidence other than the name among a pair's levels (the home counts once)."""
    count = sum(1 for f, agree in _BEYOND.items() if levels.get(f) in agree)
    return count + any(levels.get(f) in agree for f, agree in _ADDRESS.items())
