"""Admin without a terminal: staff accounts (create, role and hotels, deactivate, reset the
password), API tokens and webhook credentials (create, revoke). A password, token or secret is
shown once, right after it is made; only its hash is kept. Every action is audited by the
services it calls."""

from __future__ import annotations

from secrets import token_urlsafe

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from connectors.registry import connector_names
from guestcrm.errors import DomainError
from guestcrm.extensions import db
from guestcrm.models import ApiToken, Property, StaffUser, WebhookCredential
from guestcrm.models.staff import ROLES
from guestcrm.services.access.credentials import (
    create_webhook_credential,
    revoke_webhook_credential,
)
from guestcrm.services.access.staff import (
    change_access,
    create_staff,
    deactivate_staff,
    reset_password,
)
from guestcrm.services.access.tokens import SCOPES, create_api_token, revoke_api_token
from guestcrm.web.access import roles_required

bp = Blueprint("admin_access", __name__, url_prefix="/admin")


def _actor() -> str:
    return f"staff:{current_user.id}"


def _hotels() -> list[Property]:
    return list(db.session.scalars(select(Property).order_by(Property.code)))


def _chosen_codes() -> list[str]:
    ids = {int(i) for i in request.form.getlist("property_ids") if i.isdigit()}
    return [p.code for p in _hotels() if p.id in ids]


def _refused(exc: DomainError, endpoint: str):
    db.session.rollback()
    flash(f"Not done: {exc}", "error")
    return redirect(url_for(endpoint))


@bp.get("/staff")
@roles_required("admin")
def staff():
    people = list(db.session.scalars(select(StaffUser).order_by(StaffUser.email)))
    return render_template("admin/staff.html", people=people, roles=ROLES, hotels=_hotels())


@bp.post("/staff")
@roles_required("admin")
def create_staff_account():
    password = token_urlsafe(12)
    try:
        user = create_staff(db.session, request.form.get("email", "")[:320], password,
                            request.form.get("role", ""), _chosen_codes(),
                            name=request.form.get("name", "").strip()[:255], actor=_actor())
    except DomainError as exc:
        return _refused(exc, "admin_access.staff")
    flash(f"Account {user.email} created. Its password, shown this once: {password}", "secret")
    return redirect(url_for("admin_access.staff"))


@bp.post("/staff/<id:user_id>/access")
@roles_required("admin")
def staff_access(user_id: int):
    ids = [int(i) for i in request.form.getlist("property_ids") if i.isdigit()]
    try:
        user = change_access(db.session, user_id, request.form.get("role", ""), ids, _actor())
    except DomainError as exc:
        return _refused(exc, "admin_access.staff")
    flash(f"{user.email}: role and hotels saved; their open sessions ended.", "info")
    return redirect(url_for("admin_access.staff"))


@bp.post("/staff/<id:user_id>/deactivate")
@roles_required("admin")
def staff_deactivate(user_id: int):
    user = db.session.get(StaffUser, user_id)
    if user is None or user.id == current_user.id:
        flash("Not done: you cannot deactivate your own account here.", "error")
        return redirect(url_for("admin_access.staff"))
    deactivate_staff(db.session, user.email, _actor())
    flash(f"{user.email} can no longer sign in.", "info")
    return redirect(url_for("admin_access.staff"))


@bp.post("/staff/<id:user_id>/password")
@roles_required("admin")
def staff_password(user_id: int):
    try:
        password = reset_password(db.session, user_id, _actor())
    except DomainError as exc:
        return _refused(exc, "admin_access.staff")
    flash(f"New password, shown this once: {password}", "secret")
    return redirect(url_for("admin_access.staff"))


@bp.get("/tokens")
@roles_required("admin")
def tokens():
    rows = list(db.session.scalars(select(ApiToken).order_by(ApiToken.name)))
    return render_template("admin/tokens.html", tokens=rows, scopes=SCOPES, hotels=_hotels())


@bp.post("/tokens")
@roles_required("admin")
def create_token():
    scopes = request.form.getlist("scopes") or None
    codes = _chosen_codes() or None
    try:
        token = create_api_token(db.session, request.form.get("name", "").strip()[:128],
                                 scopes=scopes, properties=codes, actor=_actor())
    except DomainError as exc:
        return _refused(exc, "admin_access.tokens")
    flash(f"Token created. Shown this once: {token}", "secret")
    return redirect(url_for("admin_access.tokens"))


@bp.post("/tokens/<id:token_id>/revoke")
@roles_required("admin")
def revoke_token(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        revoke_api_token(db.session, row.name, actor=_actor())
        flash(f"Token {row.name} revoked.", "info")
    return redirect(url_for("admin_access.tokens"))


@bp.get("/credentials")
@roles_required("admin")
def credentials():
    rows = list(db.session.scalars(select(WebhookCredential).order_by(
        WebhookCredential.connector, WebhookCredential.name)))
    return render_template("admin/credentials.html", credentials=rows,
                           connectors=connector_names(), hotels=_hotels())


@bp.post("/credentials")
@roles_required("admin")
def create_credential():
    connector = request.form.get("connector", "")
    name = request.form.get("name", "").strip()[:128]
    if connector not in connector_names() or not name:
        flash("Not done: choose a connector and give the credential a name.", "error")
        return redirect(url_for("admin_access.credentials"))
    try:
        secret = create_webhook_credential(db.session, connector, name, actor=_actor(),
                                           properties=_chosen_codes() or None)
    except DomainError as exc:
        return _refused(exc, "admin_access.credentials")
    flash(f"Credential {connector}/{name} created. Its secret (HTTP Basic password), shown "
          f"this once: {secret}", "secret")
    return redirect(url_for("admin_access.credentials"))


@bp.post("/credentials/<id:credential_id>/revoke")
@roles_required("admin")
def revoke_credential(credential_id: int):
    row = db.session.get(WebhookCredential, credential_id)
    if row is not None and row.revoked_at is None:
        revoke_webhook_credential(db.session, row.connector, row.name, actor=_actor())
        flash(f"Credential {row.connector}/{row.name} revoked.", "info")
    return redirect(url_for("admin_access.credentials"))
