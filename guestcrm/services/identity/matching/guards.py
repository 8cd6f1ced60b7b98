"""Guards against false merges, the costlier error: one guest's data shown to another.

* Shared contacts: an email, phone, address or loyalty id used by several different people
  (a travel agent, a company booker, a family, a placeholder) is discounted, and ignored once
  `shared_limit` people use it. The count comes from the data itself.
* Conflicts: two records that cannot be one person whatever else agrees - different birth
  dates (not a typo or day/month swap; a generation apart: evidence.py), Jr. against Sr.,
  clearly different first names (the couple or siblings sharing surname, address and phone),
  or a pair staff marked as different.
* Evidence (evidence.py): an automatic merge needs something beyond the name, after
  conflicting personal contacts are paid for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler

from .columns import RecordColumns
from .evidence import generation_apart, records_generation_apart
from .features import LEVELS, PairFeatures, level
from .names import are_nicknames
from .normalize import NormalizedRecord

CONTACT_KINDS: tuple[str, ...] = ("email", "phone", "address", "loyalty")


def contact_value(rec: NormalizedRecord, kind: str) -> str | None:
    if kind == "email":
        return rec.email
    if kind == "phone":
        return rec.phone_tail
    if kind == "address":
        return rec.address_key
    return rec.loyalty_id


def same_person_names(a: NormalizedRecord, b: NormalizedRecord) -> bool:
    """Could these names belong to one person? Missing parts are compatible with anything."""
    if a.given and b.given and first_names_conflict(a, b):
        return False
    if a.last and b.last and a.last != b.last:
        if JaroWinkler.normalized_similarity(a.last, b.last) < 0.85 and not (
            set(a.last_tokens) & set(b.last_tokens)
        ):
            # Swapped first/last name fields are still one person.
            return bool(a.given and b.given and a.given == b.last and a.last == b.given)
    return True


def contact_sharing(
    records: Sequence[NormalizedRecord], limit: int
) -> dict[str, dict[str, int]]:
    """For every contact value used by 2+ records: how many different people use it (<= limit)."""
    groups: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in CONTACT_KINDS}
    for i, rec in enumerate(records):
        for kind in CONTACT_KINDS:
            value = contact_value(rec, kind)
            if value:
                groups[kind][value].append(i)
    sharing: dict[str, dict[str, int]] = {k: {} for k in CONTACT_KINDS}
    for kind, by_value in groups.items():
        for value, members in by_value.items():
            if len(members) < 2:
                continue
            people: list[NormalizedRecord] = []
            for i in members:
                rec = records[i]
                if not (rec.given or rec.last):
                    continue
                if not any(same_person_names(rec, p) for p in people):
                    people.append(rec)
                    if len(people) >= limit:
                        break
            if len(people) >= 2:
                sharing[kind][value] = len(people)
    return sharing


def _compatible_given(a: str, b: str, pa: str | None, pb: str | None) -> bool:
    """Could a and b be one given name: equal, initial, nickname, sound-alike, short form
    (Chris/Christopher) or a typo. Mere likeness is not enough: Dario/Adriano and
    Marietta/Margret are a couple, not a typo."""
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    if are_nicknames(a, b):
        return True
    if pa is not None and pa == pb and min(len(a), len(b)) >= 5:
        return True  # sound-alike; metaphone is coarse on short names (John, Jane, Joan: JN)
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return True
    return OSA.distance(a, b) <= (1 if max(len(a), len(b)) <= 5 else 2)


def _name_key(r: NormalizedRecord) -> tuple:
    return (r.given, r.middle, r.last, r.given_phonetic, r.last_phonetic)


def first_names_conflict(a: NormalizedRecord, b: NormalizedRecord) -> bool:
    """Clearly different given names: not equal, nickname, sound-alike or near-spelling,
    even allowing for first and last name entered the other way round on either side."""
    if not a.given or not b.given:
        return False
    return _names_conflict(_name_key(a), _name_key(b))


@lru_cache(maxsize=1 << 20)
def _names_conflict(ka: tuple, kb: tuple) -> bool:
    """first_names_conflict on the few fields it reads; one guest's records repeat them."""
    ga, ma, la, pa, pla = ka
    gb, mb, lb, pb, plb = kb
    if _compatible_given(ga, gb, pa, pb):
        # Jean-Pierre and Jean-Luc share a first token and are still two people.
        return bool(ma and mb and not _compatible_given(ma, mb, None, None))
    # Swapped fields: "Harding Beth" against "Elizabeth Harding", or against "Elizabeth".
    cross_a = bool(lb) and _compatible_given(ga, lb, pa, plb)
    cross_b = bool(la) and _compatible_given(la, gb, pla, pb)
    return not ((cross_a and (cross_b or not la)) or (cross_b and not lb))


def birth_dates_conflict(a: NormalizedRecord, b: NormalizedRecord) -> bool:
    da, db = a.birth_date, b.birth_date
    if not da or not db or da == db:
        return False
    if not (a.full_birth_date and b.full_birth_date):
        return abs(int(da[:4]) - int(db[:4])) > 1
    if da[:4] + da[6:] + da[4:6] == db:  # day and month swapped
        return False
    diff = [k for k in range(8) if da[k] != db[k]]
    if len(diff) == 1:  # one digit: a typo unless it moves the year by a decade or more
        return abs(int(da[:4]) - int(db[:4])) >= 10
    p, q = diff if len(diff) == 2 else (0, 0)
    return not (q == p + 1 and da[p] == db[q] and da[q] == db[p])


