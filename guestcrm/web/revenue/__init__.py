"""The revenue manager's pages at /revenue: recognition and value settings."""

from __future__ import annotations

from guestcrm.web.revenue.settings import bp

__all__ = ["bp"]
