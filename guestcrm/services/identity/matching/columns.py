"""Normalized records as numpy columns, so pairs are compared in bulk rather than one by one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .blocking import house_number
from .normalize import NormalizedRecord


class _Vocab:
    """String -> dense int code; -1 stands for missing."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def encode(self, values: Sequence[str | None]) -> np.ndarray:
        codes = self.codes
        out = np.fromiter(
            (-1 if not v else codes.setdefault(v, len(codes)) for v in values),
            dtype=np.int64,
            count=len(values),
        )
        return out


def own_local_part(r: NormalizedRecord) -> str | None:
    """The email's local part when it says more than the name: "tanyasmith" at two providers
    is what two Tanya Smiths write, "tanya.smith84" or "tsm_travels" is one person's choice."""
    if not r.email:
        return None
    local = r.email.split("@")[0]
    if len(local) < 5:
        return None
    letters = "".join(ch for ch in local if ch.isalpha())
    if letters != "".join(ch for ch in local if ch.isalnum()):
        return local  # digits in it
    g = "".join(ch for ch in r.given or "" if ch.isalpha())
    s = "".join(ch for ch in r.last or "" if ch.isalpha())
    if g and s and letters in {g + s, s + g, g[0] + s, s + g[0], g + s[0], s[0] + g, g, s}:
        return None
    return local


def _strings(values: Sequence[str | None]) -> np.ndarray:
    return np.array([v or "" for v in values], dtype=object)


def _first_chars(values: Sequence[str | None]) -> np.ndarray:
    return np.array([ord(v[0]) if v else -1 for v in values], dtype=np.int32)


def _groups_matrix(groups: Sequence[frozenset[str]], vocab: _Vocab) -> np.ndarray:
    """Nickname groups as a padded int matrix (-1 = none) so overlaps can be tested in bulk."""
    width = max((len(g) for g in groups), default=0) or 1
    out = np.full((len(groups), width), -1, dtype=np.int64)
    for i, g in enumerate(groups):
        if g:
            out[i, : len(g)] = vocab.encode(sorted(g))
    return out


class RecordColumns:
    """Column view of a list of NormalizedRecord; row i is records[i]."""

    def __init__(self, records: Sequence[NormalizedRecord]) -> None:
        self.records = records
        self.n = len(records)
        names = _Vocab()  # one code space for given and surnames: swapped names compare
        sounds = _Vocab()
        given = [r.given if not r.initial_only else None for r in records]
        self.given = names.encode(given)
        self.last = names.encode([r.last for r in records])
        self.given_str = _strings(given)
        self.last_str = _strings([r.last for r in records])
        self.given_len = np.array([len(g) if g else 0 for g in given], dtype=np.int32)
        self.last_len = np.array([len(r.last) if r.last else 0 for r in records], dtype=np.int32)
        self.initial_only = np.array([r.initial_only for r in records], dtype=bool)
        self.given_ph = sounds.encode([r.given_phonetic for r in records])
        self.last_ph = sounds.encode([r.last_phonetic for r in records])
        self.has_nick = np.array([bool(r.nicknames) for r in records], dtype=bool)
        self.nick_groups = _groups_matrix([r.nicknames for r in records], names)
        self.given_first = _first_chars(given)
        self.last_first = _first_chars([r.last for r in records])
        self.last_spaced = _strings([" ".join(r.last_tokens) for r in records])
        self.multi_last = np.array([len(r.last_tokens) > 1 for r in records], dtype=bool)
        self.middle = _Vocab().encode([r.middle for r in records])
        self.suffix = _Vocab().encode([r.suffix for r in records])

        self.email = _Vocab().encode([r.email for r in records])
        self.email_str = _strings([r.email for r in records])
        self.email_local = _Vocab().encode([own_local_part(r) for r in records])
        self.phone = _Vocab().encode([r.phone for r in records])
        self.phone_str = _strings([r.phone.lstrip("+#") if r.phone else None for r in records])
        self.phone_tail = _Vocab().encode([r.phone_tail for r in records])

        dates = _Vocab()
        dob = [r.birth_date for r in records]
        full = [d if d and not d.endswith("0000") else None for d in dob]
        self.dob = dates.encode(full)
        self.dob_swapped = dates.encode([d[:4] + d[6:] + d[4:6] if d else None for d in full])
        packed = "".join(d or "00000000" for d in full).encode("ascii")
        self.dob_digits = (np.frombuffer(packed, dtype=np.uint8).astype(np.int8) - 48).reshape(
            len(full), 8
        )
        self.dob_year = _Vocab().encode([d[:4] if d else None for d in dob])
        self.dob_year_int = np.array([int(d[:4]) if d else 0 for d in dob], dtype=np.int64)

        # Tokens pre-sorted: plain ratio on these equals token_sort_ratio, without re-sorting
        # both strings for every pair.
        self.street_str = _strings([" ".join(sorted(r.street.split())) if r.street else None
                                    for r in records])
        self.has_street = self.street_str != ""
        self.house = _Vocab().encode([house_number(r.street) for r in records])
        self.postal = _Vocab().encode([r.postal_code for r in records])
        self.city = _Vocab().encode([r.city for r in records])
        self.country = _Vocab().encode([r.country for r in records])
        self.language = _Vocab().encode([r.language for r in records])
        self.loyalty = _Vocab().encode([r.loyalty_id for r in records])
