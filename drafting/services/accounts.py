"""Users, passwords and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash

from drafting.domain.errors import Conflict, InvalidInput, NotFound
from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import ApiToken, Economy, User
from drafting.models.types import utcnow
from drafting.offload import off_event_loop
from drafting.services.audit import record_event
from drafting.services.policy import Action, authorize

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
# werkzeug's default (scrypt). The test suite swaps in a cheap method: it hashes hundreds.
PASSWORD_HASH_METHOD = "scrypt"


# Passwords of 10+ characters that head the published lists of leaked passwords, and a few
# any attacker would try first here. Compared lower-cased, spaces removed.
COMMON_PASSWORDS = frozenset({
    "0000000000", "0123456789", "1111111111", "1234567890", "0987654321", "9876543210",
    "123456789a", "a123456789", "1234567891", "12345678910", "123123123123", "1q2w3e4r5t",
    "1qaz2wsx3edc", "qwertyuiop", "qwerty1234", "qwerty12345", "qwerty123456", "asdfghjkl1",
    "zxcvbnm123", "abcdefghij", "abc1234567", "abcd123456", "password12", "password123",
    "password1234", "passw0rd123", "p@ssw0rd123", "iloveyou123", "letmein123", "welcome123",
    "welcome2022", "changeme123", "administrator", "admin12345", "admin123456",
    "secretariat", "thailand2022", "bangkok2022", "apec2022bangkok", "apecthailand2022",
    "bcgeconomy2022",
})


def check_password_policy(password: str, username: str | None = None) -> None:
    """Refuse a weak password with InvalidInput (field "password"), saying why.

    At least MIN_PASSWORD_LENGTH characters; not the username, nor the username with only
    digits or punctuation around it; not one of COMMON_PASSWORDS. Used by every way a password
    is set: create-user, set-password, the admin page, seed-demo.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
                           details={"field": "password"})
    if len(password) > 256:
        raise InvalidInput("The password is too long (at most 256 characters).",
                           details={"field": "password"})
    folded = "".join(password.lower().split())
    name = "".join((username or "").lower().split())
    if name and name in folded and not any(ch.isalpha() for ch in folded.replace(name, "")):
        raise InvalidInput("The password must not be the username (with or without digits "
                           "added).", details={"field": "password"})
    if folded in COMMON_PASSWORDS:
        raise InvalidInput("This password is one of the most common ones; choose another.",
                           details={"field": "password"})


def create_user(actor, *, username: str, password: str, role: Role | str,
                economy: Economy | None = None, display_name: str = "") -> User:
    """Create an account. `actor` None means the command line (trusted operator)."""
    if actor is not None:
        authorize(actor, Action.MANAGE_USERS)
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise InvalidInput("Usernames are 2–64 characters: lower-case letters, digits, . _ -",
                           details={"field": "username"})
    role, economy = _role_and_economy(role, economy)
    check_password_policy(password, username)
    if db.session.execute(select(User.id).where(User.username == username)).scalar():
        raise Conflict(f"The username {username!r} is taken.", code="duplicate")
    user = User(username=username, display_name=display_name.strip() or username, role=role,
                economy_id=economy.id if economy else None)
    user.set_password(password, method=PASSWORD_HASH_METHOD)
    db.session.add(user)
    db.session.flush()
    record_event("user.created", actor, username=username, role=role.value,
                 economy=economy.code if economy else None)
    return user


