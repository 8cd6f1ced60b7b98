"""bench/fuzz_webhooks.py in a few seconds: ~30 mutated messages per connector, same code."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    # bench/ is not a package: load the bench module by path so the test runs its very functions.
    spec = importlib.util.spec_from_file_location("fuzz_webhooks", ROOT / "bench" / "fuzz_webhooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
@pytest.mark.timeout(60)
def test_thirty_mutated_messages_per_connector_get_no_5xx_and_the_inbox_accounts_for_each(
    redis_test_url,
):
    # redis_test_url: fails (never skips) when Redis is down; fresh_app fails without PostgreSQL.
    fuzz = _bench()
    started = time.monotonic()
    with fuzz.fresh_app(redis_test_url) as app:
        tallies = fuzz.run(app, count=30, seed=12)
    assert set(tallies) >= {"alpinebits", "opentravel"}
    for connector, tally in tallies.items():
        assert sum(tally.statuses.values()) == 30, connector
        assert tally.statuses["5xx"] == 0, (connector, tally.server_errors)
        assert tally.balances(), (connector, fuzz.table(tallies))
    assert time.monotonic() - started < 30


def test_the_mutations_are_deterministic_from_the_seed_and_include_repeats():
    fuzz = _bench()
    first = fuzz.mutated("opentravel", 40, seed=5)
    assert first == fuzz.mutated("opentravel", 40, seed=5)
    assert first != fuzz.mutated("opentravel", 40, seed=6)
    assert len(first) == 40 and len({m.xml for m in first}) < 40  # identical repeats
    assert fuzz.mutated("no-such-connector", 10, seed=5) == []


def test_the_verdict_fails_a_5xx_a_stuck_row_a_reasonless_failure_and_a_slow_message():
    fuzz = _bench()
    good = fuzz.Tally(statuses={"2xx": 3, "4xx": 1, "5xx": 0}, processed=1, failed=1, duplicates=1)
    assert good.balances() and fuzz.verdict({"opentravel": good}) == []
    for change in ({"stuck": 1}, {"failed_without_reason": 1}, {"lost": ["fake/truncate"]},
                   {"duplicates": 0}):
        bad = fuzz.Tally(**(vars(good) | change))
        assert not bad.balances() and fuzz.verdict({"opentravel": bad}), change
    crashed = fuzz.Tally(**(vars(good) | {"statuses": {"2xx": 3, "4xx": 0, "5xx": 1}}))
    slow = fuzz.Tally(**(vars(good) | {"max_seconds": 1.5}))
    assert fuzz.verdict({"alpinebits": crashed}) and fuzz.verdict({"alpinebits": slow})
