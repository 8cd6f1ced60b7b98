"""The machine API under /api/v1 (token auth), documented at /api/v1/openapi.json."""

from __future__ import annotations

from guestcrm.web.api import arrivals  # noqa: F401  (its routes are on the guests' bp)
from guestcrm.web.api.guests import init_api

__all__ = ["init_api"]
