"""Fellegi-Sunter weights learned from the data being matched, never hand-tuned.

* u (how often non-matches land on each level): from random record pairs, which are almost
  all non-matches.
* m (how often matches do): expectation-maximisation over the blocked candidate pairs, one
  session per kind of blocking key. A session leaves out the fields its key
  made agree (pairs found by email all agree on email, which says nothing about matches),
  and each field's m is the mean over the sessions that could learn it (as Splink does).
* prior (probability that two random records match): one more EM step over all candidates.
* Term frequencies: agreeing on a rare surname is stronger evidence than on a common one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .blocking import KEY_KINDS, KIND_BITS
from .features import FIELDS, LEVELS

TF_FIELDS: tuple[str, ...] = ("first", "last", "dob")

# Weak priors, worth PRIOR_PAIRS pairs of evidence: they only matter when the data is too
# small to learn from (a handful of records); a real data set outweighs them at once.
PRIOR_M: dict[str, tuple[float, ...]] = {
    "first": (0.85, 0.03, 0.03, 0.03, 0.03, 0.02, 0.01),
    "last": (0.88, 0.04, 0.03, 0.02, 0.02, 0.01),
    "dob": (0.9, 0.05, 0.01, 0.02, 0.02),
    "email": (0.85, 0.05, 0.1),
    "phone": (0.8, 0.05, 0.15),
    "street": (0.7, 0.1, 0.2),
    "place": (0.8, 0.05, 0.05, 0.1),
    "loyalty": (0.95, 0.05),
    "locale": (0.9, 0.07, 0.03),
}
PRIOR_U: dict[str, tuple[float, ...]] = {
    "first": (0.01, 0.001, 0.005, 0.005, 0.05, 0.005, 0.924),
    "last": (0.005, 0.002, 0.003, 0.04, 0.001, 0.949),
    "dob": (0.0001, 0.001, 0.005, 0.015, 0.9789),
    "email": (1e-5, 1e-4, 0.99989),
    "phone": (1e-5, 1e-4, 0.99989),
    "street": (1e-4, 5e-4, 0.9994),
    "place": (0.001, 0.004, 0.05, 0.945),
    "loyalty": (1e-5, 0.99999),
    "locale": (0.3, 0.2, 0.5),
}
PRIOR_M_PAIRS = 20.0
PRIOR_U_PAIRS = 10_000.0


@dataclass
class FSParams:
    """Learned parameters; plain lists so they can be stored as JSON beside the profiles."""

    m: dict[str, list[float]]  # field -> probability per level; index 0 (null) unused
    u: dict[str, list[float]]
    prior: float
    sessions: list[dict] = field(default_factory=list)  # what each EM session learned

    def bits(self) -> dict[str, np.ndarray]:
        """log2(m/u) per level, 0 for the null level."""
        out = {}
        for f in FIELDS:
            m, u = np.asarray(self.m[f]), np.asarray(self.u[f])
            w = np.zeros(len(m))
            w[1:] = np.log2(m[1:] / u[1:])
            out[f] = w
        return out

    def to_dict(self) -> dict:
        return {"m": self.m, "u": self.u, "prior": self.prior, "sessions": self.sessions}

    @classmethod
    def from_dict(cls, data: dict) -> FSParams:
        return cls(m=data["m"], u=data["u"], prior=data["prior"], sessions=data.get("sessions", []))


def estimate_u(levels: dict[str, np.ndarray]) -> dict[str, list[float]]:
    """Share of each non-null level per field among (random) pairs, blended with PRIOR_U."""
    out = {}
    for f in FIELDS:
        k = len(LEVELS[f])
        counts = np.bincount(levels[f], minlength=k + 1)[1:].astype(float)
        counts += PRIOR_U_PAIRS * np.asarray(PRIOR_U[f])
        out[f] = [0.0, *(counts / counts.sum()).tolist()]
    return out


def _patterns(levels: dict[str, np.ndarray], fields: list[str], mask: np.ndarray):
    """Distinct comparison vectors and how often each occurs."""
    code = np.zeros(int(mask.sum()), dtype=np.int64)
    for f in fields:
        code = code * 8 + levels[f][mask]
    uniq, counts = np.unique(code, return_counts=True)
    pats = np.zeros((len(uniq), len(fields)), dtype=np.int64)
    rest = uniq.copy()
    for j in range(len(fields) - 1, -1, -1):
        pats[:, j] = rest % 8
        rest //= 8
    return pats, counts.astype(float)


def _em_session(pats, counts, fields, u, max_iter: int, tol: float):
    """Two-class EM over one session's comparison vectors; returns (m, match share).

    The non-match class starts at the random-pair u but is free to move: the non-matches a
    blocking key brings together are not random pairs (a shared home phone brings a couple,
    who agree on surname and address). Were u held at the random-pair values, EM would have
    to call such pairs matches, and learn that matches often disagree on first names.
    """
    m = [np.r_[0.0, PRIOR_M[f]] for f in fields]
    un = [np.r_[0.0, u[f][1:]] for f in fields]
    share = 0.5
    for _ in range(max_iter):
        llr = np.zeros(len(counts))
        for j in range(len(fields)):
            lv = pats[:, j]
            present = lv > 0
            llr[present] += np.log(m[j][lv[present]]) - np.log(un[j][lv[present]])
        logit = np.log(share / (1 - share)) + llr
        post = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        w, w_non = counts * post, counts * (1.0 - post)
        new_share = float(np.clip(w.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        delta = abs(new_share - share)
        new_m, new_u = [], []
        for j, f in enumerate(fields):
            k = len(LEVELS[f])
            per_level = np.bincount(pats[:, j], weights=w, minlength=k + 1)[1:]
            per_level = per_level + PRIOR_M_PAIRS * np.asarray(PRIOR_M[f])
            probs = np.r_[0.0, per_level / per_level.sum()]
            per_non = np.bincount(pats[:, j], weights=w_non, minlength=k + 1)[1:]
            per_non = per_non + PRIOR_M_PAIRS * np.asarray(u[f][1:])
            delta = max(delta, float(np.abs(probs - m[j]).max()))
            new_m.append(probs)
            new_u.append(np.r_[0.0, per_non / per_non.sum()])
        m, un, share = new_m, new_u, new_share
        if delta < tol:
            break
    return m, share


def estimate_m(
    levels: dict[str, np.ndarray],
    kinds: np.ndarray,
    u: dict[str, list[float]],
    min_pairs: int = 20,
    max_iter: int = 100,
    tol: float = 1e-5,
) -> tuple[dict[str, list[float]], list[dict]]:
    """m per field: mean over the EM sessions (one per key kind) that could learn it."""
    sessions: dict[tuple[str, ...], int] = {}
    for kind, excluded in KEY_KINDS.items():
        sessions[excluded] = sessions.get(excluded, 0) | KIND_BITS[kind]
    learned: dict[str, list[np.ndarray]] = {f: [] for f in FIELDS}
    report = []
    for excluded, bits in sessions.items():
        mask = (kinds & bits) != 0
        if mask.sum() < min_pairs:
            continue
        fields = [f for f in FIELDS if f not in excluded]
        pats, counts = _patterns(levels, fields, mask)
        m, share = _em_session(pats, counts, fields, u, max_iter, tol)
        usable = []
        for j, f in enumerate(fields):
            # A session whose "match" class does not agree more than chance on a field
            # converged on something else (households, say); it does not vote on that field.
            if m[j][1] > u[f][1]:
                learned[f].append(m[j])
                usable.append(f)
        report.append({"blocked_on": list(excluded), "pairs": int(mask.sum()),
                       "match_share": round(share, 4), "learned": usable})
    m_out = {}
    for f in FIELDS:
        if learned[f]:
            mean = np.mean(learned[f], axis=0)
            m_out[f] = [0.0, *(mean[1:] / mean[1:].sum()).tolist()]
        else:  # nothing to learn from here: the weak prior
            m_out[f] = [0.0, *PRIOR_M[f]]
    return m_out, report


def partial_weights(
    levels: dict[str, np.ndarray], bits: dict[str, np.ndarray], adjust: np.ndarray | None = None
) -> np.ndarray:
    """Sum of per-field log2 Bayes factors (no prior) for each pair."""
    total = np.zeros(len(next(iter(levels.values()))), dtype=np.float64)
    for f in FIELDS:
        total += bits[f][levels[f]]
    if adjust is not None:
        total += adjust
    return total


def estimate_prior(weights: np.ndarray, total_pairs: float, max_iter: int = 200) -> float:
    """Probability that two random records match, by EM over the candidate pairs.

    Pairs never blocked together are taken as non-matches.
    """
    if total_pairs <= 0 or len(weights) == 0:
        return 1e-9
    lam = max(len(weights) / total_pairs / 10, 1e-12)
    for _ in range(max_iter):
        logit2 = np.log2(lam / (1 - lam)) + weights
        post = 1.0 / (1.0 + np.exp2(-np.clip(logit2, -1000, 1000)))
        # Half a match of pseudo-count keeps a handful of records from driving it to 0 or 1.
        new = float(np.clip((post.sum() + 0.5) / (total_pairs + 1), 1e-15, 0.5))
        if abs(new - lam) <= 1e-6 * lam:
            return new
        lam = new
    return lam


def tf_adjustment(
    levels: dict[str, np.ndarray],
    tf_left: dict[str, np.ndarray],
    u: dict[str, list[float]],
    clip: tuple[float, float],
) -> np.ndarray:
    """Extra bits for exact agreement on a rare value, fewer for a common one."""
    total = np.zeros(len(next(iter(levels.values()))), dtype=np.float64)
    for f in TF_FIELDS:
        exact = (levels[f] == 1) & (tf_left[f] > 0)
        if exact.any():
            adj = np.log2(u[f][1] / tf_left[f][exact])
            total[exact] += np.clip(adj, *clip)
    return total
