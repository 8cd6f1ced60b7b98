"""Blueprints: thin views that parse, call a service, and render or serialize."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from guestcrm.extensions import db, login_manager
from guestcrm.models import StaffUser
from guestcrm.services.access.staff import user_for_session
from guestcrm.web.errors import register_error_handlers
from guestcrm.web.numbers import register_converters
from guestcrm.web.people import register_people

# Scripts and styles only from this site (htmx and Chart.js are served from static/): an
# injected <script> or event handler does not run. Style attributes stay allowed: the board
# colours its badges with them, and they cannot run code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
ROLE_HOME = {
    "admin": "admin.inbox", "front_desk": "desk.board", "revenue_manager": "revenue.offers",
}


def register_web(app: Flask) -> None:
    register_converters(app)  # before the routes that use <id:...>
    register_people(app)
    from guestcrm.web import (
        admin,
        admin_access,
        admin_connectors,
        api,
        auth,
        desk,
        guests,
        privacy,
        revenue,
        review,
        webhooks,
    )
    from guestcrm.web.me import init_me

    app.register_blueprint(auth.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_access.bp)
    app.register_blueprint(admin_connectors.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(guests.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(revenue.bp)
    init_me(app)
    api.init_api(app)

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> StaffUser | None:
        return user_for_session(db.session, user_id)

    @app.get("/")
    def home():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return redirect(url_for(ROLE_HOME.get(current_user.role, "auth.login")))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    register_error_handlers(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if app.config["GUESTCRM_ENV"] == "production" or request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