def _role_and_economy(role: Role | str, economy: Economy | None) -> tuple[Role, Economy | None]:
    """The role, and the economy it goes with: delegates and the secretariat belong to one,
    observers and administrators to none."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Unknown role {role!r}.", details={"field": "role"}) from None
    if role in (Role.DELEGATE, Role.SECRETARIAT) and economy is None:
        raise InvalidInput("Delegates and the secretariat belong to an economy: choose one.",
                           details={"field": "economy"})
    return role, (None if role in (Role.OBSERVER, Role.ADMIN) else economy)


def _managed_user(actor, user_id: int, doing: str) -> User:
    authorize(actor, Action.MANAGE_USERS)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    if user.id == actor.id:
        raise Conflict(f"You cannot {doing} your own account here: another administrator "
                       "can, and your password is changed on your account page.",
                       code="own_account")
    return user


def change_role(actor, user_id: int, role: Role | str, economy: Economy | None) -> User:
    """Give a user another role or economy (audited with both the old and the new). A user
    who is not an administrator any more loses the admin pages at their next request."""
    user = _managed_user(actor, user_id, "change the role of")
    role, economy = _role_and_economy(role, economy)
    before = (user.role, user.economy.code if user.economy else None)
    after = (role, economy.code if economy else None)
    if before == after:
        return user
    user.role = role
    user.economy_id = economy.id if economy else None
    db.session.flush()
    record_event("user.role_changed", actor, username=user.username, role=role.value,
                 economy=after[1], previous_role=before[0].value, previous_economy=before[1])
    return user


def reset_password(actor, user_id: int) -> str:
    """Give a user a temporary password, returned once to show to the administrator, never
    stored in clear nor audited; their sessions end. They change it on their account page."""
    user = _managed_user(actor, user_id, "reset the password of")
    temporary = "-".join(secrets.token_urlsafe(5) for _ in range(3))  # ~90 bits, readable
    user.set_password(temporary, method=PASSWORD_HASH_METHOD)
    user.rotate_session()
    record_event("user.password_reset", actor, username=user.username)
    return temporary


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    # The hash is read on a connection of its own, given back before the check: the check
    # costs ~0.15 s of CPU (run beside the gevent loop, drafting/offload.py), and a wave of
    # logins at the start of a meeting must not hold the connection pool meanwhile.
    with db.engine.connect() as connection:
        row = connection.execute(
            select(User.id, User.password_hash, User.active)
            .where(User.username == (username or "").strip().lower())
        ).first()
    if row is None or not row.active or \
            not off_event_loop(check_password_hash, row.password_hash, password or ""):
        return None
    user = db.session.get(User, row.id)
    return user if user is not None and user.active else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(actor, user: User, name: str = "API token") -> str:
    """Create an API token for `user` and return it; only its hash is kept."""
    if actor is not None and actor.id != user.id:
        authorize(actor, Action.MANAGE_USERS)
    token = "dft_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name[:120] or "API token",
                            token_hash=_digest(token), prefix=token[:10]))
    db.session.flush()
    record_event("token.issued", actor or user, username=user.username, prefix=token[:10])
    return token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    # One statement: the token's user with their economy (User.economy is joined), not the
    # token row first and its user in a second look-up.
    return db.session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None),
               User.active.is_(True))
    ).scalar()


def revoke_token(actor, token_id: int) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No token with id {token_id}.")
    if actor is not None and actor.id != row.user_id:
        authorize(actor, Action.MANAGE_USERS)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_event("token.revoked", actor or row.user, username=row.user.username,
                     prefix=row.prefix)
    return row


def set_user_active(actor, user_id: int, active: bool) -> User:
    """Activate or deactivate an account; deactivating also ends its sessions."""
    authorize(actor, Action.MANAGE_USERS)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    if user.id == actor.id and not active:
        raise Conflict("You cannot deactivate your own account.", code="self_deactivation")
    user.active = active
    if not active:
        user.rotate_session()
    record_event("user.activated" if active else "user.deactivated", actor,
                 username=user.username)
    return user


def set_password(actor, user: User, password: str) -> User:
    """Give `user` a new password and end their sessions. `actor` None: the command line."""
    if actor is not None and actor.id != user.id:
        authorize(actor, Action.MANAGE_USERS)
    check_password_policy(password, user.username)
    user.set_password(password, method=PASSWORD_HASH_METHOD)
    user.rotate_session()
    record_event("user.password_set", actor or user, username=user.username)
    return user
