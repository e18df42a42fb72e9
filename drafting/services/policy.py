"""Who may do what: the one place where permissions are decided.

Each rule returns None when the actor may act, or the reason for refusal. Views may use
`can()` to hide buttons, but every service calls `authorize()`, so hiding is never the only
guard.
"""
from __future__ import annotations

import enum
from collections.abc import Callable

from drafting.domain.errors import PermissionDenied
from drafting.domain.states import Role


class Action(str, enum.Enum):
    VIEW = "view"  # read documents, clauses, proposals, comments; export
    PROPOSE = "propose"  # target: document
    WITHDRAW = "withdraw"  # target: proposal
    REVISE = "revise"  # target: proposal (its economy updates the wording)
    COSPONSOR = "cosponsor"  # target: proposal
    COMMENT = "comment"
    RESOLVE_COMMENT = "resolve_comment"  # target: comment
    DECIDE = "decide"  # accept / reject proposals on the merge desk
    MANAGE_USERS = "manage_users"
    ISSUE_OWN_TOKEN = "issue_own_token"
    # Negotiation workflow (secretariat unless said otherwise)
    ISSUE_REVISION = "issue_revision"
    SET_CLAUSE_STATUS = "set_clause_status"
    MANAGE_OPTIONS = "manage_options"  # keep proposals as options, choose one
    SET_POSITION = "set_position"  # a delegate, for their own economy
    CHANGE_STAGE = "change_stage"  # which moves, exactly, is the stage transition table's say
    MANAGE_ROUNDS = "manage_rounds"  # open submission rounds, freeze clauses
    START_SILENCE = "start_silence"
    BREAK_SILENCE = "break_silence"  # a delegate, for their own economy
    CIRCULATE = "circulate"  # make submitted proposals visible to all economies
    CREATE_CHAIR_STATEMENT = "create_chair_statement"
    RETURN_FROM_CHAIR_STATEMENT = "return_from_chair_statement"  # undo a move, paragraph-wise
    VIEW_AUDIT = "view_audit"  # secretariat, admin and observers
    # The audit chain's own figures — event ids and how many events the verification checked —
    # count events others may not see (drafts, uncirculated proposals): secretariat and admin.
    SEE_AUDIT_FIGURES = "see_audit_figures"
    SHOW_ON_SCREEN = "show_on_screen"  # choose the paragraph on the plenary screen


Rule = Callable[[object, object], "str | None"]


def _authenticated(user, target) -> str | None:
    return None if user is not None and getattr(user, "is_authenticated", False) else \
        "You must be logged in."


def _delegate(user, target) -> str | None:
    if user.role is not Role.DELEGATE or user.economy_id is None:
        return "Only a delegate of an economy can do this."
    return None


def _own_economy_delegate(user, proposal) -> str | None:
    if reason := _delegate(user, proposal):
        return reason
    if proposal.economy_id != user.economy_id:
        return "Only the delegation that submitted this proposal can do this."
    return None


def _other_economy_delegate(user, proposal) -> str | None:
    if reason := _delegate(user, proposal):
        return reason
    if proposal.economy_id == user.economy_id:
        return "An economy cannot co-sponsor its own proposal."
    return None


def _negotiator(user, target) -> str | None:
    if user.role in (Role.DELEGATE, Role.SECRETARIAT):
        return None
    return "Only delegates and the secretariat take part in the discussion."


def _comment_owner_or_secretariat(user, comment) -> str | None:
    if user.role is Role.SECRETARIAT:
        return None
    if user.role is Role.DELEGATE and user.economy_id is not None and \
            user.economy_id == comment.economy_id:
        return None
    return "Only the secretariat or the commenting economy can resolve or reopen a thread."


def _secretariat(user, target) -> str | None:
    return None if user.role is Role.SECRETARIAT else "Only the secretariat can do this."


def _audit_reader(user, target) -> str | None:
    if user.role in (Role.SECRETARIAT, Role.ADMIN, Role.OBSERVER):
        return None
    return "Only the secretariat, observers and administrators can read the audit trail."


def _audit_figures_reader(user, target) -> str | None:
    if user.role in (Role.SECRETARIAT, Role.ADMIN):
        return None
    return "Only the secretariat and administrators see the audit chain's ids and counts."


def _admin(user, target) -> str | None:
    return None if user.role is Role.ADMIN else "Only an administrator can do this."


RULES: dict[Action, tuple[Rule, ...]] = {
    Action.VIEW: (),
    Action.PROPOSE: (_delegate,),
    Action.WITHDRAW: (_own_economy_delegate,),
    Action.REVISE: (_own_economy_delegate,),
    Action.COSPONSOR: (_other_economy_delegate,),
    Action.COMMENT: (_negotiator,),
    Action.RESOLVE_COMMENT: (_comment_owner_or_secretariat,),
    Action.DECIDE: (_secretariat,),
    Action.MANAGE_USERS: (_admin,),
    Action.ISSUE_OWN_TOKEN: (),
    Action.ISSUE_REVISION: (_secretariat,),
    Action.SET_CLAUSE_STATUS: (_secretariat,),
    Action.MANAGE_OPTIONS: (_secretariat,),
    Action.SET_POSITION: (_delegate,),
    Action.CHANGE_STAGE: (_secretariat,),
    Action.MANAGE_ROUNDS: (_secretariat,),
    Action.START_SILENCE: (_secretariat,),
    Action.BREAK_SILENCE: (_delegate,),
    Action.CIRCULATE: (_secretariat,),
    Action.CREATE_CHAIR_STATEMENT: (_secretariat,),
    Action.RETURN_FROM_CHAIR_STATEMENT: (_secretariat,),
    Action.VIEW_AUDIT: (_audit_reader,),
    Action.SEE_AUDIT_FIGURES: (_audit_figures_reader,),
    Action.SHOW_ON_SCREEN: (_secretariat,),
}


def refusal(user, action: Action, target=None) -> str | None:
    """The reason `user` may not do `action` on `target`, or None if they may."""
    if reason := _authenticated(user, target):
        return reason
    if not user.is_active:
        return "This account is deactivated."
    for rule in RULES[action]:
        if reason := rule(user, target):
            return reason
    return None


def can(user, action: Action, target=None) -> bool:
    return refusal(user, action, target) is None


def authorize(user, action: Action, target=None) -> None:
    """Raise PermissionDenied unless `user` may do `action` on `target`."""
    if reason := refusal(user, action, target):
        raise PermissionDenied(reason)
