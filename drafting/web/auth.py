"""Logging in and out, and a user's own API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from drafting.extensions import db
from drafting.models import ApiToken
from drafting.services import accounts
from drafting.services.audit import record_event
from drafting.web.helpers import _is_local, commit

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("documents.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is None:
            record_event("auth.login_failed", None, username=(form.username.data or "")[:64])
            commit()
            flash("Unknown username or wrong password.", "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        record_event("auth.login", user)
        commit()
        target = request.args.get("next")
        return redirect(target if target and _is_local(target) else url_for("documents.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        record_event("auth.logout", user)
        user.rotate_session()
        commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET"])
@login_required
def account():
    tokens = db.session.execute(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).scalars().all()
    return render_template("auth/account.html", tokens=tokens)


@bp.post("/account/tokens")
@login_required
def create_token():
    token = accounts.issue_token(current_user, current_user, request.form.get("name", ""))
    commit()
    tokens = db.session.execute(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).scalars().all()
    return render_template("auth/account.html", tokens=tokens, new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token(current_user, token_id)
    commit()
    flash("Token revoked.", "info")
    return redirect(url_for("auth.account"))
