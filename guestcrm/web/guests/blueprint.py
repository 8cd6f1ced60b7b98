"""The guests blueprint. Admins see every guest; front-desk agents the guests with a stay at
their hotels (anyone else answers 404, as a guest who does not exist); revenue managers 403."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("guests", __name__, url_prefix="/guests")
GUEST_ROLES = ("admin", "front_desk")
