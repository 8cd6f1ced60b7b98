"""Privacy requests as records: who asked for what about which guest, and when it was done
(the data-protection officer's list); audited without personal data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.db.types import utcnow
from guestcrm.models import AuditEntry, PrivacyRequest


def record_export(session: Session, profile_id: int, actor: str) -> None:
    session.add(PrivacyRequest(profile_id=profile_id, kind="export", requested_by=actor,
                               status="done", completed_at=utcnow(), details={}))
    session.add(AuditEntry(actor=actor, action="privacy.export", target_type="guest_profile",
                           target_id=str(profile_id), details={}))
    session.commit()


def recent_requests(session: Session, limit: int = 100) -> list[PrivacyRequest]:
    return list(session.scalars(select(PrivacyRequest)
                                .order_by(PrivacyRequest.id.desc()).limit(limit)))
