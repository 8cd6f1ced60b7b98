"""bench/ingest.py end to end in a few seconds: two rounds of three gunicorns, the load, one worker."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
@pytest.mark.timeout(180)
def test_the_ingest_bench_runs_every_part_and_prints_its_figures(redis_test_url):
    # redis_test_url: fails (never skips) when Redis is down; the bench itself needs PostgreSQL.
    result = subprocess.run(
        [sys.executable, "bench/ingest.py", "--quick", "--requests", "30", "--warmup", "5",
         "--events", "12", "--rounds", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=170,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"bare Flask endpoint +[\d.]+ req/s .*\(60 ok, 0 errors\)", out), out
    assert re.search(r"POST /webhooks/<connector> +[\d.]+ req/s +p50 +[\d.]+ ms +p99 +[\d.]+ ms"
                     r" +\(60 ok, 0 errors\)", out), out
    assert re.search(r"durable floor \(floor_app\) +[\d.]+ req/s .*\(60 ok, 0 errors\)", out), out
    assert re.search(r"webhook / bare throughput +[\d.]+", out), out
    assert re.search(r"floor / bare throughput +[\d.]+", out), out
    assert re.search(r"webhook / floor throughput +[\d.]+", out), out
    assert "median of 2 round(s)" in out, out
    assert re.search(r"webhook / bare throughput +[\d.]+ .* rounds: [\d.]+ [\d.]+$", out, re.M), out
    assert "one worker (burst) on PostgreSQL, median of 2 round(s):" in out, out
    assert "NOT PROCESSED" not in out, out
    baseline = re.search(r"one rq job per event \(baseline\) +3 events, +(\d+) reservations", out)
    drained = re.search(r"drain in batches +12 events, +(\d+) reservations .* "
                        r"([\d.]+) reservations/s", out)
    assert baseline and int(baseline.group(1)) >= 3, out
    assert drained and int(drained.group(1)) >= 12 and float(drained.group(2)) > 0, out
    assert re.search(r"batched / per-event +[\d.]+x", out), out


@pytest.mark.integration
@pytest.mark.timeout(180)
def test_the_perks_bench_runs_every_part_and_prints_its_figures():
    result = subprocess.run(
        [sys.executable, "bench/perks.py", "--quick", "--seconds", "1", "--rate", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=170,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"rule engine, all offers +[\d.]+ s +counts \[\d+, \d+, \d+, \d+\]", out), out
    assert re.search(r"plain SQL count, first offer +[\d.]+ s +count +\d+", out), out
    assert "first offer's counts agree" in out, out
    for label in ("baseline: GET /healthz", "POST /api/v1/perks/validate"):
        assert re.search(rf"{re.escape(label)} +p50 +[\d.]+ ms +p95 +[\d.]+ ms", out), out
    assert "refused or failed validations: 0" in out, out


@pytest.mark.integration
@pytest.mark.timeout(240)
def test_the_cloud_benches_run_every_part_and_print_their_figures(redis_test_url):
    backfill = subprocess.run([sys.executable, "bench/cloud_backfill.py", "--reservations", "450"],
                              cwd=ROOT, capture_output=True, text=True, timeout=200)
    assert backfill.returncode == 0, backfill.stderr[-3000:]
    out = backfill.stdout
    assert re.search(r"backfill: done, 450 reservations -> 450 stays", out), out
    assert re.search(r"wall +[\d.]+ s +[\d,]+ reservations/s +peak RSS \d+ MB", out), out
    assert re.search(r"COPY of the same rows: +[\d.]+ s", out), out
    assert re.search(r"backfill / COPY: +[\d.]+x", out), out
    hooks = subprocess.run([sys.executable, "bench/cloud_webhooks.py", "--quick", "--requests",
                            "20", "--events", "10"], cwd=ROOT, capture_output=True, text=True,
                           timeout=200)
    assert hooks.returncode == 0, hooks.stderr[-3000:]
    out = hooks.stdout
    for vendor in ("apaleo", "mews", "cloudbeds"):
        assert re.search(rf"{vendor} +floor +[\d.]+ req/s +webhook +[\d.]+ req/s .* errors 0",
                         out), out
    assert re.search(r"10 Apaleo events through the fake API: p50 +[\d.]+ ms +p95 +[\d.]+ ms",
                     out), out
