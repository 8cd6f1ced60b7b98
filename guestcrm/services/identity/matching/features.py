"""Comparison levels per field for many pairs at once.

Level 0 always means "cannot compare" (a side is missing or was discounted): it carries no
weight. Levels 1.. run from the strongest agreement to plain disagreement (the last one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from .columns import RecordColumns
from .names import are_nicknames

LEVELS: dict[str, tuple[str, ...]] = {
    "first": ("exact", "nickname", "phonetic", "jw92", "jw80", "initial", "else"),
    "last": ("exact", "phonetic", "jw92", "jw80", "partial", "else"),
    "dob": ("exact", "typo_or_swap", "two_edits", "year", "else"),
    "email": ("exact", "fuzzy", "else"),
    "phone": ("exact", "close", "else"),
    "street": ("same_house", "similar", "else"),
    "place": ("postal_and_city", "postal_code", "city", "else"),
    "loyalty": ("exact", "else"),
    "locale": ("both", "one", "else"),
}
FIELDS: tuple[str, ...] = tuple(LEVELS)


def level(field: str, name: str) -> int:
    """The number of a named level, e.g. level("dob", "two_edits") == 3."""
    return LEVELS[field].index(name) + 1


@dataclass
class PairFeatures:
    left: np.ndarray
    right: np.ndarray
    levels: dict[str, np.ndarray]  # field -> int8 level per pair
    swapped: np.ndarray  # first/last names were entered the other way round on one side

    def __len__(self) -> int:
        return len(self.left)


def _workers(n: int) -> int:
    # Starting rapidfuzz's thread pool costs ~0.3-0.8 ms a call: worth it for a batch run,
    # most of the latency budget when one reservation is scored against a few candidates.
    return -1 if n >= 2000 else 1


def _jw(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    return process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity,
                          workers=_workers(len(a)))


def _both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a >= 0) & (b >= 0)


def _pick(levels: np.ndarray, conditions: list[np.ndarray], valid: np.ndarray) -> None:
    """Assign level k+1 where conditions[k] first holds; the last level elsewhere."""
    out = np.full(len(levels), len(conditions) + 1, dtype=np.int8)
    for k in range(len(conditions) - 1, -1, -1):
        out[conditions[k]] = k + 1
    levels[valid] = out[valid]


def _related_pairs(names_a: np.ndarray, names_b: np.ndarray, mask: np.ndarray, test) -> np.ndarray:
    """Apply a pure-Python test once per distinct pair of values, not once per pair."""
    result = np.zeros(len(mask), dtype=bool)
    idx = np.flatnonzero(mask)
    seen: dict[tuple[str, str], bool] = {}
    for k, a, b in zip(idx, names_a[idx], names_b[idx], strict=True):
        hit = seen.get((a, b))
        if hit is None:
            hit = seen[(a, b)] = test(a, b)
        result[k] = hit
    return result


def _share_token(a: str, b: str) -> bool:
    ta = {t for t in a.split() if len(t) > 2}
    return bool(ta & {t for t in b.split() if len(t) > 2})


def _overlap(groups_a: np.ndarray, groups_b: np.ndarray) -> np.ndarray:
    """Row-wise: do two padded group-id rows share an id?"""
    hit = np.zeros(len(groups_a), dtype=bool)
    for k in range(groups_a.shape[1]):
        col = groups_a[:, k : k + 1]
        hit |= ((groups_b == col) & (col >= 0)).any(axis=1)
    return hit


def _swap_right(c: RecordColumns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs where the right record has first and last name the other way round."""
    # Surnames rarely change their first letter; given names may (Bill for William).
    candidates = np.flatnonzero(
        (c.last_first[left] == c.given_first[right])
        & (c.last_first[left] >= 0) & (c.given[left] >= 0) & (c.last[right] >= 0)
        & ((c.given[left] != c.given[right]) | (c.last[left] != c.last[right]))
    )
    swapped = np.zeros(len(left), dtype=bool)
    if len(candidates):
        a, b = left[candidates], right[candidates]
        gl = _jw(c.given_str[a], c.last_str[b])
        lg = _jw(c.last_str[a], c.given_str[b])
        gg = _jw(c.given_str[a], c.given_str[b])
        ll = _jw(c.last_str[a], c.last_str[b])
        nick = _related_pairs(c.given_str[a], c.last_str[b], lg >= 0.9, are_nicknames)
        gl = np.where(nick, 1.0, gl)
        swapped[candidates] = (gl >= 0.9) & (lg >= 0.9) & (gl + lg > gg + ll + 0.2)
    return swapped


