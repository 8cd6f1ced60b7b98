"""Bulk import of saved messages through the same inbox path as webhooks.

A file is one saved message, except a JSON Lines export (`.jsonl`, `.ndjson`: one vendor
reservation a line) of a cloud PMS connector, which is read in chunks of CHUNK_LINES lines,
each stored as one document: memory stays flat whatever the file's size. `on_progress` hears
after every message how many bytes of all the files are done, for a bar with rate and ETA.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from connectors.base import DEFAULT_HOTEL_HEADER
from connectors.registry import get_connector
from guestcrm.errors import Refused
from guestcrm.services.ingest.inbox import accept_message

MAX_FILE_BYTES = 50_000_000
CHUNK_LINES = 500
JSON_LINES = (".jsonl", ".ndjson")


@dataclass
class ImportProgress:
    bytes_done: int
    bytes_total: int
    started: float = field(default_factory=time.monotonic)

    @property
    def per_second(self) -> float:
        """Bytes a second so far."""
        return self.bytes_done / max(time.monotonic() - self.started, 1e-6)

    @property
    def eta_seconds(self) -> float | None:
        rate = self.per_second
        return (self.bytes_total - self.bytes_done) / rate if rate > 0 else None


@dataclass
class ImportReport:
    stored: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)


def import_files(
    session: Session,
    connector_name: str,
    paths: Iterable[Path],
    enqueue: Callable[[int], None],
    progress: Callable[[str], None] = lambda _msg: None,
    hotel_code: str | None = None,
    on_progress: Callable[[ImportProgress], None] = lambda _p: None,
) -> ImportReport:
    """Store each file (or each chunk of a JSON Lines export) as an inbox event (masked,
    deduplicated) and hand it to `enqueue`.

    A file whose content cannot be parsed is still stored and shows up as failed with its
    reason, exactly like a webhook delivery; only files that cannot be read are skipped.
    """
    connector = get_connector(connector_name)
    if getattr(connector, "fetches", False) and not hotel_code:
        raise Refused(f"{connector_name} exports name the vendor's property, not the hotel: "
                      "give the hotel's code with --hotel")
    paths = list(paths)
    report = ImportReport()
    status = ImportProgress(0, sum(_size(p) for p in paths))
    for path in paths:
        try:
            messages = list(_whole_file(connector, path)) if path.suffix not in JSON_LINES \
                else None
        except OSError as exc:
            report.unreadable[str(path)] = str(exc)
            progress(f"{path}: cannot read ({exc})")
            continue
        if messages is None and not getattr(connector, "fetches", False):
            report.unreadable[str(path)] = "JSON Lines are read for cloud PMS connectors only"
            progress(f"{path}: {report.unreadable[str(path)]}")
            continue
        chunks = messages or _json_lines(connector, path, report)
        for label, message, size in chunks:
            status.bytes_done += size
            if message is None:  # blank or unreadable lines only
                continue
            if hotel_code:
                message.headers = {**message.headers, DEFAULT_HOTEL_HEADER: hotel_code}
            _store(session, connector_name, message, f"{path}{label}", enqueue, report,
                   progress)
            on_progress(status)
    return report


def _store(session: Session, connector_name: str, message, where: str,
           enqueue: Callable[[int], None], report: ImportReport,
           progress: Callable[[str], None]) -> None:
    accepted = accept_message(session, connector_name, message, credential="cli", via="import")
    if accepted.duplicate:
        report.duplicates.append(accepted.event.id)
        progress(f"{where}: already imported as event {accepted.event.id}")
        if accepted.event.status != "received":
            return
    else:
        report.stored.append(accepted.event.id)
    enqueue(accepted.event.id)
    session.refresh(accepted.event)
    progress(
        f"{where}: event {accepted.event.id} {accepted.event.status}"
        + (f" ({accepted.event.error})" if accepted.event.error else "")
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _whole_file(connector, path: Path) -> Iterator[tuple[str, object, int]]:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise OSError(f"larger than {MAX_FILE_BYTES} bytes")
    yield "", connector.from_file(path.read_bytes()), size


def _json_lines(connector, path: Path, report: ImportReport
                ) -> Iterator[tuple[str, object, int]]:
    """Chunks of a JSON Lines export as documents; a line that is not JSON is reported."""
    with path.open("rb") as handle:
        items: list = []
        size, first = 0, 1
        for number, line in enumerate(handle, start=1):
            size += len(line)
            if line.strip():
                try:
                    items.append(json.loads(line))
                except ValueError as exc:
                    report.unreadable[f"{path}:{number}"] = f"not JSON: {exc}"
            if len(items) >= CHUNK_LINES:
                yield f" lines {first}-{number}", _document(connector, items), size
                items, size, first = [], 0, number + 1
        if items or size:
            yield f" lines {first}-{number}", _document(connector, items) if items else None, size


def _document(connector, items: list):
    return connector.from_file(json.dumps(items).encode())
