"""Blocking keys: which records are worth comparing at all.

Each record yields a few short string keys computed from that record alone, so production can
keep them in an indexed table and find candidates for a new reservation with one lookup. Two
records are candidates when they share a key. A key shared by more than `max_block` records
(a travel agency's phone, "John Smith" in a big city) is skipped: it would cost quadratic work
and carries almost no information; such pairs are still found through their other keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .names import phonetic_pair
from .normalize import NormalizedRecord

# Key kind -> the comparison fields it conditions on. EM leaves those fields out when it
# learns from the pairs of that kind, since blocking made them agree.
KEY_KINDS: dict[str, tuple[str, ...]] = {
    "e": ("email",),
    "p": ("phone",),
    "l": ("loyalty",),
    "n": ("first", "last"),
    "k": ("first", "last"),
    "d": ("dob",),
    "a": ("last", "place"),
    "s": ("street", "place"),
    "f": ("first", "dob"),
    "h": ("street", "place"),
    "g": ("first", "place"),
}
KIND_BITS: dict[str, int] = {kind: 1 << i for i, kind in enumerate(KEY_KINDS)}


def blocking_keys(rec: NormalizedRecord) -> list[str]:
    """The record's keys, each prefixed by its kind ('e:', 'n:', ...)."""
    keys: list[str] = []
    if rec.email:
        keys.append("e:" + rec.email)
    if rec.phone_tail:
        keys.append("p:" + rec.phone_tail)
    if rec.loyalty_id:
        keys.append("l:" + rec.loyalty_id)
    gp, lp = rec.given_phonetic, rec.last_phonetic
    if gp and lp:
        keys.append("n:" + phonetic_pair(gp, lp))
        for canonical in sorted(rec.nicknames):
            if canonical != rec.given:
                keys.append(f"k:{canonical}|{lp}")
    if rec.birth_date and rec.full_birth_date:
        keys.append("d:" + rec.birth_date)
        if rec.given:
            # Survives a surname change (marriage) and a typo in the day.
            keys.append(f"f:{rec.given[0]}{rec.birth_date[:6]}")
    if lp and (rec.postal_code or rec.city):
        keys.append(f"a:{lp}|{rec.postal_code or rec.city}")
    if rec.address_key:
        keys.append("s:" + rec.address_key)
    place = rec.postal_code or rec.city
    if place:
        number = house_number(rec.street)
        if number:
            # Same house, any spelling of the street: typos in names and street both.
            keys.append(f"h:{number}|{place}")
        if gp:
            keys.append(f"g:{gp}|{place}")
    return keys


def house_number(street: str | None) -> str | None:
    if not street:
        return None
    for token in street.split():
        if token[0].isdigit():
            return token
    return None


def candidate_pairs(
    keys_per_record: Sequence[Iterable[str]], max_block: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """All pairs (left < right) of record indexes sharing a key.

    Returns left, right, a bit mask of the key kinds that produced each pair, and counts
    (keys, skipped oversize blocks).
    """
    codes: dict[str, int] = {}
    key_idx: list[int] = []
    rec_idx: list[int] = []
    for i, keys in enumerate(keys_per_record):
        for key in set(keys):
            key_idx.append(codes.setdefault(key, len(codes)))
            rec_idx.append(i)
    stats = {"keys": len(codes), "skipped_blocks": 0}
    empty = np.zeros(0, dtype=np.int64)
    if not key_idx:
        return empty, empty, np.zeros(0, dtype=np.int32), stats
    kind_of_code = np.zeros(len(codes), dtype=np.int32)
    for key, code in codes.items():
        kind_of_code[code] = KIND_BITS[key[0]]
    keys_arr = np.asarray(key_idx, dtype=np.int64)
    recs_arr = np.asarray(rec_idx, dtype=np.int64)
    order = np.argsort(keys_arr, kind="stable")
    keys_arr, recs_arr = keys_arr[order], recs_arr[order]
    starts = np.flatnonzero(np.r_[True, keys_arr[1:] != keys_arr[:-1]])
    sizes = np.diff(np.r_[starts, len(keys_arr)])
    stats["skipped_blocks"] = int(np.count_nonzero(sizes > max_block))
    lefts, rights, kinds = [], [], []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_block)]):
        block_starts = starts[sizes == size]
        members = recs_arr[block_starts[:, None] + np.arange(size)]
        ti, tj = np.triu_indices(size, k=1)
        a, b = members[:, ti].ravel(), members[:, tj].ravel()
        lefts.append(np.minimum(a, b))
        rights.append(np.maximum(a, b))
        kinds.append(np.repeat(kind_of_code[keys_arr[block_starts]], len(ti)))
    if not lefts:
        return empty, empty, np.zeros(0, dtype=np.int32), stats
    left, right, kind = np.concatenate(lefts), np.concatenate(rights), np.concatenate(kinds)
    n = len(keys_per_record)
    pair_code = left * n + right
    order = np.argsort(pair_code, kind="stable")
    pair_code, kind = pair_code[order], kind[order]
    first = np.flatnonzero(np.r_[True, pair_code[1:] != pair_code[:-1]])
    merged_kind = np.bitwise_or.reduceat(kind, first)
    unique_code = pair_code[first]
    return unique_code // n, unique_code % n, merged_kind.astype(np.int32), stats
