"""Signing in at /me: with a configured provider (authorization code flow through authlib), or
with a single-use link mailed to the guest; and signing out."""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError

from connectors.social.providers import SignInClaims, claims_from
from guestcrm.errors import Refused
from guestcrm.extensions import db, limiter
from guestcrm.jobs.perks import hand_on_mail
from guestcrm.services.perks.issuing import guest_perks
from guestcrm.services.portal.email_links import LinkInvalid, request_link, use_link
from guestcrm.services.portal.guest_sessions import end_session, start_session
from guestcrm.services.portal.self_service import guest_stays
from guestcrm.services.portal.sign_in import (
    link_provider,
    sign_in_with_email,
    sign_in_with_provider,
)
from guestcrm.web.me.blueprint import (
    COOKIE,
    bp,
    current_guest,
    safe_next,
    set_guest_cookie,
)
from guestcrm.web.me.providers import client, providers, signed_with_allowed_algorithm


def _limit() -> str:
    return current_app.config["GUEST_SIGN_IN_RATE_LIMIT"]


class SignInFailed(Exception):
    """The provider's answer did not prove who signed in."""


@bp.get("/")
def home():
    guest = current_guest()
    if guest is None:
        return render_template("me/sign_in.html", providers=providers().values(),
                               next=request.args.get("next", ""))
    return render_template("me/home.html", guest=guest, stays=guest_stays(db.session, guest.id),
                           perks=guest_perks(db.session, guest.id),
                           offered=session.get("me_offered"))


@bp.get("/login/<name>")
@limiter.limit(_limit)
def login(name: str):
    if name not in providers():
        return render_template("me/failed.html", reason=_("Unknown sign-in provider.")), 404
    session["me_next"] = safe_next(request.args.get("next"))
    redirect_uri = url_for("me.callback", name=name, _external=True)
    return client(name).authorize_redirect(redirect_uri)


@bp.get("/callback/<name>")
@limiter.limit(_limit)
def callback(name: str):
    provider = providers().get(name)
    if provider is None:
        return render_template("me/failed.html", reason=_("Unknown sign-in provider.")), 404
    try:
        claims = _claims(name)
    except (SignInFailed, AuthlibBaseError, JoseError, requests.RequestException,
            ValueError, KeyError) as exc:
        current_app.logger.info("guest sign-in with %s failed: %s", name, type(exc).__name__)
        return render_template("me/failed.html",
                               reason=_("The sign-in could not be completed. Please try "
                                        "again.")), 400
    guest = current_guest()
    try:
        if guest is not None:  # signed in already: link this account too
            link_provider(db.session, guest, name, claims)
            flash(_("Account linked."), "info")
            return redirect(url_for("me.accounts"))
        signed = sign_in_with_provider(db.session, name, claims)
    except Refused as exc:
        db.session.rollback()
        return render_template("me/failed.html", reason=str(exc)), 409
    if signed.how == "new" and (claims.given_name or claims.family_name or claims.locale):
        session["me_offered"] = {"first_name": claims.given_name,
                                 "last_name": claims.family_name,
                                 "language": (claims.locale or "")[:2].lower() or None}
    token = start_session(db.session, signed.profile.id, name)
    return set_guest_cookie(redirect(safe_next(session.pop("me_next", None))), token)


def _claims(name: str) -> SignInClaims:
    provider = providers()[name]
    oauth = client(name)
    token = oauth.authorize_access_token(leeway=current_app.config["GUEST_ID_TOKEN_LEEWAY"])
    if provider.oidc:
        # authlib checks the id_token only when the flow had a nonce: demand that it did.
        id_token, userinfo = token.get("id_token"), token.get("userinfo")
        if not id_token or userinfo is None or not signed_with_allowed_algorithm(id_token):
            raise SignInFailed("no verified id_token")
        return claims_from(provider, userinfo, None)
    return claims_from(provider, None, oauth.userinfo(token=token))


def _public_link(endpoint: str, **values: str) -> str:
    """A link for a mail: on the configured public address (GUESTCRM_PUBLIC_URL). Without it
    (a trial run) the request's own address is used, except in production, where a forged Host
    header would send a guest's sign-in link to someone else's site."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    if current_app.config["GUESTCRM_ENV"] == "production":
        raise RuntimeError("GUESTCRM_PUBLIC_URL must be set for links in mails")
    return url_for(endpoint, _external=True, **values)


@bp.post("/email")
@limiter.limit(_limit)
def email_link():
    mail_id = request_link(db.session, request.form.get("email", "")[:320],
                           lambda token: _public_link("me.email_sign_in", token=token))
    if mail_id is not None:
        hand_on_mail(mail_id)
    # The same answer whether or not the address is known.
    return render_template("me/email_sent.html")


@bp.get("/email/<token>")
def email_sign_in(token: str):
    """A confirmation page: mail scanners that open links must not use up the link."""
    return render_template("me/email_confirm.html", token=token)


@bp.post("/email/<token>")
@limiter.limit(_limit)
def email_sign_in_confirmed(token: str):
    try:
        email = use_link(db.session, token)
    except LinkInvalid as exc:
        db.session.rollback()
        return render_template("me/failed.html", reason=str(exc)), 400
    signed = sign_in_with_email(db.session, email)
    session_token = start_session(db.session, signed.profile.id, "email")
    return set_guest_cookie(redirect(url_for("me.home")), session_token)


@bp.post("/logout")
def logout():
    end_session(db.session, request.cookies.get(COOKIE))
    session.pop("me_offered", None)
    return set_guest_cookie(redirect(url_for("me.home")), None)
