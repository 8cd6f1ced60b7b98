"""The shared vendor HTTP client's rules that need no server: rate limit, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from connectors.http_client import RateLimit, retry_after_seconds


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_rate_limit_spaces_calls_over_its_window():
    clock = Clock()
    limit = RateLimit(5, 1.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        assert limit.wait() == 0.0
    assert limit.wait() == 1.0  # the sixth call waits for the first to leave the window
    assert clock.now == 1.0
    clock.now = 10.0
    assert limit.wait() == 0.0


def test_mews_rate_200_per_30_seconds():
    clock = Clock()
    limit = RateLimit(200, 30.0, clock=clock, sleep=clock.sleep)
    for _ in range(600):
        limit.wait()
    assert 59.0 <= clock.now <= 60.0


def test_retry_after_as_seconds_or_an_http_date():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 31
