"""The front-desk arrival board, the guest drawer and its rows, on one blueprint at /desk."""

from __future__ import annotations

from guestcrm.web.desk import guests  # noqa: F401  (its routes are on the board's bp)
from guestcrm.web.desk.board import bp

__all__ = ["bp"]
