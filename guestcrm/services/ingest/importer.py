"""Bulk import of saved messages through the same inbox path as webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from connectors.base import DEFAULT_HOTEL_HEADER
from connectors.registry import get_connector
from guestcrm.services.ingest.inbox import accept_message

MAX_FILE_BYTES = 50_000_000


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
) -> ImportReport:
    """Store each file as an inbox event (masked, deduplicated) and hand it to `enqueue`.

    A file whose content cannot be parsed is still stored and shows up as failed with its
    reason, exactly like a webhook delivery; only files that cannot be read are skipped.
    """
    connector = get_connector(connector_name)
    report = ImportReport()
    for path in paths:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise OSError(f"larger than {MAX_FILE_BYTES} bytes")
            body = path.read_bytes()
        except OSError as exc:
            report.unreadable[str(path)] = str(exc)
            progress(f"{path}: cannot read ({exc})")
            continue
        message = connector.from_file(body)
        if hotel_code:
            message.headers = {**message.headers, DEFAULT_HOTEL_HEADER: hotel_code}
        accepted = accept_message(session, connector_name, message, credential="cli", via="import")
        if accepted.duplicate:
            report.duplicates.append(accepted.event.id)
            progress(f"{path}: already imported as event {accepted.event.id}")
            if accepted.event.status != "received":
                continue
        else:
            report.stored.append(accepted.event.id)
        enqueue(accepted.event.id)
        session.refresh(accepted.event)
        progress(
            f"{path}: event {accepted.event.id} {accepted.event.status}"
            + (f" ({accepted.event.error})" if accepted.event.error else "")
        )
    return report
