"""Batch identity resolution: records in, one cluster (profile) per real guest out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .blocking import blocking_keys, candidate_pairs
from .cluster import ConflictCheck, ContactEvidence, cluster
from .columns import RecordColumns
from .evidence import beyond_name, has_evidence, personal_contacts, reviewable
from .features import FIELDS, PairFeatures, compare
from .fellegi_sunter import (
    FSParams,
    estimate_m,
    estimate_prior,
    estimate_u,
    partial_weights,
    tf_adjustment,
)
from .guards import (
    Vetoes,
    contact_sharing,
    contact_value,
    discount_shared,
    pair_conflicts,
    records_conflict,
    sharing_per_record,
)
from .namesakes import discount_namesake_contacts, namesake_contacts
from .normalize import NormalizedRecord, normalize
from .records import GuestRecord
from .scorer import MatchModel, term_shares
from .settings import MatchSettings, choose_merge_threshold
from .value_shares import tf_per_record

_KEY_CONTACT = {"e": "email", "p": "phone", "s": "address", "l": "loyalty"}
DECISIONS = ("new", "review", "merge")


@dataclass
class MatchResult:
    """Everything a caller may want after a batch run; `clusters` is the contract output."""

    clusters: dict[str, str]  # record_id -> cluster id (the id of its first record)
    left: np.ndarray  # candidate pairs, as record indexes in input order
    right: np.ndarray
    weight: np.ndarray  # match weight in bits (log2 odds)
    probability: np.ndarray
    decision: np.ndarray  # 0 new, 1 review, 2 merge (per DECISIONS)
    record_ids: list[str]
    params: FSParams
    merge_threshold: float = 0.99
    model: MatchModel | None = None  # for scoring later records one by one (scorer.Scorer)
    stats: dict = field(default_factory=dict)

    def review_pairs(self) -> list[tuple[str, str, float]]:
        """Pairs for staff to decide, strongest first."""
        idx = np.flatnonzero(self.decision == 1)
        idx = idx[np.argsort(-self.probability[idx])]
        ids = self.record_ids
        return [(ids[self.left[k]], ids[self.right[k]], float(self.probability[k])) for k in idx]


def _random_pairs(n: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    if n * (n - 1) // 2 <= count:
        left, right = np.triu_indices(n, k=1)
        return left.astype(np.int64), right.astype(np.int64)
    rng = np.random.default_rng(seed)
    left, right = rng.integers(0, n, count), rng.integers(0, n, count)
    keep = left != right
    return left[keep], right[keep]


def resolve(
    records: Iterable[GuestRecord],
    settings: MatchSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> MatchResult:
    """Normalize, block, learn weights from these records, score, guard and cluster."""
    s = settings or MatchSettings()
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    recs = list(records)
    ids = [r.record_id for r in recs]
    if len(set(ids)) != len(ids):
        raise ValueError("record_id values must be unique")
    norm = [normalize(r, s.default_region, s.relay_domains) for r in recs]
    cols = RecordColumns(norm)
    n = len(norm)
    timings["normalize"] = time.perf_counter() - t0
    say(f"normalized {n} records")

    sharing = contact_sharing(norm, s.shared_limit)
    people = sharing_per_record(norm, sharing)
    keys = []
    for rec in norm:
        keys.append([k for k in blocking_keys(rec) if not _is_shared_key(k, rec, sharing, s)])
    left, right, kinds, bstats = candidate_pairs(keys, s.max_block)
    timings["block"] = time.perf_counter() - t0 - sum(timings.values())
    say(f"{len(left)} candidate pairs")

    feats = compare(cols, left, right)
    discount_namesake_contacts(feats, namesake_contacts(norm), people)
    contact_adj = discount_shared(feats, people, s.shared_limit)
    r_left, r_right = _random_pairs(n, s.u_sample_pairs, s.seed)
    random_feats = compare(cols, r_left, r_right)
    discount_shared(random_feats, people, s.shared_limit)
    timings["compare"] = time.perf_counter() - t0 - sum(timings.values())

    u = estimate_u(random_feats.levels)
    m, sessions = estimate_m(feats.levels, kinds, u)
    params = FSParams(m=m, u=u, prior=0.0, sessions=sessions)
    tf = tf_per_record(cols)
    tf_left = {f: v[feats.left] for f, v in tf.items()}
    adjust = contact_adj + tf_adjustment(feats.levels, tf_left, u, s.tf_clip)
    partial = partial_weights(feats.levels, params.bits(), adjust)
    params.prior = estimate_prior(partial, n * (n - 1) / 2)
    weight = np.log2(params.prior / (1 - params.prior)) + partial if n > 1 else partial
    probability = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
    timings["learn_and_score"] = time.perf_counter() - t0 - sum(timings.values())

    vetoes = Vetoes.from_bits(params.bits(), s.veto_bits)
    decision, upper = decide(feats, cols, probability, s, vetoes, people)
    merge = decision == 2
    bits = params.bits()
    contacts = ContactEvidence(
        codes={"email": np.where(people["email"] >= s.shared_limit, -1, cols.email),
               "phone": np.where(people["phone"] >= s.shared_limit, -1, cols.phone_tail)},
        bits={"email": float(bits["email"][-1]), "phone": float(bits["phone"][-1])},
        level={"email": feats.levels["email"][merge], "phone": feats.levels["phone"][merge]},
        min_weight=float(np.log2(upper / (1 - upper))),
        beyond=beyond_name(feats)[merge],
    )
    labels, cstats = cluster(
        n, left[merge], right[merge], weight[merge], _conflict_check(norm, vetoes, s),
        s.ambiguity_margin_bits, contacts=contacts,
    )
    clusters = {ids[i]: ids[labels[i]] for i in range(n)}
    model = MatchModel(params, vetoes, upper, term_shares(norm, tf), sharing, s)
    timings["cluster"] = time.perf_counter() - t0 - sum(timings.values())
    stats = {
        "records": n,
        "candidate_pairs": int(len(left)),
        "merge_threshold": round(upper, 5),
        "merge_pairs": int(merge.sum()),
        "review_pairs": int((decision == 1).sum()),
        "clusters": int(len(set(labels.tolist()))),
        **bstats,
        **cstats,
        "vetoes": {"first": vetoes.first, "dob": vetoes.dob},
        "shared_contacts": {k: sum(1 for c in v.values() if c >= s.shared_limit)
                            for k, v in sharing.items()},
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    return MatchResult(
        clusters, left, right, weight, probability, decision, ids, params, upper, model, stats
    )


def decide(
    feats: PairFeatures,
    cols: RecordColumns,
    probability: np.ndarray,
    s: MatchSettings,
    vetoes: Vetoes,
    people: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, float]:
    """0/1/2 = new/review/merge per pair after the guards, and the merge threshold used.

    people: per record and contact kind, how many people use its value (guards), so a
    shared home phone that differs from a mobile is not read as two people."""
    conflict = pair_conflicts(feats, cols, vetoes, s.cannot_link)
    personal = personal_contacts(feats, people) if people is not None else None
    mergeable = ~conflict & has_evidence(feats, cols, personal)
    upper = choose_merge_threshold(probability[mergeable], s)
    decision = np.zeros(len(feats), dtype=np.int8)
    review = ~conflict & reviewable(feats, personal)
    decision[(probability >= min(s.review_threshold, upper)) & review] = 1
    decision[(probability >= upper) & mergeable] = 2
    return decision, upper


def _conflict_check(
    norm: list[NormalizedRecord], vetoes: Vetoes, s: MatchSettings
) -> ConflictCheck:
    """Records that the conflict rules cannot tell apart share a profile id."""
    named = {rid for pair in s.cannot_link for rid in pair}
    keys: dict[tuple, int] = {}
    profile_ids = [
        keys.setdefault(
            (r.given, r.middle, r.initial_only, r.last, r.given_phonetic, r.last_phonetic,
             r.suffix, r.birth_date, r.record_id if r.record_id in named else None),
            len(keys),
        )
        for r in norm
    ]
    cannot = s.cannot_link

    def conflict(i: int, j: int) -> bool:
        if cannot and frozenset((norm[i].record_id, norm[j].record_id)) in cannot:
            return True
        return records_conflict(norm[i], norm[j], vetoes)

    return ConflictCheck(profile_ids, conflict)


def _is_shared_key(
    key: str, rec: NormalizedRecord, sharing: dict[str, dict[str, int]], s: MatchSettings
) -> bool:
    kind = _KEY_CONTACT.get(key[0])
    if kind is None:
        return False
    value = contact_value(rec, kind)
    return value is not None and sharing[kind].get(value, 1) >= s.shared_limit


def match_records(
    records: Iterable[GuestRecord], settings: MatchSettings | None = None
) -> dict[str, str]:
    """record_id -> cluster id; records of one real guest share a cluster id."""
    return resolve(records, settings).clusters


__all__ = ["FIELDS", "MatchResult", "decide", "match_records", "resolve"]
