"""CSV downloads that open safely in Excel: UTF-8 with a byte-order mark, every text cell that
a spreadsheet would run as a formula neutralized (OWASP: a leading apostrophe), and a file
name of safe characters only, whatever the data (hotel codes and channel names come from
messages)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_cell(value: Any) -> Any:
    """A text cell that cannot run as a formula; numbers, dates and None pass as they are."""
    if not isinstance(value, str):
        return "" if value is None else value
    if value.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def safe_filename(name: str) -> str:
    """Only letters, digits, '.', '_' and '-' (runs of anything else become one '_')."""
    return _UNSAFE_IN_NAME.sub("_", name).strip("._") or "export"


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 only with the BOM (accents, Cyrillic names)
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    name = safe_filename(filename.removesuffix(".csv")) + ".csv"
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
