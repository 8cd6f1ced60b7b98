"""How common each record's name and birth date are in the data being matched (term
frequencies for the Fellegi-Sunter adjustment)."""

from __future__ import annotations

import numpy as np

from .columns import RecordColumns


def _distinct_share(group: np.ndarray, value: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """Per record: share of distinct (value, partner) combinations in its group that carry
    its value. Counting combinations rather than records keeps a guest with fifteen stays
    from making their own name look common."""
    out = np.zeros(len(value))
    present = (value >= 0) & (group >= 0)
    if not present.any():
        return out
    g, v, p = group[present], value[present], partner[present] + 1
    vmax, pmax = int(v.max()) + 1, int(p.max()) + 1
    key = g * vmax + v
    triples = np.unique(key * pmax + p)
    t_key = triples // pmax
    keys, per_key = np.unique(t_key, return_counts=True)
    group_total = np.bincount(t_key // vmax, minlength=int(g.max()) + 1)
    idx = np.searchsorted(keys, key)
    out[present] = per_key[idx] / group_total[g]
    return out


def tf_per_record(cols: RecordColumns) -> dict[str, np.ndarray]:
    """Each record's share of its value, for the term-frequency adjustment.

    Names count within the record's country where known: "Evfrosiniya Kiseleva" is rare
    among all guests but not among Russian ones, and first and last name are far from
    independent across countries, so global shares would overstate a full-name match.
    """
    country = np.maximum(cols.country, -1) + 1  # 0 = unknown country: its own group
    everyone = np.zeros(cols.n, dtype=np.int64)
    return {
        "first": _distinct_share(country, cols.given, cols.last),
        "last": _distinct_share(country, cols.last, cols.given),
        "dob": _distinct_share(everyone, cols.dob, cols.last),
    }
