"""Administration: accounts and roles."""
from __future__ import annotations

from flask import (Blueprint, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.domain.errors import DomainError
from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import Economy, User
from drafting.services import accounts
from drafting.services.policy import Action, authorize
from drafting.web.form_errors import field_errors
from drafting.web.helpers import commit, form_int

bp = Blueprint("admin", __name__, url_prefix="/admin")


# How the create and role forms call their fields, for errors told beside them.
FIELD_LABELS = {"username": "the username", "password": "the password", "role": "the role",
                "economy": "the economy", "display_name": "the display name"}


def _page(error: DomainError | None = None, status: int = 200, *, form: dict | None = None,
          row: int | None = None, temporary: tuple[User, str] | None = None):
    """The users page; `error` is shown beside the field of the create form (`row` None) or
    of that user's role form, with what was chosen kept (`form`)."""
    users = db.session.execute(select(User).order_by(User.role, User.username)).scalars().all()
    economies = db.session.execute(select(Economy).order_by(Economy.sort_order)).scalars().all()
    errors, general = field_errors(error, FIELD_LABELS) if error else ({}, None)
    response = make_response(render_template(
        "admin/users.html", users=users, economies=economies, roles=list(Role),
        errors=errors, error=general, form=form or {}, row=row, temporary=temporary), status)
    if temporary:
        response.headers["Cache-Control"] = "no-store"  # a password shown once, never cached
    return response


def _economy(field: str = "economy_id") -> Economy | None:
    economy_id = form_int(field, required=False)
    return db.session.get(Economy, economy_id) if economy_id else None


@bp.get("/users")
@login_required
def users():
    authorize(current_user, Action.MANAGE_USERS)
    return _page()


@bp.post("/users")
@login_required
def create_user():
    authorize(current_user, Action.MANAGE_USERS)
    fields = {name: request.form.get(name, "") for name in
              ("username", "display_name", "role", "economy_id")}
    try:
        user = accounts.create_user(
            current_user, username=fields["username"],
            password=request.form.get("password", ""), role=fields["role"],
            economy=_economy(), display_name=fields["display_name"],
        )
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        return _page(error, error.status, form=fields)
    commit()
    flash(f"User {user.username} created.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    user = accounts.set_user_active(current_user, user_id,
                                    request.form.get("active") == "1")
    commit()
    flash(f"User {user.username} {'activated' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    fields = {"role": request.form.get("role", ""),
              "economy_id": request.form.get("economy_id", "")}
    try:
        user = accounts.change_role(current_user, user_id, fields["role"], _economy())
    except DomainError as error:
        if error.status in (403, 404):
            raise
        db.session.rollback()
        return _page(error, error.status, form=fields, row=user_id)
    commit()
    economy = f", {user.economy.name}" if user.economy else ""
    flash(f"{user.username} is now {user.role.value}{economy}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password-reset")
@login_required
def reset_password(user_id: int):
    try:
        temporary = accounts.reset_password(current_user, user_id)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        db.session.rollback()
        return _page(error, error.status, row=user_id)
    user = db.session.get(User, user_id)
    commit()
    return _page(temporary=(user, temporary))
