"""The date at a hotel, not on the server: a late shift must not see tomorrow's list."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from guestcrm.models import Property


def hotel_today(prop: Property) -> date:
    try:
        zone = ZoneInfo(prop.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()
