"""Smoke version of bench/identity_incremental.py: the same code on 5,000 profiles."""

from __future__ import annotations

import numpy as np

from bench.identity_incremental import run


def test_incremental_matching_on_a_small_database_is_fast_and_finds_duplicates(app):
    out = run(profiles=5_000, queries_count=40, real_people=1_000)
    assert out["profiles"] == 5_000 and out["keys"] > 5_000
    assert len(out["match"]) == len(out["baseline"]) == 40
    # Held-out duplicates are found (exactly or fuzzily); not every query is "new".
    found = sum(out["outcomes"].get(k, 0) for k in ("exact", "merge", "review"))
    assert found >= 10
    assert float(np.percentile(out["match"], 95)) < 0.05  # generous on a shared CI machine