def _dob_edits(c: RecordColumns, left: np.ndarray, right: np.ndarray):
    """(one edit, two edits) between full dates: a substituted digit or two adjacent digits
    transposed count as one. A substitution ten or more years apart is no typo: 1960 and
    1990 is a father and a son, not a slip of the finger (1984 and 1948 may well be)."""
    dl, dr = c.dob_digits[left], c.dob_digits[right]
    diff = dl != dr
    count = diff.sum(axis=1)
    near = np.abs(c.dob_year_int[left] - c.dob_year_int[right]) < 10
    one = (count == 1) & near
    two = np.flatnonzero(count == 2)
    if len(two):
        pos = np.argmax(diff[two], axis=1)
        q = np.minimum(pos + 1, 7)
        adjacent = (pos < 7) & diff[two, q]
        crossed = (dl[two, pos] == dr[two, q]) & (dl[two, q] == dr[two, pos])
        one[two] = adjacent & crossed
    return one, (count == 2) & near


def compare(cols: RecordColumns, left: np.ndarray, right: np.ndarray) -> PairFeatures:
    """Comparison levels of every field for the pairs (left[k], right[k])."""
    n = len(left)
    lv = {f: np.zeros(n, dtype=np.int8) for f in FIELDS}
    c = cols

    # Names, with the right side's first/last swapped where that fits much better.
    swapped = _swap_right(c, left, right)
    g_r, l_r = c.given[right], c.last[right]
    gph_r, lph_r = c.given_ph[right], c.last_ph[right]
    gs_r, ls_r = c.given_str[right], c.last_str[right]
    if swapped.any():
        sw = np.flatnonzero(swapped)
        g_r[sw], l_r[sw] = c.last[right[sw]], c.given[right[sw]]
        gph_r[sw], lph_r[sw] = c.last_ph[right[sw]], c.given_ph[right[sw]]
        gs_r[sw], ls_r[sw] = c.last_str[right[sw]], c.given_str[right[sw]]
    g_l, l_l = c.given[left], c.last[left]

    gs_len_r = np.where(swapped, c.last_len[right], c.given_len[right])
    init_l, init_r = c.given_first[left], c.given_first[right]
    one_initial = (init_l >= 0) & (init_r >= 0) & (c.initial_only[left] | c.initial_only[right])
    full_first = _both(g_l, g_r)
    exact_g = full_first & (g_l == g_r)
    fuzzy = np.flatnonzero(full_first & ~exact_g)
    jw_g = np.ones(n, dtype=np.float32)
    jw_g[fuzzy] = _jw(c.given_str[left[fuzzy]], gs_r[fuzzy])
    nick = np.zeros(n, dtype=bool)
    nick_idx = fuzzy[c.has_nick[left[fuzzy]] & c.has_nick[right[fuzzy]] & ~swapped[fuzzy]]
    nick[nick_idx] = _overlap(c.nick_groups[left[nick_idx]], c.nick_groups[right[nick_idx]])
    _pick(
        lv["first"],
        # Metaphone is coarse on short names (John, Jane and Joan are all JN).
        [exact_g, nick,
         full_first & (c.given_ph[left] == gph_r) & (c.given_len[left] >= 5) & (gs_len_r >= 5),
         jw_g >= 0.92, jw_g >= 0.8,
         one_initial & (init_l == init_r)],
        full_first | one_initial,
    )

    both_last = _both(l_l, l_r)
    fuzzy = np.flatnonzero(both_last & (l_l != l_r))
    jw_l = np.ones(n, dtype=np.float32)
    jw_l[fuzzy] = _jw(c.last_str[left[fuzzy]], ls_r[fuzzy])
    multi = both_last & (c.multi_last[left] | c.multi_last[right]) & (jw_l < 0.92)
    partial = _related_pairs(c.last_spaced[left], c.last_spaced[right], multi, _share_token)
    _pick(
        lv["last"],
        [l_l == l_r, c.last_ph[left] == lph_r, jw_l >= 0.92, jw_l >= 0.8, partial],
        both_last,
    )

    # Birth date: a typo or a day/month swap is common; a different year-only date is not.
    d_l, d_r = c.dob[left], c.dob[right]
    full_dob = _both(d_l, d_r)
    one, two = _dob_edits(c, left, right)
    typo = full_dob & ((c.dob_swapped[left] == d_r) | one)
    y_l, y_r = c.dob_year[left], c.dob_year[right]
    _pick(lv["dob"], [d_l == d_r, typo, full_dob & two, y_l == y_r], _both(y_l, y_r))

    e_l, e_r = c.email[left], c.email[right]
    both_email = _both(e_l, e_r)
    e_close = _one_edit(c.email_str, left, right, both_email & (e_l != e_r))
    loc_l, loc_r = c.email_local[left], c.email_local[right]
    e_close |= _both(loc_l, loc_r) & (loc_l == loc_r)
    _pick(lv["email"], [e_l == e_r, e_close], both_email)

    p_l, p_r = c.phone[left], c.phone[right]
    both_phone = _both(p_l, p_r)
    t_l, t_r = c.phone_tail[left], c.phone_tail[right]
    p_close = _both(t_l, t_r) & (t_l == t_r)
    p_close |= _one_edit(c.phone_str, left, right, both_phone & (p_l != p_r) & ~p_close)
    _pick(lv["phone"], [p_l == p_r, p_close], both_phone)

    lv["street"], lv["place"] = _address_levels(c, left, right)

    lo_l, lo_r = c.loyalty[left], c.loyalty[right]
    _pick(lv["loyalty"], [lo_l == lo_r], _both(lo_l, lo_r))

    co_l, co_r, la_l, la_r = c.country[left], c.country[right], c.language[left], c.language[right]
    both_co, both_la = _both(co_l, co_r), _both(la_l, la_r)
    co_eq, la_eq = both_co & (co_l == co_r), both_la & (la_l == la_r)
    _pick(
        lv["locale"],
        [(co_eq | ~both_co) & (la_eq | ~both_la) & (co_eq | la_eq), co_eq | la_eq],
        both_co | both_la,
    )
    return PairFeatures(left=left, right=right, levels=lv, swapped=swapped)


