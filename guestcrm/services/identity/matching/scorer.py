"""Score one record against candidate records with a model learned by a batch run.

The production path (a reservation arriving) finds candidates through the stored blocking
keys, loads them, and asks this scorer; no re-learning per reservation. Everything the
model needs is plain data (`MatchModel.to_dict`), to be stored beside the profiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .columns import RecordColumns
from .evidence import has_evidence, personal_contacts, reviewable
from .features import FIELDS, LEVELS, compare
from .fellegi_sunter import FSParams, partial_weights, tf_adjustment
from .guards import (
    Vetoes,
    discount_shared,
    pair_conflicts,
    sharing_per_record,
)
from .normalize import NormalizedRecord, normalize
from .records import GuestRecord
from .settings import MatchSettings, classify

_TF_KEYS = {
    "first": lambda r: (r.country or "", r.given),
    "last": lambda r: (r.country or "", r.last),
    "dob": lambda r: ("", r.birth_date if r.full_birth_date else None),
}


@dataclass
class MatchModel:
    """What a batch run learned: weights, prior, vetoes, threshold, value shares, sharing."""

    params: FSParams
    vetoes: Vetoes
    merge_threshold: float
    term_shares: dict[str, dict[tuple[str, str], float]]  # field -> (country, value) -> share
    sharing: dict[str, dict[str, int]]  # contact kind -> value -> people using it
    settings: MatchSettings = field(default_factory=MatchSettings)

    def to_dict(self) -> dict:
        return {
            "params": self.params.to_dict(),
            "vetoes": {"first": self.vetoes.first, "dob": self.vetoes.dob},
            "merge_threshold": self.merge_threshold,
            "term_shares": {f: [[c, v, s] for (c, v), s in t.items()]
                            for f, t in self.term_shares.items()},
            "sharing": self.sharing,
        }

    @classmethod
    def from_dict(cls, data: dict, settings: MatchSettings | None = None) -> MatchModel:
        return cls(
            params=FSParams.from_dict(data["params"]),
            vetoes=Vetoes(**data["vetoes"]),
            merge_threshold=data["merge_threshold"],
            term_shares={f: {(c, v): s for c, v, s in rows}
                         for f, rows in data["term_shares"].items()},
            sharing=data["sharing"],
            settings=settings or MatchSettings(),
        )


def term_shares(norm: Sequence[NormalizedRecord], tf: dict[str, np.ndarray]) -> dict:
    out: dict[str, dict[tuple[str, str], float]] = {}
    for fld, key_of in _TF_KEYS.items():
        table: dict[tuple[str, str], float] = {}
        for rec, share in zip(norm, tf[fld].tolist(), strict=True):
            key = key_of(rec)
            if key[1] and share > 0:
                table[key] = share
        out[fld] = table
    return out


@dataclass
class PairScore:
    record_id: str  # the candidate's
    weight: float  # log2 odds
    probability: float
    decision: str  # merge / review / new
    levels: dict[str, str]  # field -> level name, the evidence shown to staff
    conflict: bool


class Scorer:
    """Scores a new record against its candidates with a learned MatchModel."""

    def __init__(self, model: MatchModel) -> None:
        self.model = model
        self.bits = model.params.bits()
        self.prior_bits = float(np.log2(model.params.prior / (1 - model.params.prior)))

    def score(self, record: GuestRecord, candidates: Sequence[GuestRecord]) -> list[PairScore]:
        """Best first. Candidates come from the blocking-key table (or any other source)."""
        if not candidates:
            return []
        s, m = self.model.settings, self.model
        norm = [normalize(r, s.default_region, s.relay_domains) for r in (record, *candidates)]
        cols = RecordColumns(norm)
        right = np.arange(1, len(norm), dtype=np.int64)
        left = np.zeros(len(right), dtype=np.int64)
        feats = compare(cols, left, right)
        people = sharing_per_record(norm, m.sharing)
        adjust = discount_shared(feats, people, s.shared_limit)
        tf_left = {}
        for fld, key_of in _TF_KEYS.items():
            share = m.term_shares.get(fld, {}).get(key_of(norm[0]), 0.0)
            if share == 0.0 and key_of(norm[0])[1]:
                share = 1.0 / max(len(m.term_shares.get(fld, {})), 1)  # unseen: rare
            tf_left[fld] = np.full(len(right), share)
        adjust += tf_adjustment(feats.levels, tf_left, m.params.u, s.tf_clip)
        weight = self.prior_bits + partial_weights(feats.levels, self.bits, adjust)
        probability = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
        conflict = pair_conflicts(feats, cols, m.vetoes, s.cannot_link)
        personal = personal_contacts(feats, people)
        evidence = has_evidence(feats, cols, personal)
        worth_review = reviewable(feats, personal)
        out = []
        for k in np.argsort(-weight).tolist():
            decision = classify(float(probability[k]), s, m.merge_threshold)
            if conflict[k]:
                decision = "new"
            elif decision == "merge" and not evidence[k]:
                decision = "review"
            if decision == "review" and not worth_review[k]:
                decision = "new"
            levels = {f: _level_name(f, int(feats.levels[f][k])) for f in FIELDS}
            out.append(PairScore(candidates[k].record_id, float(weight[k]),
                                 float(probability[k]), decision, levels, bool(conflict[k])))
        return out


def _level_name(fld: str, level: int) -> str:
    return "missing" if level == 0 else LEVELS[fld][level - 1]


__all__ = ["MatchModel", "PairScore", "Scorer", "term_shares"]
