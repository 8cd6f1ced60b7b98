"""`{{ actor|who }}` in templates: a stored actor as a person's name, with the staff names read
once per request."""

from __future__ import annotations

from flask import Flask, g

from guestcrm.extensions import db
from guestcrm.services.access.people import readable_actor, staff_names


def who(actor: str | None) -> str:
    names = g.get("_staff_names")
    if names is None:
        names = g._staff_names = staff_names(db.session)
    return readable_actor(actor, names)


def register_people(app: Flask) -> None:
    app.add_template_filter(who, "who")
