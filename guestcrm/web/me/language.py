"""The guest's language (flask-babel): ?lang= chosen on the page and kept in the session, else
the guest's own, else what the browser prefers among those the portal speaks."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import get_locale

from guestcrm.extensions import babel

LANGUAGES = {"en": "English", "de": "Deutsch"}


def pick_language() -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    guest = g.get("guest")
    if guest is not None and guest.language in LANGUAGES:
        return guest.language
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def init_language(app: Flask) -> None:
    babel.init_app(app, locale_selector=pick_language)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)
