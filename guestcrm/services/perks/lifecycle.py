"""Perks over time: codes past their expiry day are marked expired (so lists and analytics
count them), in one statement."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session

from guestcrm.models import Perk


def expire_perks(session: Session, today: date | None = None) -> int:
    today = today or date.today()
    result = session.execute(update(Perk).where(Perk.status == "issued",
                                                Perk.expires_on < today)
                             .values(status="expired"))
    session.commit()
    return result.rowcount
