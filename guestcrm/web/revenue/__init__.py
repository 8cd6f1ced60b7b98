"""The revenue manager's pages at /revenue: offers, analytics, recognition and value settings."""

from __future__ import annotations

from guestcrm.web.revenue import analytics, offers, settings  # noqa: F401  (routes on bp)
from guestcrm.web.revenue.blueprint import bp

__all__ = ["bp"]
