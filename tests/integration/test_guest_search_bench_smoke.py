"""bench/guest_search.py end to end on a few thousand profiles: it builds its database, times
search beside a primary-key look-up, prints the figures and drops the database."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
@pytest.mark.timeout(180)
def test_the_guest_search_bench_prints_search_p95_beside_the_primary_key_p95(pg_database):
    # pg_database: fails (never skips) when PostgreSQL is down; the bench makes its own.
    result = subprocess.run(
        [sys.executable, "bench/guest_search.py", "--profiles", "3000", "--samples", "18"],
        cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for label in ("baseline: primary-key query", "search, front desk of one hotel",
                  "search, admin \\(every hotel\\)", "GET /guests\\?q= \\(front desk\\)"):
        assert re.search(rf"{label} +p50 +[\d.]+ ms +p95 +[\d.]+ ms", out), (label, out)
    assert re.search(r"search p95 \(worst of the three\) [\d.]+ ms vs primary-key p95 [\d.]+ ms",
                     out), out
    assert re.search(r"front desk 0, admin 0 ", out), out  # every query names a guest who exists
