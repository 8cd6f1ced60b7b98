"""Authorization helpers: roles and property scope, checked on every staff route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def roles_required(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def visible_property_ids() -> set[int] | None:
    """None: every property (admins); else the staff member's properties."""
    if current_user.role == "admin":
        return None
    return current_user.property_ids()
