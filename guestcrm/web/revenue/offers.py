"""Offers at /revenue: the list, the form (drafts saved as they are typed in), the preview
with its simulation, and publish / pause / archive."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from guestcrm.extensions import db
from guestcrm.models import PerkOffer, Property
from guestcrm.services.perks.offers import (
    TRANSITIONS,
    change_status,
    get_offer,
    save_offer,
    visible_offers,
)
from guestcrm.services.perks.reports import offer_counts
from guestcrm.services.perks.rules import (
    PERK_TYPES,
    SEGMENTS,
    TRIGGERS,
    Eligibility,
    OfferInvalid,
)
from guestcrm.services.perks.simulation import qualifying_now, simulate
from guestcrm.services.value.settings import TIERS, segment_label
from guestcrm.web.access import roles_required
from guestcrm.web.revenue.blueprint import REVENUE_ROLES, actor, bp, offer_scope
from guestcrm.web.revenue.offer_form import offer_data, offer_form


def _hotels() -> list[Property]:
    scope = offer_scope()
    query = select(Property).order_by(Property.code)
    if scope.property_ids is not None:
        query = query.where(Property.id.in_(scope.property_ids))
    return list(db.session.scalars(query))


def _form_page(offer: PerkOffer | None, form: MultiDict, status: int = 200, error: str = ""):
    return render_template(
        "revenue/offer.html", offer=offer, form=form, error=error, hotels=_hotels(),
        perk_types=PERK_TYPES, triggers=TRIGGERS, tiers=TIERS,
        segments=[(code, segment_label(code)) for code in SEGMENTS],
        whole_group=offer_scope().property_ids is None,
        describe=Eligibility.from_json(offer.rule).describe() if offer else ""), status


@bp.get("/")
@roles_required(*REVENUE_ROLES)
def offers():
    archived = request.args.get("archived") == "1"
    found = visible_offers(db.session, offer_scope(), include_archived=archived)
    names = dict(db.session.execute(select(Property.id, Property.code)).all())
    return render_template(
        "revenue/offers.html", offers=found, counts=offer_counts(db.session, [o.id for o in found]),
        perk_types=PERK_TYPES, names=names, archived=archived,
        describe={o.id: Eligibility.from_json(o.rule).describe() for o in found})


@bp.get("/offers/new")
@roles_required(*REVENUE_ROLES)
def new_offer():
    return _form_page(None, offer_form(None))


@bp.post("/offers/new")
@roles_required(*REVENUE_ROLES)
def create_offer():
    try:
        offer = save_offer(db.session, offer_data(request.form), offer_scope(), actor())
    except OfferInvalid as exc:
        db.session.rollback()
        return _form_page(None, request.form, 422, str(exc))
    flash(f"Draft “{offer.name}” saved. Preview it, then publish.", "info")
    return redirect(url_for("revenue.offer", offer_id=offer.id))


@bp.get("/offers/<id:offer_id>")
@roles_required(*REVENUE_ROLES)
def offer(offer_id: int):
    found = get_offer(db.session, offer_id, offer_scope())
    return _form_page(found, offer_form(found))


@bp.post("/offers/<id:offer_id>")
@roles_required(*REVENUE_ROLES)
def update_offer(offer_id: int):
    found = get_offer(db.session, offer_id, offer_scope())
    try:
        save_offer(db.session, offer_data(request.form), offer_scope(), actor(), offer_id)
    except OfferInvalid as exc:
        db.session.rollback()
        return _form_page(found, request.form, 422, str(exc))
    flash("Offer saved.", "info")
    return redirect(url_for("revenue.offer", offer_id=offer_id))


@bp.post("/offers/<id:offer_id>/<any(publish, pause, archive):action>")
@roles_required(*REVENUE_ROLES)
def offer_status(offer_id: int, action: str):
    changed = change_status(db.session, offer_id, action, offer_scope(), actor())
    flash(f"“{changed.name}” is {TRANSITIONS[action][1]}.", "info")
    return redirect(url_for("revenue.offer", offer_id=offer_id))


@bp.get("/offers/<id:offer_id>/preview")
@roles_required(*REVENUE_ROLES)
def preview(offer_id: int):
    found = get_offer(db.session, offer_id, offer_scope())
    rule = Eligibility.from_json(found.rule)
    now = qualifying_now(db.session, {found.id: rule}, {found.id: found.property_ids})
    months = simulate(db.session, rule, found.property_ids, found.unit_cost, found.max_issued,
                      found.max_per_guest_per_year)
    names = dict(db.session.execute(select(Property.id, Property.code)).all())
    return render_template("revenue/preview.html", offer=found, describe=rule.describe(),
                           qualifying=now[found.id], months=months, names=names,
                           total_issued=sum(m.issued for m in months),
                           total_cost=sum((m.cost for m in months), found.unit_cost * 0))
