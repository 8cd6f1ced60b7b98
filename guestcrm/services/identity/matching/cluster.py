"""From scored pairs to profiles without chaining false merges.

Plain connected components let one wrong link join two people (A~B, B~C, so A=C even when A
and C are a couple). Here links are applied strongest first, and two clusters are joined only
if no member of one conflicts with a member of the other. Before that, a record whose strong
links point to people who conflict with each other (a surname and a shared family phone, no
first name) is held back: it cannot tell which of them it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


class _Clusters:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def join(self, a: int, b: int) -> int:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))
        return a


class ConflictCheck:
    """Conflicts between records, asked once per distinct pair of record profiles.

    A record's profile is whatever the conflict rules look at (names, birth date, suffix);
    the many records of one guest mostly share a few, so joining two clusters of fifteen
    records costs a handful of checks, not 225.
    """

    def __init__(self, profile_ids: Sequence[int], conflict: Callable[[int, int], bool]):
        self.profile_of = list(profile_ids)
        self._representative: dict[int, int] = {}
        for i, key in enumerate(self.profile_of):
            self._representative.setdefault(key, i)
        self._conflict = conflict
        self._memo: dict[tuple[int, int], bool] = {}

    def profiles(self, i: int) -> set[int]:
        return {self.profile_of[i]}

    def between(self, ka: int, kb: int) -> bool:
        key = (ka, kb) if ka <= kb else (kb, ka)
        hit = self._memo.get(key)
        if hit is None:
            rep = self._representative
            hit = self._memo[key] = self._conflict(rep[key[0]], rep[key[1]])
        return hit

    def __call__(self, i: int, j: int) -> bool:
        return self.between(self.profile_of[i], self.profile_of[j])


def ambiguous_records(
    left: np.ndarray,
    right: np.ndarray,
    weights: np.ndarray,
    conflict: Callable[[int, int], bool],
    margin_bits: float,
) -> set[int]:
    """Records linked strongly to two people who cannot be the same person."""
    links: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for a, b, w in zip(left.tolist(), right.tolist(), weights.tolist(), strict=True):
        links[a].append((w, b))
        links[b].append((w, a))
    held = set()
    for rec, partners in links.items():
        if len(partners) < 2:
            continue
        partners.sort(reverse=True)
        best_w, best = partners[0]
        for w, other in partners[1:]:
            if best_w - w > margin_bits:
                break
            if conflict(best, other):
                held.add(rec)
                break
    return held


@dataclass
class ContactEvidence:
    """What a join between clusters would learn from contacts seen elsewhere in them.

    A link may be scored on two records that lack a phone, while the rest of each cluster
    shows a phone, and not the same one: two namesakes, each with their own line. Per field,
    codes[field][i] is record i's value (-1 none) and bits[field] the learned weight of a
    disagreement (negative); level[field][k] is that field's level on link k (0 = not
    compared, so the cluster-level disagreement is news).

    beyond[k]: how many kinds of evidence beyond the name link k has (evidence.beyond_name).
    When both clusters hold personal contacts and none is shared, that conflict cancels one
    of them, as it does for a pair: a link on name and home address alone does not join a
    parent to a child who each have their own phone and email.
    """

    codes: dict[str, np.ndarray]
    bits: dict[str, float]
    level: dict[str, np.ndarray]
    min_weight: float  # a join must keep at least this weight
    beyond: np.ndarray | None = None

    def __post_init__(self) -> None:
        self._lists = {f: c.tolist() for f, c in self.codes.items()}  # fast item access

    def values(self, i: int) -> dict[str, frozenset[int]]:
        return {f: frozenset() if c[i] < 0 else frozenset((c[i],)) for f, c in self._lists.items()}


def cluster(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    weights: np.ndarray,
    conflict: ConflictCheck,
    margin_bits: float = 5.0,
    max_cluster: int = 500,
    contacts: ContactEvidence | None = None,
) -> tuple[np.ndarray, dict[str, int]]:
    """Cluster label per record from merge-grade links (left[k], right[k], weights[k]).

    Returns labels (the smallest record index in each cluster) and counts of refused joins.
    """
    held = ambiguous_records(left, right, weights, conflict, margin_bits)
    clusters = _Clusters(n)
    profiles: dict[int, set[int]] = {}
    seen: dict[int, dict[str, frozenset[int]]] = {}
    refused = refused_contacts = 0
    for k in np.argsort(-weights, kind="stable").tolist():
        a, b = int(left[k]), int(right[k])
        if a in held or b in held:
            continue
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue
        pa = profiles.get(ra) or conflict.profiles(ra)
        pb = profiles.get(rb) or conflict.profiles(rb)
        too_big = len(clusters.members[ra]) + len(clusters.members[rb]) > max_cluster
        if too_big or any(conflict.between(x, y) for x in pa for y in pb):
            refused += 1
            continue
        if contacts is not None:
            va = seen.get(ra) or contacts.values(ra)
            vb = seen.get(rb) or contacts.values(rb)
            weight = float(weights[k])
            compared = shared = False
            for f, bits in contacts.bits.items():
                if not (va[f] and vb[f]):
                    continue
                if va[f] & vb[f]:
                    shared = True
                    continue
                compared = True
                if contacts.level[f][k] == 0:
                    weight += bits
            differ = compared and not shared and contacts.beyond is not None
            if weight < contacts.min_weight or (differ and contacts.beyond[k] < 2):
                refused_contacts += 1
                continue
            merged = {f: va[f] | vb[f] for f in va}
        root = clusters.join(ra, rb)
        for old in (ra, rb):
            profiles.pop(old, None)
            seen.pop(old, None)
        profiles[root] = pa | pb
        if contacts is not None:
            seen[root] = merged
    labels = np.empty(n, dtype=np.int64)
    for members in clusters.members.values():
        labels[members] = min(members)
    return labels, {"held_ambiguous": len(held), "refused_joins": refused,
                    "refused_contacts": refused_contacts}
