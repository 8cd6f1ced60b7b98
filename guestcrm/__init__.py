"""GuestCRM: one profile per real hotel guest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app factory; nothing is connected or read before it is called."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from guestcrm.config import load_config

    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    if app.config["GUESTCRM_ENV"] == "production":
        if not app.config["SECRET_KEY_FROM_ENV"]:
            raise RuntimeError("SECRET_KEY must be set in production")
        if not app.config["PUBLIC_URL"]:
            raise RuntimeError("GUESTCRM_PUBLIC_URL must be set in production (links in mails)")
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    _check_alpinebits_schemas()

    from guestcrm import extensions, models  # noqa: F401  (models register their tables)
    from guestcrm.jobs.queue import init_jobs
    from guestcrm.services.guests.search_text import keep_search_text_current

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(root / "migrations"))
    extensions.login_manager.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    init_jobs(app)
    keep_search_text_current()

    from guestcrm.web import register_web

    register_web(app)

    from guestcrm.cli import register_cli

    register_cli(app)
    return app


def _check_alpinebits_schemas() -> None:
    """Schema validation of AlpineBits messages is never off silently: with it on, a missing
    schema stops the start-up with what to do about it."""
    from connectors.alpinebits_messages import (
        VALIDATE_ENV,
        XSD_DIR_ENV,
        missing_schemas,
        validation_on,
    )

    missing = missing_schemas() if validation_on() else []
    if missing:
        raise RuntimeError(
            f"AlpineBits XSD validation is on but these schemas are missing: "
            f"{', '.join(str(path) for path in missing)}. Point {XSD_DIR_ENV} at the folder "
            f"holding alpinebits-<version>.xsd (the official schemas from alpinebits.org), or "
            f"set {VALIDATE_ENV}=0 to accept AlpineBits messages without schema validation."
        )
