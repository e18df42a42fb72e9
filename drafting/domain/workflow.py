"""The document's stages as one transition table, and deadlines given with a time zone.

Pure logic: no Flask, no database. The services ask this module whether a move is legal, who
may make it and through which use case; the pages and the API list the same moves.

The table (`TRANSITIONS`) maps (from stage, to stage) to the ways that move can happen. A pair
missing from the table is refused, and `refusal_reason` says why in words a delegate
understands.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.states import Stage

# The stages in their natural order (the "stage track" the pages show).
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.ZERO_DRAFT, Stage.NEGOTIATION, Stage.SILENCE, Stage.AGREED_SOM,
    Stage.ENDORSED_MINISTERS, Stage.ENDORSED_LEADERS,
)


class Mover(str, enum.Enum):
    """Who makes a move: a role, or the system when a deadline passes."""

    SECRETARIAT = "secretariat"
    DELEGATE = "delegate"  # breaking silence, for the delegate's own economy
    SYSTEM = "system"  # nobody: the silence deadline passed unbroken


class Via(str, enum.Enum):
    """The use case that performs a move (one service function each)."""

    CHANGE = "change_stage"  # a plain stage change by the secretariat
    START_SILENCE = "start_silence"
    BREAK_SILENCE = "break_silence"
    CANCEL_SILENCE = "cancel_silence"
    SILENCE_ADOPTED = "settle_silence"
    ENDORSE = "endorse_by_leaders"


@dataclass(frozen=True)
class Move:
    from_stage: Stage
    to_stage: Stage
    mover: Mover
    via: Via
    label: str  # the button a user presses
    reason_required: bool = False  # a note explaining the move is mandatory


def _move(a: Stage, b: Stage, mover: Mover, via: Via, label: str, reason: bool = False):
    return (a, b), Move(a, b, mover, via, label, reason)


_S, _D, _X = Mover.SECRETARIAT, Mover.DELEGATE, Mover.SYSTEM

# THE transition table: every legal move, and nothing else.
TRANSITIONS: dict[tuple[Stage, Stage], tuple[Move, ...]] = {}
for key, move in (
    _move(Stage.ZERO_DRAFT, Stage.NEGOTIATION, _S, Via.CHANGE,
          "Open negotiation on the zero draft"),
    _move(Stage.NEGOTIATION, Stage.SILENCE, _S, Via.START_SILENCE,
          "Circulate under silence procedure"),
    _move(Stage.NEGOTIATION, Stage.AGREED_SOM, _S, Via.CHANGE,
          "Record agreement by senior officials (agreed in the room)"),
    _move(Stage.SILENCE, Stage.NEGOTIATION, _D, Via.BREAK_SILENCE,
          "Break silence", reason=True),
    _move(Stage.SILENCE, Stage.NEGOTIATION, _S, Via.CANCEL_SILENCE,
          "Withdraw the silence procedure", reason=True),
    _move(Stage.SILENCE, Stage.AGREED_SOM, _X, Via.SILENCE_ADOPTED,
          "Deadline passed unbroken: adopted"),
    _move(Stage.AGREED_SOM, Stage.NEGOTIATION, _S, Via.CHANGE,
          "Reopen for negotiation", reason=True),
    _move(Stage.AGREED_SOM, Stage.ENDORSED_MINISTERS, _S, Via.CHANGE,
          "Record endorsement by ministers"),
    _move(Stage.ENDORSED_MINISTERS, Stage.ENDORSED_LEADERS, _S, Via.ENDORSE,
          "Record endorsement by leaders (freeze and fingerprint)"),
):
    TRANSITIONS[key] = TRANSITIONS.get(key, ()) + (move,)

_VIA_WORDS = {
    Via.START_SILENCE: "a silence procedure is started with a deadline (start silence)",
    Via.BREAK_SILENCE: "only an economy breaking silence, with its reason, or the secretariat "
                       "withdrawing the procedure, ends a silence procedure early",
    Via.CANCEL_SILENCE: "the secretariat withdraws a silence procedure with a reason "
                        "(cancel silence)",
    Via.SILENCE_ADOPTED: "a silence procedure is adopted only when its deadline passes with no "
                         "economy breaking silence",
    Via.ENDORSE: "endorsement by leaders freezes and fingerprints the text (endorse)",
    Via.CHANGE: "this is a plain stage change",
}


def moves_between(from_stage: Stage, to_stage: Stage) -> tuple[Move, ...]:
    return TRANSITIONS.get((from_stage, to_stage), ())


def moves_from(stage: Stage) -> list[Move]:
    """Every legal move out of `stage`, in the order of the stage track."""
    return [m for target in STAGE_ORDER for m in TRANSITIONS.get((stage, target), ())]


def refusal_reason(from_stage: Stage, to_stage: Stage) -> str | None:
    """Why no one may move from `from_stage` to `to_stage`, or None when the table allows it."""
    if moves_between(from_stage, to_stage):
        return None
    if from_stage is to_stage:
        return "the document is already at that stage."
    if from_stage is Stage.ENDORSED_LEADERS:
        return "leaders have endorsed the document; its text is final and frozen."
    if to_stage is Stage.ZERO_DRAFT:
        return "a document never returns to the zero draft once negotiation has begun."
    if to_stage is Stage.SILENCE:
        return "only a text under negotiation can be circulated under silence procedure."
    if to_stage is Stage.NEGOTIATION:
        return ("only a text agreed by senior officials can be reopened; after ministers have "
                "endorsed it the text goes forward only.")
    if to_stage is Stage.AGREED_SOM:
        if from_stage is Stage.ZERO_DRAFT:
            return "stages cannot be skipped: negotiation comes first."
        return "ministers have already endorsed the text; it cannot go back to senior officials."
    if to_stage is Stage.ENDORSED_LEADERS:
        return "leaders endorse only a text that ministers have endorsed."
    return "ministers endorse only a text agreed by senior officials."


def stage_at(stored: Stage, due_silence_deadline: datetime | None, now: datetime) -> Stage:
    """The document's stage at `now`, from its stored stage and the deadline of its running
    silence procedure (None: none running): a procedure whose deadline has passed unbroken is
    adopted, whether or not that has been written down yet."""
    if stored is Stage.SILENCE and due_silence_deadline is not None \
            and due_silence_deadline <= now:
        return require_move(Stage.SILENCE, Stage.AGREED_SOM, Via.SILENCE_ADOPTED).to_stage
    return stored


def silence_adopted_note(deadline_text: str) -> str:
    """The stage history's note for a procedure adopted at its deadline."""
    return (f"Silence procedure ended at {deadline_text} with no economy breaking silence: "
            "adopted.")


