"""The machine API under /api/v1 (token auth), documented at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from guestcrm.extensions import csrf, limiter
from guestcrm.web.api import arrivals, guests, perks  # noqa: F401  (their routes are on bp)
from guestcrm.web.api.blueprint import BEARER, api, bp
from guestcrm.web.numbers import IdConverter, id_schema


def init_api(app: Flask) -> None:
    api.init_app(app, spec_kwargs={"info": {"description": "GuestCRM machine API"}})
    api.register_converter(IdConverter, id_schema)
    api.spec.components.security_scheme("bearerAuth", BEARER)
    api.register_blueprint(bp)
    csrf.exempt(bp)
    limiter.limit("600 per minute")(bp)
