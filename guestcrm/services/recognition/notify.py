"""VIP arrival notices to the duty manager: an outbound webhook signed with HMAC-SHA256.

The notice is stored with the check-in (one per stay), then delivered by a job that rq retries
with backoff; the receiver checks `X-GuestCRM-Signature: sha256=<hex>` computed over
`<timestamp>.<raw body>` with the shared secret, and rejects stale timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import OutboundNotification, Stay
from guestcrm.services.recognition.arrivals import Arrival

KIND = "vip_arrival"


class DeliveryFailed(RuntimeError):
    """The receiver did not take the notice; the job raises it so rq retries later."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, max_age: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does; kept here so the contract is tested from both sides."""
    if abs((now or time.time()) - int(timestamp)) > max_age:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def vip_arrival_notice(
    session: Session, stay: Stay, arrival: Arrival
) -> OutboundNotification | None:
    """Store a notice when a flagged VIP checks in; a second check-in adds none."""
    vip = next((f for f in arrival.flags if f.code == "vip"), None)
    if vip is None:
        return None
    notice = OutboundNotification(kind=KIND, stay_id=stay.id, payload={
        "event": KIND, "stay_id": stay.id, "reservation": stay.external_id,
        "property": arrival.property_code, "guest": arrival.guest_name,
        "guest_id": arrival.profile_id, "room": arrival.room_number,
        "vip": {"level": vip.facts.get("level"), "reason": vip.reason},
        "flags": [{"code": f.code, "label": f.label, "reason": f.reason} for f in arrival.flags],
    })
    try:
        with session.begin_nested():
            session.add(notice)
    except IntegrityError:
        return None
    return notice


def notice_ids(session: Session, stay_ids: list[int]) -> dict[int, int]:
    """stay id -> the id of its VIP arrival notice, for the stays that have one."""
    if not stay_ids:
        return {}
    return dict(session.execute(select(OutboundNotification.stay_id, OutboundNotification.id)
                                .where(OutboundNotification.stay_id.in_(stay_ids),
                                       OutboundNotification.kind == KIND)).all())


def pending_notice_id(session: Session, stay_id: int) -> int | None:
    return session.scalar(select(OutboundNotification.id).where(
        OutboundNotification.stay_id == stay_id, OutboundNotification.kind == KIND,
        OutboundNotification.status == "pending"))


def deliver(session: Session, notice_id: int, url: str | None, secret: str | None,
            post: Callable | None = None, timeout: float = 5.0) -> str:
    """One delivery attempt; raises DeliveryFailed (after recording why) for a retry."""
    notice = session.get(OutboundNotification, notice_id)
    if notice is None or notice.status == "sent":
        return "nothing to do"
    if not url or not secret:
        notice.status, notice.last_error = "failed", "no duty-manager webhook configured"
        session.commit()
        return notice.status
    if post is None:
        import requests

        post = requests.post
    body = json.dumps(notice.payload, sort_keys=True, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    notice.attempts += 1
    try:
        response = post(url, data=body, timeout=timeout, headers={
            "Content-Type": "application/json", "X-GuestCRM-Timestamp": stamp,
            "X-GuestCRM-Signature": sign(secret, stamp, body),
            "X-GuestCRM-Delivery": str(notice.id)})
        ok, why = 200 <= response.status_code < 300, f"HTTP {response.status_code}"
    except Exception as exc:  # noqa: BLE001  any transport error is a failed attempt
        ok, why = False, f"{type(exc).__name__}: {exc}"[:500]
    if ok:
        notice.status, notice.sent_at, notice.last_error = "sent", utcnow(), None
        session.commit()
        return notice.status
    notice.last_error = why
    session.commit()
    raise DeliveryFailed(why)


@dataclass(frozen=True)
class UndeliveredNotice:
    id: int
    property_id: int
    guest: str
    room: str | None
    error: str
    attempts: int
    created_at: object


def undelivered_notices(session: Session, property_ids: set[int] | None = None,
                        limit: int = 50) -> list[UndeliveredNotice]:
    """Duty-manager notices that did not get through (failed, or still retrying after an
    error): the board and the admin area show them, so a VIP is not missed in silence."""
    query = (select(OutboundNotification, Stay.property_id)
             .join(Stay, Stay.id == OutboundNotification.stay_id)
             .where((OutboundNotification.status == "failed")
                    | ((OutboundNotification.status == "pending")
                       & OutboundNotification.last_error.is_not(None)))
             .order_by(OutboundNotification.id.desc()).limit(limit))
    if property_ids is not None:
        query = query.where(Stay.property_id.in_(property_ids))
    return [UndeliveredNotice(n.id, prop, str(n.payload.get("guest") or "a VIP"),
                              n.payload.get("room"), n.last_error or "not delivered",
                              n.attempts, n.created_at)
            for n, prop in session.execute(query)]
