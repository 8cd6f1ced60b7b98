"""The guest drawer on the desk board: history, preferences, complaints, notes, and what the
agent records there (a complaint, an observed preference, a VIP level with its reason)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples

    def SelectChoice(value: str, label: str) -> tuple[str, str]:  # noqa: N802
        return (value, label)

from guestcrm.errors import Refused
from guestcrm.extensions import db
from guestcrm.jobs.perks import send_perk_mails
from guestcrm.models import GuestProfile, Property
from guestcrm.services.identity.survivorship_rules import shown_sources
from guestcrm.services.perks.issuing import guest_perks, issue_by_staff, staff_offers
from guestcrm.services.recognition import desk as desk_service
from guestcrm.services.value.vip import VipError, assign_vip, vip_levels
from guestcrm.web.access import roles_required, visible_property_ids
from guestcrm.web.desk.board import DESK_ROLES, bp

COMPLAINT_CATEGORIES = ("room", "cleanliness", "noise", "service", "food", "billing",
                        "maintenance", "other")
PREFERENCE_KEYS = ("room_type", "bed", "floor", "pillow", "dietary", "cot", "allergy",
                   "quiet_room", "accessible", "view", "newspaper", "anniversary", "other")


class ComplaintForm(FlaskForm):
    category = SelectField("Category", choices=[SelectChoice(c, c.capitalize())
                                                 for c in COMPLAINT_CATEGORIES])
    description = TextAreaField("What happened", validators=[DataRequired(), Length(max=2000)])
    resolution = TextAreaField("How it was resolved", validators=[Optional(), Length(max=2000)])
    compensation = StringField("Compensation", validators=[Optional(), Length(max=255)])


class PreferenceForm(FlaskForm):
    key = SelectField("Kind", choices=[SelectChoice(k, k.replace("_", " "))
                                       for k in PREFERENCE_KEYS])
    value = StringField("Preference", validators=[DataRequired(), Length(max=255)])
    scope = SelectField("Applies", choices=[SelectChoice("chain", "in every hotel"),
                                              SelectChoice("here", "here only")])


class VipForm(FlaskForm):
    level = SelectField("VIP level", validators=[Optional()])
    reason = StringField("Why", validators=[Optional(), Length(max=500)])


class PerkForm(FlaskForm):
    offer = SelectField("Offer", validators=[DataRequired()])


class NoteLikeDate(FlaskForm):
    """Anniversaries are stored as preferences with an ISO date value."""

    value = StringField("Date", validators=[Regexp(r"^\d{4}-\d{2}-\d{2}$")])


def _guest(profile_id: int) -> GuestProfile:
    return desk_service.visible_guest(db.session, profile_id, visible_property_ids())


def _here() -> Property:
    code = request.values.get("property", "")
    return desk_service.visible_property(db.session, code, visible_property_ids())


def _vip_form() -> VipForm:
    form = VipForm()
    form.level.choices = [SelectChoice("", "— none —")] + [
        SelectChoice(lv.code, f"{lv.code} · {lv.label}") for lv in vip_levels(db.session)]
    return form


def _perk_form(here: Property, formdata: bool = True) -> PerkForm:
    form = PerkForm() if formdata else PerkForm(formdata=None)
    form.offer.choices = [SelectChoice(str(o.id), o.name)
                          for o in staff_offers(db.session, here.id)]
    return form


def _drawer(profile: GuestProfile, here: Property, status: int = 200, **forms):
    card = desk_service.guest_card(db.session, profile)
    forms.setdefault("complaint_form", ComplaintForm(formdata=None))
    forms.setdefault("preference_form", PreferenceForm(formdata=None))
    forms.setdefault("perk_form", _perk_form(here, formdata=False))
    forms.setdefault("perks", guest_perks(db.session, profile.id))
    vip_form = forms.setdefault("vip_form", _vip_form())
    if request.method == "GET":
        vip_form.level.data = profile.vip_level or ""
    template = "desk/_drawer.html" if request.headers.get("HX-Request") else "desk/guest.html"
    return render_template(template, card=card, here=here,
                           sources=shown_sources(profile.field_versions), **forms), status


@bp.get("/guests/<id:profile_id>")
@roles_required(*DESK_ROLES)
def guest(profile_id: int):
    return _drawer(_guest(profile_id), _here())


@bp.post("/guests/<id:profile_id>/complaints")
@roles_required(*DESK_ROLES)
def add_complaint(profile_id: int):
    profile, here = _guest(profile_id), _here()
    form = ComplaintForm()
    if not form.validate_on_submit():
        return _drawer(profile, here, 422, complaint_form=form)
    desk_service.log_complaint(db.session, profile, here, current_user.id, form.category.data,
                               form.description.data, form.resolution.data,
                               form.compensation.data)
    desk_service.record_guest_changes(db.session, profile.id)
    db.session.commit()
    return _drawer(profile, here, saved="Complaint recorded.")


@bp.post("/guests/<id:profile_id>/preferences")
@roles_required(*DESK_ROLES)
def add_preference(profile_id: int):
    profile, here = _guest(profile_id), _here()
    form = PreferenceForm()
    valid = form.validate_on_submit()
    if valid and form.key.data == "anniversary" and not NoteLikeDate(
            formdata=None, value=form.value.data, meta={"csrf": False}).validate():
        form.value.errors = ["an anniversary is a date, YYYY-MM-DD"]
        valid = False
    if not valid:
        return _drawer(profile, here, 422, preference_form=form)
    desk_service.log_preference(db.session, profile, form.key.data, form.value.data,
                                current_user.id, here if form.scope.data == "here" else None)
    desk_service.record_guest_changes(db.session, profile.id)
    db.session.commit()
    return _drawer(profile, here, saved="Preference noted.")


@bp.post("/guests/<id:profile_id>/vip")
@roles_required(*DESK_ROLES)
def set_vip(profile_id: int):
    profile, here = _guest(profile_id), _here()
    form = _vip_form()
    if form.validate_on_submit():
        try:
            assign_vip(db.session, profile, form.level.data or None, form.reason.data or "",
                       actor=f"staff:{current_user.id}")
        except VipError as exc:
            form.reason.errors = [str(exc)]
        else:
            desk_service.record_guest_changes(db.session, profile.id)
            db.session.commit()
            return _drawer(profile, here, vip_form=form, saved="VIP level saved.")
    return _drawer(profile, here, 422, vip_form=form)


@bp.post("/guests/<id:profile_id>/perks")
@roles_required(*DESK_ROLES)
def give_perk(profile_id: int):
    """A perk handed out by hand, from an offer published at this hotel."""
    profile, here = _guest(profile_id), _here()
    form = _perk_form(here)
    if form.validate_on_submit():
        try:
            perk = issue_by_staff(db.session, profile.id, int(form.offer.data), here.id,
                                  actor=f"staff:{current_user.id}")
        except Refused as exc:
            db.session.rollback()
            form.offer.errors = [str(exc)]
        else:
            send_perk_mails(perk.id)
            return _drawer(profile, here, saved=f"Perk issued: code {perk.code}.")
    return _drawer(profile, here, 422, perk_form=form)

