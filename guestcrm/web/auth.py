"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from guestcrm.extensions import db, limiter
from guestcrm.services.access.staff import authenticate, sign_out

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _account_and_address() -> str:
    """One bucket per account and client address: guessing one account's password is slowed
    down, and staff behind one proxy address are not locked out together."""
    account = (request.form.get("email") or "").strip().lower()[:320]
    return f"{get_remote_address()}|{account}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_and_address)
@limiter.limit(_address_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            target = request.args.get("next", "")
            # Only local paths: an open redirect would hand the session to a phishing page.
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("home")
            return redirect(target)
        flash("Wrong email or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    sign_out(db.session, current_user)  # a copied session cookie is dead from here on
    logout_user()
    return redirect(url_for("auth.login"))
