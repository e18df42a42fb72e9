"""Enumerations of the negotiation's states. Values are stored in the database: never rename one."""
from __future__ import annotations

import enum


class Role(str, enum.Enum):
    DELEGATE = "delegate"  # speaks for one economy
    SECRETARIAT = "secretariat"  # host economy's secretariat: merges, decides, issues revisions
    OBSERVER = "observer"  # reads and exports, changes nothing
    ADMIN = "admin"  # manages economies, users and roles


class SectionKind(str, enum.Enum):
    PREAMBLE = "preamble"  # paragraphs numbered PP1, PP2 …
    OPERATIVE = "operative"  # paragraphs numbered OP1, OP2 …


class Stage(str, enum.Enum):
    ZERO_DRAFT = "zero_draft"
    NEGOTIATION = "negotiation"
    SILENCE = "silence_procedure"
    AGREED_SOM = "agreed_by_senior_officials"
    ENDORSED_MINISTERS = "endorsed_by_ministers"
    ENDORSED_LEADERS = "endorsed_by_leaders"  # final: frozen and fingerprinted

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.ZERO_DRAFT: "Zero draft",
    Stage.NEGOTIATION: "Negotiation",
    Stage.SILENCE: "Silence procedure",
    Stage.AGREED_SOM: "Agreed by senior officials",
    Stage.ENDORSED_MINISTERS: "Endorsed by ministers",
    Stage.ENDORSED_LEADERS: "Endorsed by leaders",
}


class ClauseStatus(str, enum.Enum):
    OPEN = "open"  # under negotiation, no one has contested it yet
    BRACKETED = "bracketed"  # contested: rendered in square brackets
    AGREED_AD_REF = "agreed_ad_ref"  # agreed subject to confirmation by capitals
    AGREED = "agreed"

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "bracketed": "Bracketed",
            "agreed_ad_ref": "Agreed ad ref",
            "agreed": "Agreed",
        }[self.value]


class ProposalAction(str, enum.Enum):
    AMEND = "amend"  # new wording for an existing clause
    INSERT = "insert"  # a new clause after a given one
    DELETE = "delete"  # remove a clause


class ProposalStatus(str, enum.Enum):
    DRAFT = "draft"  # saved by its economy, visible only to that economy until submitted
    OPEN = "open"  # waiting for the secretariat
    OPTION = "option"  # kept by the secretariat as one of the clause's alternatives
    ACCEPTED = "accepted"
    ACCEPTED_MODIFIED = "accepted_modified"  # accepted with the secretariat's edits
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by its author economy
    SUPERSEDED = "superseded"  # its clause was deleted before it was decided

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "open": "Open",
            "option": "Kept as option",
            "accepted": "Accepted",
            "accepted_modified": "Accepted with modifications",
            "rejected": "Rejected",
            "withdrawn": "Withdrawn",
            "superseded": "Superseded",
        }[self.value]

    @property
    def is_final(self) -> bool:
        return self not in (ProposalStatus.DRAFT, ProposalStatus.OPEN, ProposalStatus.OPTION)


class Stance(str, enum.Enum):
    SUPPORT = "support"
    CAN_ACCEPT = "can_accept"  # not our wording, but we will not stand in the way
    RESERVATION = "reservation"  # needs text: what the economy cannot yet accept
    OBJECTION = "objection"  # needs text

    @property
    def label(self) -> str:
        return {"support": "Support", "can_accept": "Can accept", "reservation": "Reservation",
                "objection": "Objection"}[self.value]

    @property
    def symbol(self) -> str:
        return {"support": "✓", "can_accept": "○", "reservation": "◐", "objection": "✗"}[self.value]

    @property
    def blocks_consensus(self) -> bool:
        return self in (Stance.RESERVATION, Stance.OBJECTION)


class SilenceStatus(str, enum.Enum):
    RUNNING = "running"
    BROKEN = "broken"  # an economy broke silence before the deadline
    ADOPTED = "adopted"  # the deadline passed unbroken
