"""Administration: accounts and roles."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.domain.errors import DomainError
from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import Economy, User
from drafting.services import accounts
from drafting.services.policy import Action, authorize
from drafting.web.helpers import commit

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(error: str | None = None, status: int = 200):
    users = db.session.execute(select(User).order_by(User.role, User.username)).scalars().all()
    economies = db.session.execute(select(Economy).order_by(Economy.sort_order)).scalars().all()
    return render_template("admin/users.html", users=users, economies=economies, roles=list(Role),
                           error=error), status


@bp.get("/users")
@login_required
def users():
    authorize(current_user, Action.MANAGE_USERS)
    return _page()


@bp.post("/users")
@login_required
def create_user():
    authorize(current_user, Action.MANAGE_USERS)
    economy_id = request.form.get("economy_id", type=int)
    try:
        user = accounts.create_user(
            current_user, username=request.form.get("username", ""),
            password=request.form.get("password", ""), role=request.form.get("role", ""),
            economy=db.session.get(Economy, economy_id) if economy_id else None,
            display_name=request.form.get("display_name", ""),
        )
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        return _page(error.message, error.status)
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
