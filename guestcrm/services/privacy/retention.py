"""The retention rule: a guest with no stay for N years (and no profile activity that recent)
is erased; N is a setting (`privacy.retention_years`, 0: off)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, CrmSetting, GuestProfile, Stay, StayGuest
from guestcrm.services.privacy.erasure import erase_guest

SETTING_KEY = "privacy.retention_years"
DEFAULT_YEARS = 7
MAX_YEARS = 30


def retention_years(session: Session) -> int:
    """The setting in years; the default when absent or out of range, 0: retention is off."""
    row = session.get(CrmSetting, SETTING_KEY)
    value = (row.value or {}).get("years") if row is not None else None
    return value if isinstance(value, int) and 0 <= value <= MAX_YEARS else DEFAULT_YEARS


def set_retention_years(session: Session, years: int, actor: str) -> None:
    """Store the setting (0 to MAX_YEARS, else Refused) and audit the change. Commits."""
    if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= MAX_YEARS:
        raise Refused(f"retention is 0 (off) to {MAX_YEARS} years")
    row = session.get(CrmSetting, SETTING_KEY) or CrmSetting(key=SETTING_KEY)
    before = (row.value or {}).get("years") if row.value else None
    row.value, row.updated_by = {"years": years}, actor
    session.add(row)
    session.add(AuditEntry(actor=actor, action="privacy.retention_setting",
                           target_type="setting", target_id=SETTING_KEY,
                           details={"before": before, "after": years}))
    session.commit()


def past_retention(session: Session, years: int, today: date | None = None,
                   limit: int | None = None) -> list[int]:
    """Live, not yet erased guests whose last stay (any status) ended before the cut-off and
    whose profile is older than it, in id order (the first `limit` of them)."""
    if years <= 0:
        return []
    today = today or date.today()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    last_stay = (select(StayGuest.profile_id, func.max(func.coalesce(Stay.departure,
                                                                    Stay.arrival)).label("last"))
                 .join(Stay, Stay.id == StayGuest.stay_id).group_by(StayGuest.profile_id)
                 .subquery())
    query = (select(GuestProfile.id).outerjoin(last_stay, last_stay.c.profile_id ==
                                               GuestProfile.id)
             .where(GuestProfile.merged_into_id.is_(None), GuestProfile.erased_at.is_(None),
                    GuestProfile.created_at < datetime.combine(cutoff, time(), UTC),
                    (last_stay.c.last.is_(None)) | (last_stay.c.last < cutoff))
             .order_by(GuestProfile.id).limit(limit))
    return list(session.scalars(query))


def apply_retention(session: Session, actor: str = "system:retention",
                    today: date | None = None, dry_run: bool = False, batch: int = 1000
                    ) -> list[int]:
    """Erase the guests past retention (`retention_years`; 0: none), `batch` at a time, each
    guest committed on its own; their ids. A dry run erases nothing and lists every guest due."""
    years = retention_years(session)
    if dry_run:
        due = past_retention(session, years, today)
        session.rollback()
        return due
    erased: list[int] = []
    while True:
        due = past_retention(session, years, today, limit=batch)
        session.rollback()
        if not due:
            return erased
        for profile_id in due:
            erase_guest(session, profile_id, actor, kind="retention")
        erased += due
