"""Contacts that namesakes share: no evidence for either of them.

A parent and an adult child with the same full name often give the same home phone (or one
gives the other's mobile). Counting "people per contact" by names sees one person there;
their birth dates (a generation apart) or Jr./Sr. show two. Between two records that both
carry such a value, agreeing on it says nothing about which namesake each record is: the
agreement is dropped (level 0), and the value counts as used by two people, so it is not
a personal contact either (evidence.contacts_differ).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from .evidence import records_generation_apart
from .features import PairFeatures
from .guards import contact_value, same_person_names
from .normalize import NormalizedRecord

_FIELDS = {"email": "email", "phone": "phone"}  # contact kind -> compared field
MAX_GROUP = 50  # a value used more often is a shared contact anyway (guards.contact_sharing)


def _apart(a: NormalizedRecord, b: NormalizedRecord) -> bool:
    if a.suffix and b.suffix and a.suffix != b.suffix:
        return True
    return records_generation_apart(a, b)


def namesake_contacts(records: Sequence[NormalizedRecord]) -> dict[str, np.ndarray]:
    """Per contact kind, per record: its value is used by namesakes who are two people."""
    out = {}
    for kind in _FIELDS:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, rec in enumerate(records):
            value = contact_value(rec, kind)
            if value:
                groups[value].append(i)
        flag = np.zeros(len(records), dtype=bool)
        for members in groups.values():
            if not 2 <= len(members) <= MAX_GROUP:
                continue
            dated = [records[i] for i in members if records[i].birth_date or records[i].suffix]
            if any(same_person_names(a, b) and _apart(a, b)
                   for x, a in enumerate(dated) for b in dated[x + 1:]):
                flag[members] = True
        out[kind] = flag
    return out


def discount_namesake_contacts(feats: PairFeatures, flags: dict[str, np.ndarray],
                               people: dict[str, np.ndarray]) -> None:
    """In place: agreements on namesakes' shared values become "not compared", and those
    values count as used by at least two people."""
    for kind, fld in _FIELDS.items():
        flag = flags[kind]
        if not flag.any():
            continue
        both = flag[feats.left] & flag[feats.right]
        feats.levels[fld][both] = 0
        people[kind] = np.where(flag, np.maximum(people[kind], 2), people[kind])
