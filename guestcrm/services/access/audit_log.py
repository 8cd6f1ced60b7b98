"""Reading the audit log: filtered by who (a staff member's address or name, a token, any stored
actor), what (an action or its first part, e.g. "perk" or "profile.merge") and when (from / to
dates), newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from guestcrm.models import AuditEntry, StaffUser

PAGE = 200


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""
    what: str = ""
    since: date | None = None
    until: date | None = None


def audit_page(session: Session, wanted: AuditFilter, page: int = 1
               ) -> tuple[list[AuditEntry], bool]:
    """The entries of this page, and whether there are older ones."""
    query = select(AuditEntry)
    who = wanted.who.strip()
    if who:
        staff_ids = list(session.scalars(select(StaffUser.id).where(or_(
            func.lower(StaffUser.email).contains(who.lower()),
            func.lower(StaffUser.name).contains(who.lower())))))
        query = query.where(or_(AuditEntry.actor.in_([f"staff:{i}" for i in staff_ids]),
                                func.lower(AuditEntry.actor).contains(who.lower())))
    what = wanted.what.strip()
    if what:
        query = query.where(or_(AuditEntry.action == what,
                                AuditEntry.action.startswith(what + ".")))
    if wanted.since:
        query = query.where(AuditEntry.at >= datetime.combine(wanted.since, time(), UTC))
    if wanted.until:
        query = query.where(AuditEntry.at < datetime.combine(wanted.until + timedelta(days=1),
                                                             time(), UTC))
    rows = list(session.scalars(query.order_by(AuditEntry.id.desc())
                                .offset((page - 1) * PAGE).limit(PAGE + 1)))
    return rows[:PAGE], len(rows) > PAGE


def audit_actions(session: Session) -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
