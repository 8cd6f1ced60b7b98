"""Jobs that pull reservations from booking systems into the inbox."""

from __future__ import annotations

from dataclasses import asdict

from connectors.alpinebits_client import AlpineBitsClient, sources_from_env
from guestcrm.extensions import db
from guestcrm.services.ingest.pull import pull_guest_requests


def pull_alpinebits(source_name: str) -> dict:
    """Poll one configured AlpineBits server (GUESTCRM_ALPINEBITS_SOURCES) and store what it has."""
    sources = {s.name: s for s in sources_from_env()}
    if source_name not in sources:
        raise LookupError(f"no AlpineBits source named {source_name!r}")
    return asdict(pull_guest_requests(db.session, AlpineBitsClient(sources[source_name])))
