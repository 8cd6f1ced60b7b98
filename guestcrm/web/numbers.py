"""Numbers taken from URLs. Database ids are PostgreSQL integers (32 bits): a larger number
names no row, and must answer 404 (a path) or 400 (a query value), never reach the database."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest id an INTEGER primary key holds


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id, 1 to MAX_ID; anything else does not match (404)."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def id_schema(_converter: IdConverter) -> dict[str, Any]:
    """How flask-smorest documents an `<id:...>` path parameter."""
    return {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_ID}


def register_converters(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter


def int_arg(name: str, default: int, low: int = 0, high: int = MAX_ID) -> int:
    """An integer query value within [low, high]; anything else answers 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, description=f"{name} is a whole number")
    if not low <= value <= high:
        abort(400, description=f"{name} is between {low} and {high}")
    return value
