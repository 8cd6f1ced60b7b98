"""Guests for staff, on one blueprint at /guests: search and the guest list, the full profile
and the corrections staff make there."""

from guestcrm.web.guests import notes, profile, search  # noqa: F401  (their routes are on bp)
from guestcrm.web.guests.blueprint import bp

__all__ = ["bp"]