@dataclass(frozen=True)
class Vetoes:
    """Which disagreements prove "different people" in this data.

    A field vetoes a merge only where the learned weights say true matches almost never
    disagree on it (log2 m/u of its disagreement level at or below -veto_bits). Guest data
    qualifies: a guest keeps first name and birth date. Data where duplicates often carry
    another first name (FEBRL's corrupted copies) does not, and there the negative weight
    alone decides. Birth years a generation apart veto wherever either field does (people
    keep their fields in this data); where neither does (FEBRL, whose corrupted copies carry
    a random birth date a third of the time) that gap is what a corrupted copy looks like,
    and a veto there cost 207 true pairs of FEBRL3's 6,229. Jr./Sr. and staff's cannot-link
    pairs always veto.
    """

    first: bool = True
    dob: bool = True

    @classmethod
    def from_bits(cls, bits: dict[str, np.ndarray], veto_bits: float) -> Vetoes:
        return cls(first=bool(bits["first"][-1] <= -veto_bits),
                   dob=bool(bits["dob"][-1] <= -veto_bits))


def records_conflict(a: NormalizedRecord, b: NormalizedRecord, vetoes: Vetoes = Vetoes()) -> bool:
    """True when a and b are surely different people; used when joining clusters."""
    if a.suffix and b.suffix and a.suffix != b.suffix:
        return True
    if (vetoes.first or vetoes.dob) and records_generation_apart(a, b):
        return True
    return (vetoes.dob and birth_dates_conflict(a, b)) or (
        vetoes.first and first_names_conflict(a, b)
    )


def pair_conflicts(
    feats: PairFeatures,
    cols: RecordColumns,
    vetoes: Vetoes = Vetoes(),
    cannot_link: Collection[frozenset[str]] = (),
) -> np.ndarray:
    """Vectorised records_conflict over scored pairs, plus the explicit cannot-link pairs."""
    lv, left, right = feats.levels, feats.left, feats.right
    conflict = np.zeros(len(feats), dtype=bool)
    if vetoes.dob:
        full = (cols.dob[left] >= 0) & (cols.dob[right] >= 0)
        year_gap = np.abs(cols.dob_year_int[left] - cols.dob_year_int[right])
        # Full dates two edits or more apart; a year alone more than a year off.
        conflict |= (full & (lv["dob"] >= level("dob", "two_edits"))) | (
            (lv["dob"] == level("dob", "else")) & (year_gap > 1)
        )
    if vetoes.first:
        # Only these levels can hold a conflict; the exact test also allows for swapped
        # name fields and looks at second given names.
        first = lv["first"]
        m_l, m_r = cols.middle[left], cols.middle[right]
        loose = (first == level("first", "jw92")) | (first == level("first", "jw80"))
        idx = np.flatnonzero(
            loose | (first == level("first", "else")) | ((m_l >= 0) & (m_r >= 0) & (m_l != m_r))
        )
        recs = cols.records
        conflict[idx] = [first_names_conflict(recs[i], recs[j])
                         for i, j in zip(left[idx], right[idx], strict=True)]
    s_l, s_r = cols.suffix[left], cols.suffix[right]
    conflict |= (s_l >= 0) & (s_r >= 0) & (s_l != s_r)
    if vetoes.first or vetoes.dob:
        conflict |= generation_apart(feats, cols)
    if cannot_link:
        ids = [r.record_id for r in cols.records]
        for k in range(len(feats)):
            if frozenset((ids[left[k]], ids[right[k]])) in cannot_link:
                conflict[k] = True
    return conflict


_CONTACT_FIELD = {"email": "email", "phone": "phone", "address": "street", "loyalty": "loyalty"}


def sharing_per_record(
    records: Sequence[NormalizedRecord], sharing: dict[str, dict[str, int]]
) -> dict[str, np.ndarray]:
    """Per record and contact kind: how many people use its value (1 when it is its own)."""
    out = {}
    for kind in CONTACT_KINDS:
        table = sharing.get(kind, {})
        out[kind] = np.fromiter(
            (table.get(contact_value(r, kind) or "", 1) for r in records),
            dtype=np.int64, count=len(records),
        )
    return out


def discount_shared(
    feats: PairFeatures, people: dict[str, np.ndarray], limit: int
) -> np.ndarray:
    """Null the levels of widely shared contacts in place; bits to add for lightly shared ones.

    A value two people use (a couple's email) still says "one of the two": log2(2) bits less.
    """
    adjust = np.zeros(len(feats), dtype=np.float64)
    for kind, fld in _CONTACT_FIELD.items():
        k = np.maximum(people[kind][feats.left], people[kind][feats.right])
        levels = feats.levels[fld]
        levels[k >= limit] = 0
        agree = (levels >= 1) & (levels < len(LEVELS[fld])) & (k > 1)  # any but "else"
        adjust[agree] -= np.log2(k[agree])
    return adjust
