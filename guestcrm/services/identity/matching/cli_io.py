"""File side of `flask match`: JSONL guest records in, CSV `record_id,profile_id` out."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .api import resolve
from .records import GuestRecord
from .settings import MatchSettings


class InputError(ValueError):
    """A record that cannot be read; the message names the line."""


def read_jsonl(path: str | Path) -> Iterator[GuestRecord]:
    """One JSON object per line; blank lines are skipped. Raises InputError on the first bad
    line (not JSON, not an object, no record_id, a duplicate record_id, a nested value)."""
    seen: set[str] = set()
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise InputError(f"line {number}: expected a JSON object")
            try:
                record = GuestRecord.from_mapping(data)
            except ValueError as exc:
                raise InputError(f"line {number}: {exc}") from None
            if record.record_id in seen:
                raise InputError(f"line {number}: duplicate record_id {record.record_id!r}")
            seen.add(record.record_id)
            yield record


def write_clusters(path: str | Path, clusters: dict[str, str]) -> None:
    """CSV with header record_id,profile_id, in input order."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "profile_id"])
        writer.writerows(clusters.items())


def run_match(
    input_path: str | Path,
    output_path: str | Path,
    progress: Callable[[str], None] | None = None,
    settings: MatchSettings | None = None,
) -> dict:
    """Read, resolve, write. Prints nothing; `progress` receives short status lines.

    Returns a summary: records, profiles, merge and review pair counts, seconds.
    """
    say = progress or (lambda _msg: None)
    start = time.perf_counter()
    records = list(read_jsonl(input_path))
    say(f"read {len(records)} records")
    result = resolve(records, settings, progress=say)
    write_clusters(output_path, result.clusters)
    say(f"wrote {output_path}")
    return {
        "records": len(records),
        "profiles": len(set(result.clusters.values())),
        "merge_pairs": result.stats.get("merge_pairs", 0),
        "review_pairs": result.stats.get("review_pairs", 0),
        "seconds": round(time.perf_counter() - start, 3),
    }