def require_move(from_stage: Stage, to_stage: Stage, via: Via) -> Move:
    """The move from `from_stage` to `to_stage` made through `via`, or a Conflict saying why not.

    Message: "Cannot move from <X> to <Y>: <reason>".
    """
    prefix = f"Cannot move from {from_stage.label} to {to_stage.label}: "
    reason = refusal_reason(from_stage, to_stage)
    if reason is not None:
        raise Conflict(prefix + reason, code="illegal_transition",
                       details={"from": from_stage.value, "to": to_stage.value})
    for move in moves_between(from_stage, to_stage):
        if move.via is via:
            return move
    other = moves_between(from_stage, to_stage)[0]
    raise Conflict(prefix + _VIA_WORDS[other.via] + ".", code="illegal_transition",
                   details={"from": from_stage.value, "to": to_stage.value,
                            "use": other.via.value})


def parse_stage(value: object) -> Stage:
    if isinstance(value, Stage):
        return value
    names = ", ".join(s.value for s in STAGE_ORDER)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"stage is required: one of {names}.", details={"field": "stage"})
    try:
        return Stage(value.strip())
    except ValueError:
        raise InvalidInput(f"Unknown stage {value!r}: use one of {names}.",
                           details={"field": "stage"}) from None


# --- deadlines with a time zone ------------------------------------------------------------

# Where the member economies' capitals and meeting venues are; offered first in the forms.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Asia/Bangkok", "Bangkok"),
    ("Australia/Sydney", "Canberra, Sydney"),
    ("Asia/Brunei", "Bandar Seri Begawan"),
    ("America/Toronto", "Ottawa"),
    ("America/Santiago", "Santiago"),
    ("Asia/Shanghai", "Beijing"),
    ("Asia/Hong_Kong", "Hong Kong"),
    ("Asia/Jakarta", "Jakarta"),
    ("Asia/Tokyo", "Tokyo"),
    ("Asia/Seoul", "Seoul"),
    ("Asia/Kuala_Lumpur", "Kuala Lumpur"),
    ("America/Mexico_City", "Mexico City"),
    ("Pacific/Auckland", "Wellington"),
    ("Pacific/Port_Moresby", "Port Moresby"),
    ("America/Lima", "Lima"),
    ("Asia/Manila", "Manila"),
    ("Europe/Moscow", "Moscow"),
    ("Asia/Singapore", "Singapore"),
    ("Asia/Taipei", "Taipei"),
    ("America/New_York", "Washington, D.C."),
    ("America/Los_Angeles", "San Francisco"),
    ("Asia/Ho_Chi_Minh", "Ha Noi, Ho Chi Minh City"),
    ("UTC", "Coordinated Universal Time"),
)

