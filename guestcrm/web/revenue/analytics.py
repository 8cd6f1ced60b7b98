"""/revenue/analytics: direct share, perks and their cost, conversion, commission saved and
repeat rate, filtered by period and hotel, as charts, tables and a CSV download."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, render_template, request
from sqlalchemy import select

from guestcrm.extensions import db
from guestcrm.models import Property
from guestcrm.services.perks.reports import CSV_HEADER, analytics, csv_rows
from guestcrm.web.access import roles_required
from guestcrm.web.csv_export import csv_response
from guestcrm.web.revenue.blueprint import REVENUE_ROLES, bp, offer_scope

MAX_PERIOD = timedelta(days=3 * 366)


def _day(name: str, default: date) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, description=f"{name} is a date, YYYY-MM-DD")


def _filters() -> tuple[date, date, list[Property], Property | None]:
    today = date.today()
    last = _day("to", today)
    year, month = (last.year, last.month - 11) if last.month == 12 else (last.year - 1,
                                                                       last.month + 1)
    first = _day("from", date(year, month, 1))  # the last twelve months
    if first > last or last - first > MAX_PERIOD:
        abort(400, description="choose a period of up to three years, from before to")
    scope = offer_scope()
    query = select(Property).order_by(Property.code)
    if scope.property_ids is not None:
        query = query.where(Property.id.in_(scope.property_ids))
    hotels = list(db.session.scalars(query))
    chosen = None
    code = request.args.get("property", "").strip()
    if code:
        chosen = next((h for h in hotels if h.code == code), None)
        if chosen is None:
            abort(404)
    return first, last, hotels, chosen


@bp.get("/analytics")
@roles_required(*REVENUE_ROLES)
def analytics_page():
    first, last, hotels, chosen = _filters()
    ids = [chosen.id] if chosen else (None if offer_scope().property_ids is None
                                      else [h.id for h in hotels])
    data = analytics(db.session, first, last, ids)
    if request.args.get("format") == "csv":
        name = f"direct-share-{chosen.code if chosen else 'all'}-{first}-{last}"
        return csv_response(CSV_HEADER, csv_rows(data), name)
    chart = {
        "months": data.months,
        "direct_share": {part: [data.by_month[m].share(part) for m in data.months]
                         for part in ("bookings", "nights", "revenue")},
        "perks": {kind: [getattr(data.perks[m], kind) for m in data.months]
                  for kind in ("issued", "redeemed", "expired", "reversed")},
    }
    names = {h.id: h.name or h.code for h in hotels}
    return render_template("revenue/analytics.html", data=data, chart=chart, first=first,
                           last=last, hotels=hotels, chosen=chosen, names=names,
                           csv_args=request.args.to_dict() | {"format": "csv"})
