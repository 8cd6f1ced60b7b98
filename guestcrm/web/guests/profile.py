"""GET /guests/<id>: the full profile; POST /guests/<id>: staff correct its core fields
(CSRF-protected, audited; redirect after success, the typed values and errors kept on error)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from guestcrm.extensions import db
from guestcrm.services.guests.corrections import CoreFields, InvalidContact, correct_guest
from guestcrm.services.guests.notes import DEPARTMENTS
from guestcrm.services.guests.primary_contact import primary_contacts
from guestcrm.services.guests.profile import GuestFile, guest_file
from guestcrm.services.identity.survivorship_rules import shown_sources
from guestcrm.web.access import roles_required, visible_property_ids
from guestcrm.web.guests.blueprint import GUEST_ROLES, bp


class CoreFieldsForm(FlaskForm):
    first_name = StringField("First name", validators=[Optional(), Length(max=128)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=128)])
    email = StringField("Email", validators=[Optional(), Length(max=320)])
    phone = StringField("Phone", validators=[Optional(), Length(max=64)])
    language = StringField("Language", validators=[
        Optional(), Length(max=16),
        Regexp(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
               message="a language code such as de, en or pt-BR")])
    company = StringField("Company", validators=[Optional(), Length(max=255)])


def _filled(found: GuestFile) -> CoreFieldsForm:
    p = found.profile
    shown = primary_contacts(found.emails + found.phones)
    return CoreFieldsForm(formdata=None, first_name=p.first_name, last_name=p.last_name,
                          email=shown["email"].value_raw if "email" in shown else "",
                          phone=shown["phone"].value_raw if "phone" in shown else "",
                          language=p.language, company=p.company)


def _page(found: GuestFile, form: CoreFieldsForm, status: int = 200):
    shown = primary_contacts(found.emails + found.phones)
    sources = shown_sources(found.profile.field_versions)
    return render_template("guests/profile.html", g=found, p=found.profile, form=form,
                           shown=shown, departments=DEPARTMENTS, sources=sources), status


@bp.get("/<id:profile_id>")
@roles_required(*GUEST_ROLES)
def profile(profile_id: int):
    found = guest_file(db.session, profile_id, visible_property_ids())
    return _page(found, _filled(found))


@bp.post("/<id:profile_id>")
@roles_required(*GUEST_ROLES)
def correct(profile_id: int):
    found = guest_file(db.session, profile_id, visible_property_ids())
    form = CoreFieldsForm()
    if form.validate_on_submit():
        wanted = CoreFields(**{name: form[name].data for name in (
            "first_name", "last_name", "email", "phone", "language", "company")})
        try:
            changes = correct_guest(db.session, found.profile, wanted,
                                    actor=f"staff:{current_user.id}")
        except InvalidContact as refused:  # raised before anything changed
            form[refused.field].errors = [str(refused)]
        else:
            db.session.commit()
            flash("Saved." if changes else "Nothing changed.", "ok")
            return redirect(url_for("guests.profile", profile_id=profile_id), 303)
    return _page(found, form, 422)
