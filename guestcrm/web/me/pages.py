"""The signed-in guest's own pages: preferences, contact details, consent, and the offer to
keep name and language from the sign-in provider."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from guestcrm.errors import Refused
from guestcrm.extensions import db
from guestcrm.models.portal import CONSENT_CHANNELS, CONSENT_PURPOSES
from guestcrm.services.portal.self_service import (
    LANGUAGES,
    PREFERENCE_CHOICES,
    consent_state,
    guest_preferences,
    set_consent,
    set_contact_details,
    set_preferences,
)
from guestcrm.services.portal.sign_in import keep_provider_details
from guestcrm.web.me.blueprint import bp, signed_in_guest


@bp.post("/provider-details")
def provider_details():
    guest = signed_in_guest()
    offered = session.pop("me_offered", None)
    if offered and request.form.get("keep") == "1":
        keep_provider_details(db.session, guest, offered.get("first_name"),
                              offered.get("last_name"), offered.get("language"))
        flash(_("Saved."), "info")
    return redirect(url_for("me.home"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    guest = signed_in_guest()
    values = guest_preferences(db.session, guest.id)
    error, status = "", 200
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in PREFERENCE_CHOICES}
        try:
            set_preferences(db.session, guest, values)
        except Refused as exc:
            db.session.rollback()
            error, status = str(exc), 422
        else:
            flash(_("Your preferences are saved; the hotel sees them before you arrive."),
                  "info")
            return redirect(url_for("me.preferences"))
    return render_template("me/preferences.html", choices=PREFERENCE_CHOICES, values=values,
                           error=error), status


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    guest = signed_in_guest()
    fields = ("phone", "language", "street", "city", "postal_code", "country")
    values = {f: getattr(guest, f, None) or "" for f in fields if f != "phone"}
    values["phone"] = next((c.value_raw for c in guest.contacts if c.kind == "phone"), "")
    error, status = "", 200
    if request.method == "POST":
        values = {f: request.form.get(f, "")[:255] for f in fields}
        try:
            set_contact_details(db.session, guest, values)
        except Refused as exc:
            db.session.rollback()
            error, status = str(exc), 422
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("me.contact"))
    emails = [c for c in guest.contacts if c.kind == "email"]
    return render_template("me/contact.html", values=values, emails=emails,
                           languages=LANGUAGES, error=error), status


@bp.route("/consent", methods=["GET", "POST"])
def consent():
    guest = signed_in_guest()
    if request.method == "POST":
        granted = {(c, p) for c in CONSENT_CHANNELS for p in CONSENT_PURPOSES
                   if request.form.get(f"{c}.{p}") == "1"}
        set_consent(db.session, guest, granted)
        flash(_("Your choices are saved."), "info")
        return redirect(url_for("me.consent"))
    current, history = consent_state(db.session, guest.id)
    return render_template("me/consent.html", channels=CONSENT_CHANNELS,
                           purposes=CONSENT_PURPOSES, current=current, history=history)
