"""Each user's notification preferences (under the account) and the unsubscribe links of
e-mail, which work without logging in.

An unsubscribe link opens a page with one button; the button (or a mail client's own
"Unsubscribe" button, RFC 8058's one-click POST to the same address) sets the kinds the link
names to "in the app only". The GET changes nothing: mail scanners and link previews open
links, and must not unsubscribe anyone. The POST needs no CSRF token and no session: the signed
token is its authority, and it can only do what the recipient asked for.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from drafting.domain.errors import InvalidInput, NotFound
from drafting.domain.notification_kinds import KINDS, Delivery, kind_label
from drafting.extensions import csrf, db
from drafting.mailer import read_unsubscribe_token
from drafting.models import User
from drafting.services import notification_preferences as preferences
from drafting.web.helpers import commit, signed_in_user

bp = Blueprint("notification_settings", __name__)

HOURS = list(range(24))


def _page(prefs, errors=None, status=200):
    return render_template("notifications/preferences.html", prefs=prefs, kinds=KINDS,
                           deliveries=list(Delivery), hours=HOURS, errors=errors or {}), status


@bp.get("/account/notifications")
@login_required
def preferences_page():
    return _page(preferences.preferences_of(signed_in_user()))


@bp.post("/account/notifications")
@login_required
def save_preferences_page():
    form = request.form
    chosen = {kind.code: form.get(f"delivery-{kind.code}", "") for kind in KINDS
              if f"delivery-{kind.code}" in form}
    try:
        preferences.save_preferences(signed_in_user(), email=form.get("email", ""),
                                     digest_hour=form.get("digest_hour", ""),
                                     timezone=form.get("timezone", ""), deliveries=chosen)
    except InvalidInput as error:
        db.session.rollback()
        # The page again, with what was typed and the message next to its field.
        shown = preferences.Preferences(
            email=form.get("email", ""), digest_hour=form.get("digest_hour", ""),
            timezone=form.get("timezone", ""),
            deliveries={**preferences.preferences_of(signed_in_user()).deliveries,
                        **{k: v for k, v in chosen.items() if v in {d.value for d in Delivery}}})
        field = (error.details or {}).get("field", "form")
        if field not in ("email", "digest_hour", "timezone"):
            field = "form"  # a delivery nobody can pick from the page's radio buttons
        return _page(shown, {field: error.message}, 422)
    commit()
    flash("Your notification preferences are saved.", "success")
    return redirect(url_for("notification_settings.preferences_page"))


def _token_or_404(token: str) -> tuple[User, list[str]]:
    read = read_unsubscribe_token(token) if len(token) <= 1000 else None
    user = db.session.get(User, read[0]) if read else None
    if user is None:
        raise NotFound("This unsubscribe link is not valid. Choose your notifications on "
                       "your account's Notifications page.")
    return user, read[1]


@bp.get("/notifications/unsubscribe/<token>")
def unsubscribe(token: str):
    user, kinds = _token_or_404(token)
    return render_template("notifications/unsubscribe.html", kinds=[kind_label(k) for k in kinds],
                           done=False, token=token, for_user=user)


@bp.post("/notifications/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_confirmed(token: str):
    user, kinds = _token_or_404(token)
    preferences.stop_mail(user.id, kinds)
    commit()
    return render_template("notifications/unsubscribe.html", kinds=[kind_label(k) for k in kinds],
                           done=True, token=token, for_user=user)


__all__ = ["bp"]
