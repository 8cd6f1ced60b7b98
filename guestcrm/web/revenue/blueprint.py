"""The revenue manager's blueprint at /revenue: offers, analytics, settings."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from guestcrm.extensions import db
from guestcrm.services.access.staff import manages_the_whole_group
from guestcrm.services.perks.offers import OfferScope

bp = Blueprint("revenue", __name__, url_prefix="/revenue")
REVENUE_ROLES = ("admin", "revenue_manager")


def actor() -> str:
    return f"staff:{current_user.id}"


def offer_scope() -> OfferScope:
    """The whole group for admins and managers of every hotel; else the manager's hotels."""
    if manages_the_whole_group(db.session, current_user):
        return OfferScope(None)
    return OfferScope(frozenset(current_user.property_ids()))


def group_settings_allowed() -> None:
    if not manages_the_whole_group(db.session, current_user):
        abort(403)