def _one_edit(strings: np.ndarray, left: np.ndarray, right: np.ndarray, mask: np.ndarray):
    out = np.zeros(len(left), dtype=bool)
    idx = np.flatnonzero(mask)
    if len(idx):
        dist = process.cpdist(
            strings[left[idx]], strings[right[idx]], scorer=OSA.distance, score_cutoff=2,
            workers=_workers(len(idx)),
        )
        out[idx] = dist <= 1
    return out


def _address_levels(c: RecordColumns, left: np.ndarray, right: np.ndarray):
    """Street (the house) and place (postal code, city) levels."""
    n = len(left)
    both_street = c.has_street[left] & c.has_street[right]
    sim = np.zeros(n, dtype=np.float32)
    idx = np.flatnonzero(both_street)
    if len(idx):
        sim[idx] = process.cpdist(
            c.street_str[left[idx]], c.street_str[right[idx]],
            scorer=fuzz.ratio, score_cutoff=70, workers=_workers(len(idx)),
        ) / 100.0
    # Same house number: extra words on one side (a building or village name) do not count.
    h_l, h_r = c.house[left], c.house[right]
    idx = np.flatnonzero(both_street & (h_l >= 0) & (h_l == h_r) & (sim < 0.9))
    if len(idx):
        sim[idx] = np.maximum(sim[idx], process.cpdist(
            c.street_str[left[idx]], c.street_str[right[idx]],
            scorer=fuzz.token_set_ratio, score_cutoff=70, workers=_workers(len(idx)),
        ) / 100.0)
    # Another house number is another house, however alike the street names.
    same_house = ~((h_l >= 0) & (h_r >= 0) & (h_l != h_r))
    street = np.zeros(n, dtype=np.int8)
    _pick(street, [(sim >= 0.9) & same_house, (sim >= 0.75) & same_house], both_street)

    pc_l, pc_r, ci_l, ci_r = c.postal[left], c.postal[right], c.city[left], c.city[right]
    both_pc, both_ci = _both(pc_l, pc_r), _both(ci_l, ci_r)
    pc_eq, ci_eq = both_pc & (pc_l == pc_r), both_ci & (ci_l == ci_r)
    place = np.zeros(n, dtype=np.int8)
    _pick(place, [pc_eq & ci_eq, pc_eq, ci_eq], both_pc | both_ci)
    return street, place
