"""The guest portal at /me: sign-in (social accounts, OpenID Connect, email link), linking the
profile of a reservation, self-service, privacy. Guests have a cookie of their own, apart from
staff sessions (guest_session.py)."""

from __future__ import annotations

from flask import Flask

from guestcrm.web.me import accounts, pages, privacy, sign_in  # noqa: F401  (routes on bp)
from guestcrm.web.me.blueprint import bp
from guestcrm.web.me.language import init_language
from guestcrm.web.me.providers import register_providers


def init_me(app: Flask) -> None:
    register_providers(app)
    init_language(app)
    app.register_blueprint(bp)
