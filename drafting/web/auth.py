"""Logging in and out, and a user's own API tokens.

Logins are throttled (Flask-Limiter, settings in drafting/config.py): every POST /login counts
against the client's address (LOGIN_LIMIT_PER_ADDRESS, 20 a minute), and every *failed* one
against the username it tried (LOGIN_LIMIT_PER_ACCOUNT, 10 in 15 minutes), so guessing one
account's password from many addresses is slowed as much as guessing many from one. A refused
attempt is answered 429 with how long to wait, its password is not even checked, and it is
audited as "auth.throttled" (at most once a minute per address or account, so a flood cannot
flood the audit trail as well).
"""
from __future__ import annotations

import math
import time

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request,
                   session, url_for)
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from limits import parse as parse_limit
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from drafting.extensions import db, limiter
from drafting.models import ApiToken
from drafting.services import accounts
from drafting.services.audit import record_event
from drafting.web.helpers import is_local, commit
from drafting.web.rate_limits import rate_limited

bp = Blueprint("auth", __name__)

# A throttled client keeps knocking: one audit event per address or account per minute is
# enough to tell the story.
THROTTLE_AUDIT_EVERY = parse_limit("1 per minute")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


# --- throttling ----------------------------------------------------------------------------------

def submitted_username() -> str:
    """The per-account throttle key: the username as `authenticate` reads it."""
    return "account:" + (request.form.get("username") or "").strip().lower()[:64]


def _address() -> str:
    return "address:" + (get_remote_address() or "unknown")


def _failed_login(response) -> bool:
    """Only a wrong password (401) counts against the account, not a typo in the form."""
    return response.status_code == 401


def _note_breach(kind: str):
    def on_breach(request_limit) -> None:
        breaches = g.setdefault("login_throttles", [])
        breaches.append((kind, request_limit.key, request_limit.reset_at))
    return on_breach


def _limit_per_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _wait_seconds(reset_at: float) -> int:
    """Seconds until the limit lets a new attempt through (Flask-Limiter rounds reset_at up)."""
    return max(1, math.ceil(reset_at - 1 - time.time()))


@bp.errorhandler(RateLimitExceeded)
def login_throttled(error: RateLimitExceeded):
    """429 page for a throttled login, with the wait; audited (once a minute per key)."""
    breaches = g.pop("login_throttles", [])
    if not breaches:  # a per-user limit on another form of this blueprint (logout, tokens)
        return rate_limited(error)
    db.session.rollback()
    seconds = _wait_seconds(max((b[2] for b in breaches), default=time.time() + 61))
    minutes = math.ceil(seconds / 60)
    username = (request.form.get("username") or "").strip().lower()[:64]
    first_in_a_while = [kind for kind, key, _ in breaches
                        if limiter.limiter.hit(THROTTLE_AUDIT_EVERY, "throttle-audit", key)]
    if first_in_a_while:
        record_event("auth.throttled", None, username=username,
                     limits=sorted({kind for kind, _, _ in breaches}), retry_after_minutes=minutes)
        commit()
    response = current_app.make_response((
        render_template("auth/throttled.html", minutes=minutes), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


# --- logging in and out ---------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit_per_address, methods=["POST"], key_func=_address,
               on_breach=_note_breach("address"))
@limiter.limit(_limit_per_account, methods=["POST"], key_func=submitted_username,
               deduct_when=_failed_login, on_breach=_note_breach("account"))
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
        # A new session for a new identity: whatever the browser carried before (possibly a
        # session planted by someone else) is dropped, so the signed cookie is a fresh one.
        session.clear()
        login_user(user)
        record_event("auth.login", user)
        commit()
        target = request.args.get("next")
        return redirect(target if target and is_local(target) else url_for("documents.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        record_event("auth.logout", user)
        user.rotate_session()  # every copy of this user's session cookie is dead from now on
        commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


# --- the account page and API tokens -------------------------------------------------------------

def _own_tokens() -> list[ApiToken]:
    return db.session.execute(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).scalars().all()


def _account_page(new_token: str | None = None):
    response = current_app.make_response(
        render_template("auth/account.html", tokens=_own_tokens(), new_token=new_token))
    # The page may show a token in clear (once): no copy of it in any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return _account_page()


@bp.post("/account/tokens")
@login_required
def create_token():
    token = accounts.issue_token(current_user, current_user, request.form.get("name", ""))
    commit()
    return _account_page(new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token(current_user, token_id)
    commit()
    flash("Token revoked.", "info")
    return redirect(url_for("auth.account"))