# The host economy's zone is the form's default (codes as in the demo).
ECONOMY_ZONES = {
    "AUS": "Australia/Sydney", "BD": "Asia/Brunei", "CDA": "America/Toronto",
    "CHL": "America/Santiago", "PRC": "Asia/Shanghai", "HKC": "Asia/Hong_Kong",
    "INA": "Asia/Jakarta", "JPN": "Asia/Tokyo", "ROK": "Asia/Seoul", "MAS": "Asia/Kuala_Lumpur",
    "MEX": "America/Mexico_City", "NZ": "Pacific/Auckland", "PNG": "Pacific/Port_Moresby",
    "PE": "America/Lima", "RP": "Asia/Manila", "RUS": "Europe/Moscow", "SGP": "Asia/Singapore",
    "CT": "Asia/Taipei", "THA": "Asia/Bangkok", "USA": "America/New_York",
    "VN": "Asia/Ho_Chi_Minh",
}

_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")


def default_zone(economy_code: str | None) -> str:
    return ECONOMY_ZONES.get((economy_code or "").upper(), "UTC")


def zone(name: object, field: str = "timezone") -> ZoneInfo:
    """The IANA zone called `name`, or InvalidInput (422) naming the field."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{field} is required: an IANA time zone such as Asia/Bangkok.",
                           details={"field": field})
    name = name.strip()
    # ZoneInfo would read any relative file path; accept only names shaped like IANA keys.
    if not _ZONE_NAME.match(name) or ".." in name:
        raise InvalidInput(f"Unknown time zone {name!r}: give an IANA name such as Asia/Bangkok.",
                           details={"field": field})
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(f"Unknown time zone {name!r}: give an IANA name such as Asia/Bangkok.",
                           details={"field": field}) from None


_FIRST_DEADLINE_YEAR = 1900
_LAST_DEADLINE_YEAR = 9000


def parse_local_deadline(value: object, zone_name: object, *, field: str = "deadline"
                         ) -> tuple[datetime, str]:
    """A wall-clock time in a zone → (the moment in aware UTC, the zone's name).

    `value` is a naive datetime or "YYYY-MM-DDTHH:MM" (seconds optional). A time that does
    not exist in the zone (skipped by a clock change) or exists twice (repeated by one) is
    refused: a deadline must name exactly one moment.
    """
    tz = zone(zone_name)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise InvalidInput(f"{field} must be a local time without an offset; the zone goes "
                               "in timezone.", details={"field": field})
        local = value
    elif isinstance(value, str) and value.strip():
        local = None
        for pattern in _LOCAL_FORMATS:
            try:
                local = datetime.strptime(value.strip(), pattern)
                break
            except ValueError:
                continue
        if local is None:
            raise InvalidInput(f"{field} must be a date and time as YYYY-MM-DDTHH:MM "
                               f"(for example 2022-06-10T17:00), not {value!r}.",
                               details={"field": field})
    else:
        raise InvalidInput(f"{field} is required: a date and time as YYYY-MM-DDTHH:MM.",
                           details={"field": field})
    local = local.replace(microsecond=0)
    if not _FIRST_DEADLINE_YEAR <= local.year <= _LAST_DEADLINE_YEAR:
        # Near datetime's limits (years 1 and 9999) a moment cannot be moved to UTC or to
        # another zone (OverflowError, a 500): no negotiation has such a deadline.
        raise InvalidInput(f"{field} must be between the years {_FIRST_DEADLINE_YEAR} and "
                           f"{_LAST_DEADLINE_YEAR}.", details={"field": field})
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either the wall time is repeated (clocks went back) or skipped (clocks went forward).
        round_trip = first.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
        if round_trip != local:
            raise InvalidInput(f"{local:%d %B %Y %H:%M} does not exist in {tz.key}: the clocks "
                               "skip that hour. Choose another time.", details={"field": field})
        raise InvalidInput(f"{local:%d %B %Y %H:%M} happens twice in {tz.key} (the clocks go "
                           "back that night). Choose another time.", details={"field": field})
    return first.astimezone(timezone.utc), tz.key


def require_future(deadline: datetime, now: datetime, *, field: str = "deadline",
                   zone_name: str = "UTC") -> None:
    if deadline <= now:
        raise InvalidInput(f"The {field} {format_deadline(deadline, zone_name)} is not in the "
                           "future.", details={"field": field})


def in_zone(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone_name))


def utc_offset_label(local: datetime) -> str:
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def format_deadline(moment: datetime, zone_name: str) -> str:
    """'10 June 2022, 17:00 Asia/Bangkok (UTC+07:00)': a moment as announced in its zone."""
    local = in_zone(moment, zone_name)
    return f"{local.day} {local:%B %Y, %H:%M} {zone_name} ({utc_offset_label(local)})"


def time_remaining(deadline: datetime, now: datetime) -> str:
    """'2 days 3 hours', '45 minutes', 'less than a minute'; '' once the deadline has passed."""
    left = deadline - now
    if left <= timedelta(0):
        return ""
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(mins, 'minute')}" if mins else "")
    if mins:
        return unit(mins, "minute")
    return "less than a minute"
