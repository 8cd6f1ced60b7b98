"""What a pair has beyond a name, and what speaks against it (issue #17).

A full name shared with someone in the same city or country is what namesakes have: it never
merges alone, whatever its score. An automatic merge needs evidence *beyond the name* (birth
date, a personal contact, a loyalty id, the home address), and a conflict cancels one piece of
it: two records whose personal contacts (email, phone, loyalty id) all differ. A birth-year gap
of about a generation is a veto (guards.Vetoes says in which data): a typo moves a year that
far only as a transposed digit (1984/1948 is a typo, 1960/1990 is a father and a son). Birth
dates a few years apart weigh against a merge through their learned weight (and veto it where
the data shows guests keep their birth date); counting them as a conflict as well cost FEBRL3,
whose duplicates often carry another date, 54 of its 6,229 true pairs.
"""

from __future__ import annotations

import numpy as np

from .columns import RecordColumns
from .features import PairFeatures, level
from .normalize import NormalizedRecord

GENERATION_YEARS = 15  # birth years this far apart: parent and child, never one person


def _upto(feats: PairFeatures, fld: str, name: str) -> np.ndarray:
    lv = feats.levels[fld]
    return (lv >= 1) & (lv <= level(fld, name))


def _else(feats: PairFeatures, fld: str) -> np.ndarray:
    return feats.levels[fld] == level(fld, "else")


def beyond_name(feats: PairFeatures) -> np.ndarray:
    """Per pair: how many kinds of evidence other than the name agree (birth date, email,
    phone, loyalty id, home address counted once: street and postal code are one home)."""
    address = _upto(feats, "street", "similar") | _upto(feats, "place", "postal_code")
    return (
        _upto(feats, "dob", "typo_or_swap").astype(np.int8)
        + _upto(feats, "email", "fuzzy")
        + _upto(feats, "phone", "close")
        + _upto(feats, "loyalty", "exact")
        + address
    )


def contacts_differ(feats: PairFeatures, personal: dict[str, np.ndarray] | None = None
                    ) -> np.ndarray:
    """Both records carry a personal email, phone or loyalty id, and none of them agrees.

    `personal[kind][k]`: pair k's values on both sides are each used by one person only (a
    couple's home phone or shared address is no sign of two people when it differs from a
    mobile). Relay, placeholder and widely shared contacts are already missing here.
    """
    compared = _else(feats, "loyalty")  # one guest, one membership number per program
    agree = (_upto(feats, "email", "fuzzy") | _upto(feats, "phone", "close")
             | _upto(feats, "loyalty", "exact"))
    for fld in ("email", "phone"):
        differ = _else(feats, fld)
        if personal is not None:
            differ &= personal[fld]
        compared |= differ
    return compared & ~agree


def dob_years_apart(feats: PairFeatures, cols: RecordColumns, years: int) -> np.ndarray:
    """Birth dates that are no typo or swap of each other and more than `years` apart."""
    left, right = feats.left, feats.right
    both = (cols.dob_year_int[left] > 0) & (cols.dob_year_int[right] > 0)
    gap = np.abs(cols.dob_year_int[left] - cols.dob_year_int[right])
    return both & (gap > years) & ~_upto(feats, "dob", "typo_or_swap")


def generation_apart(feats: PairFeatures, cols: RecordColumns) -> np.ndarray:
    """The veto: birth years about a generation apart, not a transposed digit."""
    return dob_years_apart(feats, cols, GENERATION_YEARS - 1)


def records_generation_apart(a: NormalizedRecord, b: NormalizedRecord) -> bool:
    """generation_apart for two records (cluster joins)."""
    da, db = a.birth_date, b.birth_date
    if not da or not db or abs(int(da[:4]) - int(db[:4])) < GENERATION_YEARS:
        return False
    if a.full_birth_date and b.full_birth_date:
        if da[:4] + da[6:] + da[4:6] == db:
            return False
        diff = [k for k in range(8) if da[k] != db[k]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and da[diff[0]] == db[diff[1]] \
                and da[diff[1]] == db[diff[0]]:
            return False  # two adjacent digits transposed: 1984 and 1948
    return True


def against(feats: PairFeatures, cols: RecordColumns,
            personal: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Per pair: how many conflicts weigh against it (each cancels one piece of evidence)."""
    return contacts_differ(feats, personal).astype(np.int8)


def has_evidence(feats: PairFeatures, cols: RecordColumns,
                 personal: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """May this pair merge automatically? Two agreeing fields, so no single one decides
    alone, and at least one kind of evidence beyond the name once conflicts are paid for
    (first and last name together are still only a name); a Jr./Sr. on one side only also
    needs the birth date to agree."""
    dob_ok = _upto(feats, "dob", "typo_or_swap")
    agreeing = (
        dob_ok.astype(np.int8)
        + _upto(feats, "first", "phonetic")
        + _upto(feats, "last", "jw92")
        + _upto(feats, "email", "fuzzy")
        + _upto(feats, "phone", "close")
        + _upto(feats, "loyalty", "exact")
        + _upto(feats, "street", "similar")
        + _upto(feats, "place", "postal_and_city")
    )
    more = beyond_name(feats)
    enough = agreeing >= 2
    one_suffix = (cols.suffix[feats.left] >= 0) != (cols.suffix[feats.right] >= 0)
    return enough & (more - against(feats, cols, personal) >= 1) & ~(one_suffix & ~dob_ok)


def reviewable(feats: PairFeatures, personal: dict[str, np.ndarray] | None = None
               ) -> np.ndarray:
    """Where both sides have personal contacts and all differ, a name is not even worth a
    review: it takes something beyond the name."""
    return ~contacts_differ(feats, personal) | (beyond_name(feats) >= 1)


def personal_contacts(feats: PairFeatures, people: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per pair and contact field: each side's value is used by one person only."""
    return {fld: (people[kind][feats.left] <= 1) & (people[kind][feats.right] <= 1)
            for fld, kind in (("email", "email"), ("phone", "phone"))}


__all__ = ["GENERATION_YEARS", "against", "beyond_name", "contacts_differ",
           "dob_years_apart", "generation_apart", "has_evidence", "personal_contacts",
           "records_generation_apart", "reviewable"]
