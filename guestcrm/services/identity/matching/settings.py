"""Matcher settings: thresholds and limits, all overridable, none fitted to a test set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .contacts import DEFAULT_RELAY_DOMAINS

Decision = Literal["merge", "review", "new"]


@dataclass(frozen=True)
class MatchSettings:
    """See docs/identity.md for how the defaults were chosen from score distributions."""

    # Match probability (posterior, from the learned prior and weights) of a candidate pair.
    # None: chosen per run from the score distribution - the lowest probability at which the
    # model's own expected share of false merges among all automatic merges stays within
    # target_false_merge_rate, kept inside merge_threshold_bounds.
    merge_threshold: float | None = None
    target_false_merge_rate: float = 0.001
    merge_threshold_bounds: tuple[float, float] = (0.8, 0.999)
    review_threshold: float = 0.5
    # Region for national phone numbers when the record has no country: the property's.
    default_region: str | None = None
    relay_domains: tuple[str, ...] = DEFAULT_RELAY_DOMAINS
    # Blocks larger than this are skipped (quadratic cost, little information).
    max_block: int = 100
    # A contact used by this many different people is no evidence at all; fewer (2) cost
    # log2(people) bits.
    shared_limit: int = 3
    # Random pairs drawn to estimate u.
    u_sample_pairs: int = 1_000_000
    seed: int = 42
    # Bounds on the term-frequency adjustment, in bits, so one rare typo cannot decide alone.
    tf_clip: tuple[float, float] = (-4.0, 6.0)
    # A first-name or birth-date disagreement vetoes a merge when the learned weight of that
    # disagreement is at most -veto_bits (see guards.Vetoes).
    veto_bits: float = 5.0
    # A record is held back when links to two conflicting people are within this many bits.
    ambiguity_margin_bits: float = 5.0
    # Pairs of record ids staff marked "not the same person".
    cannot_link: frozenset[frozenset[str]] = field(default_factory=frozenset)

    def classify(self, probability: float, merge_threshold: float | None = None) -> Decision:
        return classify(probability, self, merge_threshold)


DEFAULT_MERGE_THRESHOLD = 0.99  # when no run has chosen one from its scores
MIN_PAIRS_FOR_CHOICE = 50


def classify(
    probability: float, settings: MatchSettings | None = None, merge_threshold: float | None = None
) -> Decision:
    """Three bands: merge automatically, ask staff, or keep as a new profile.

    merge_threshold: the one a batch run chose (MatchResult.merge_threshold); else the
    setting; else DEFAULT_MERGE_THRESHOLD.
    """
    s = settings or MatchSettings()
    upper = merge_threshold or s.merge_threshold or DEFAULT_MERGE_THRESHOLD
    if probability >= upper:
        return "merge"
    if probability >= s.review_threshold:
        return "review"
    return "new"


def choose_merge_threshold(probabilities, settings: MatchSettings) -> float:
    """The lowest merge threshold whose expected false-merge share stays within target.

    Under the model, a pair scored p is a false match with probability 1 - p, so among all
    pairs at or above t the expected share of false merges is mean(1 - p). Data with clear
    evidence (FEBRL's full addresses and birth dates) allows a lower t than data full of
    name-only channel bookings, where namesakes are a real risk.
    """
    import numpy as np

    if settings.merge_threshold is not None:
        return settings.merge_threshold
    low, high = settings.merge_threshold_bounds
    p = np.sort(np.asarray(probabilities, dtype=np.float64))[::-1]
    p = p[p >= low]
    if len(p) < MIN_PAIRS_FOR_CHOICE:  # too few scores to read a distribution from
        return DEFAULT_MERGE_THRESHOLD
    expected_false = np.cumsum(1.0 - p) / np.arange(1, len(p) + 1)
    ok = np.flatnonzero(expected_false <= settings.target_false_merge_rate)
    if len(ok) == 0:
        return high
    return float(min(max(p[ok[-1]], low), high))
