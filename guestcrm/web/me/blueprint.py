"""The /me blueprint and the signed-in guest: a cookie of its own (HttpOnly, SameSite=Lax,
Secure when staff cookies are), holding a token whose digest is a guest_session row."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for

from guestcrm.extensions import db
from guestcrm.models import GuestProfile
from guestcrm.services.portal.guest_sessions import guest_for_token

bp = Blueprint("me", __name__, url_prefix="/me")
COOKIE = "guestcrm_guest"


@bp.before_request
def load_guest() -> None:
    g.guest = guest_for_token(db.session, request.cookies.get(COOKIE))


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def current_guest() -> GuestProfile | None:
    return g.get("guest")


def signed_in_guest() -> GuestProfile:
    """The guest; a visitor who is not signed in goes to sign-in, and comes back after."""
    guest = current_guest()
    if guest is None:
        target = request.path if request.method == "GET" else None
        abort(redirect(url_for("me.home", next=target)))
    return guest


def set_guest_cookie(response: Response, token: str | None) -> Response:
    secure = current_app.config.get("SESSION_COOKIE_SECURE", False)
    if token is None:
        response.delete_cookie(COOKIE, path="/me", secure=secure, httponly=True, samesite="Lax")
    else:
        response.set_cookie(COOKIE, token, max_age=30 * 24 * 3600, path="/me", secure=secure,
                            httponly=True, samesite="Lax")
    return response


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path of the portal only (never another site)."""
    if not target or len(target) > 512:
        return url_for("me.home")
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not parts.path.startswith("/me")
            or target.startswith("//") or "\\" in target):
        return url_for("me.home")
    return target


def go_home() -> Response:
    return redirect(url_for("me.home"))
