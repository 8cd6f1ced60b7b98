"""Linked sign-in accounts (link another, unlink while a way in remains) and linking the
profile of an earlier reservation: by the signed link of its confirmation, or by booking
reference and last name."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from guestcrm.errors import Refused
from guestcrm.extensions import db, limiter
from guestcrm.services.portal.linking import NotLinked, link_by_booking, link_by_claim
from guestcrm.services.portal.self_service import (
    linked_accounts,
    unlink_account,
    verified_emails,
)
from guestcrm.web.me.blueprint import bp, current_guest, signed_in_guest
from guestcrm.web.me.providers import providers


def _limit() -> str:
    return current_app.config["GUEST_SIGN_IN_RATE_LIMIT"]


@bp.get("/accounts")
def accounts():
    guest = signed_in_guest()
    return render_template("me/accounts.html", links=linked_accounts(db.session, guest.id),
                           emails=verified_emails(db.session, guest.id),
                           providers=providers())


@bp.post("/accounts/<id:link_id>/unlink")
def unlink(link_id: int):
    guest = signed_in_guest()
    try:
        unlink_account(db.session, guest, link_id)
        flash(_("Account unlinked."), "info")
    except Refused as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("me.accounts"))


@bp.route("/link", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def link_reservation():
    guest = signed_in_guest()
    error, status = "", 200
    if request.method == "POST":
        try:
            link_by_booking(db.session, guest, request.form.get("booking_ref", "")[:128],
                            request.form.get("last_name", "")[:128])
        except NotLinked as exc:
            db.session.rollback()
            error, status = str(exc), 422
        else:
            flash(_("Your reservation is linked to your profile."), "info")
            return redirect(url_for("me.home"))
    return render_template("me/link.html", error=error,
                           booking_ref=request.form.get("booking_ref", "")), status


@bp.get("/claim/<token>")
def claim(token: str):
    if current_guest() is None:
        flash(_("Sign in first; then open the link from your confirmation again."), "info")
        return redirect(url_for("me.home", next=request.path))
    return render_template("me/claim.html", token=token)


@bp.post("/claim/<token>")
@limiter.limit(_limit)
def claim_confirmed(token: str):
    guest = signed_in_guest()
    try:
        link_by_claim(db.session, current_app.config["SECRET_KEY"], token[:512], guest)
    except NotLinked as exc:
        db.session.rollback()
        return render_template("me/failed.html", reason=str(exc)), 422
    flash(_("Your reservation is linked to your profile."), "info")
    return redirect(url_for("me.home"))
