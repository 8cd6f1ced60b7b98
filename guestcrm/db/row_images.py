"""JSON images of ORM rows, exact enough to put a deleted row back as it was."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Numeric

from guestcrm.db.types import UTCDateTime


def row_image(obj) -> dict:
    """Every column of the row, JSON-able (dates as ISO text, decimals as text)."""
    out = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[column.key] = value
    return out


def from_image(model, image: dict) -> dict:
    """Column values for `model(**values)` from a row_image."""
    values = {}
    for column in model.__table__.columns:
        if column.key not in image:
            continue
        value = image[column.key]
        if value is not None:
            if isinstance(column.type, UTCDateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(column.type, Date):
                value = date.fromisoformat(value)
            elif isinstance(column.type, Numeric):
                value = Decimal(value)
        values[column.key] = value
    return values
