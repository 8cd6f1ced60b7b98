"""Answer once per Idempotency-Key: the first answer to a (client, key) is stored in the same
transaction as the change it reports, and every replay gets that answer back, whatever happened
since. A key reused for a different request is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestcrm.errors import DomainError, Refused
from guestcrm.models import PerkApiRequest

Answer = tuple[int, dict[str, Any]]
MAX_KEY = 255


class KeyReused(Refused):
    """The key came with a different request before."""


def request_digest(path: str, body: Any) -> str:
    text = json.dumps([path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def answer_once(session: Session, client: str, key: str, digest: str,
                compute: Callable[[], Answer]) -> Answer:
    """The stored answer to this key, or `compute()`'s, stored with whatever it changed.
    A DomainError from `compute` rolls its changes back and is stored as the answer."""
    stored = _stored(session, client, key, digest)
    if stored is not None:
        return stored
    try:
        status, body = compute()
    except DomainError as exc:
        session.rollback()
        status, body = exc.status, error_body(exc)
    session.add(PerkApiRequest(client=client, idempotency_key=key, request_digest=digest,
                               status_code=status, answer=body))
    try:
        session.commit()
    except IntegrityError:  # a concurrent request with this key answered first: its answer
        session.rollback()
        stored = _stored(session, client, key, digest)
        if stored is None:
            raise
        return stored
    return status, body


def error_body(exc: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": exc.status, "status": HTTPStatus(exc.status).phrase,
                            "message": str(exc)}
    reason = getattr(exc, "reason", None)
    if reason:
        body["reason"] = reason
    return body


def _stored(session: Session, client: str, key: str, digest: str) -> Answer | None:
    row = session.scalar(select(PerkApiRequest).where(PerkApiRequest.client == client,
                                                      PerkApiRequest.idempotency_key == key))
    if row is None:
        return None
    if row.request_digest != digest:
        raise KeyReused("this Idempotency-Key came with a different request before")
    return row.status_code, row.answer
