"""JSON API: Document stages, submission rounds, the silence procedure and endorsement.

Deadlines are sent as a local wall-clock time ("YYYY-MM-DDTHH:MM") plus an IANA time zone,
and returned as ISO 8601 with the zone's offset (plus the same moment in UTC).
"""
from __future__ import annotations

from flask import g, jsonify

from drafting.domain import workflow as wf
from drafting.domain.errors import InvalidInput
from drafting.models import Document, SilenceProcedure, StageChange, SubmissionRound
from drafting.services import rounds, silence, stages
from drafting.services.loading import get_clause, get_document
from drafting.web.api import _payload, _string, bp
from drafting.web.helpers import commit, signed_in_user
from drafting.web.workflow import shown_settled


def _moment(value, zone_name: str | None = None) -> str | None:
    if value is None:
        return None
    return (wf.in_zone(value, zone_name) if zone_name else value).isoformat()


def stage_change_json(change: StageChange) -> dict:
    return {"from": change.from_stage, "to": change.to_stage, "note": change.note,
            "by": change.user.username if change.user else "system",
            "at": change.created_at.isoformat()}


def stage_json(document: Document, user) -> dict:
    return {
        "document_id": document.id,
        "stage": document.stage.value,
        "stage_label": document.stage.label,
        "allowed_transitions": [
            {"to": m.to_stage.value, "label": m.move.label, "via": m.via,
             "reason_required": m.move.reason_required}
            for m in stages.available_moves(document, user)
        ],
        "history": [stage_change_json(c) for c in stages.stage_history(document)],
        "fingerprint": document.fingerprint,
        "fingerprint_algorithm": "sha256" if document.fingerprint else None,
        "frozen_at": _moment(document.frozen_at),
    }


def round_json(submission_round: SubmissionRound) -> dict:
    return {
        "id": submission_round.id,
        "document_id": submission_round.document_id,
        "deadline": _moment(submission_round.deadline, submission_round.timezone),
        "deadline_utc": _moment(submission_round.deadline),
        "timezone": submission_round.timezone,
        "note": submission_round.note,
        "opened_at": _moment(submission_round.opened_at),
        "opened_by": submission_round.opened_by.username if submission_round.opened_by else None,
        "revision_id": submission_round.revision_id,
    }


def silence_json(procedure: SilenceProcedure) -> dict:
    cancelled = silence.was_cancelled(procedure)
    return {
        "id": procedure.id,
        "document_id": procedure.document_id,
        "status": "cancelled" if cancelled else procedure.status.value,
        "deadline": _moment(procedure.deadline, procedure.timezone),
        "deadline_utc": _moment(procedure.deadline),
        "timezone": procedure.timezone,
        "started_at": _moment(procedure.started_at),
        "revision_id": procedure.revision_id,
        "broken_by": procedure.broken_by.username if procedure.broken_by else None,
        "broken_economy": procedure.broken_economy.code if procedure.broken_economy else None,
        "reason": procedure.reason or None,
        "ended_at": _moment(procedure.ended_at, procedure.timezone),
    }


@bp.get("/documents/<int:document_id>/stage")
def document_stage(document_id: int):
    document = shown_settled(get_document(document_id))
    return jsonify(stage_json(document, signed_in_user()))


@bp.post("/documents/<int:document_id>/stage")
def move_document_stage(document_id: int):
    data = _payload()
    document = get_document(document_id)
    stages.change_stage(signed_in_user(), document, _string(data, "stage"), _string(data, "note"))
    commit()
    return jsonify(stage_json(document, signed_in_user()))


@bp.get("/documents/<int:document_id>/rounds")
def list_rounds(document_id: int):
    document = shown_settled(get_document(document_id))
    all_rounds = stages.rounds_of(document)
    summary = stages.workflow_summary(document)
    return jsonify({"rounds": [round_json(r) for r in all_rounds],
                    "accepting_proposals_until": round_json(all_rounds[0])["deadline"]
                    if all_rounds and summary.round_open else None})


@bp.post("/documents/<int:document_id>/rounds")
def open_submission_round(document_id: int):
    data = _payload()
    document = get_document(document_id)
    opened = rounds.open_round(signed_in_user(), document, _string(data, "deadline"),
                               _string(data, "timezone"), _string(data, "note"))
    commit()
    return jsonify(round_json(opened)), 201


@bp.post("/clauses/<int:clause_id>/freeze")
def freeze_clause(clause_id: int):
    data = _payload()
    clause = get_clause(clause_id)
    frozen = data.get("frozen")
    if not isinstance(frozen, bool):
        raise InvalidInput("frozen is required: true or false.", details={"field": "frozen"})
    rounds.freeze_clause(signed_in_user(), clause, frozen, _string(data, "reason"))
    commit()
    return jsonify({"clause_id": clause.id, "frozen": clause.frozen})


@bp.get("/documents/<int:document_id>/silence")
def show_silence(document_id: int):
    document = shown_settled(get_document(document_id))
    procedures = stages.silences_of(document)
    return jsonify({"silence": silence_json(procedures[0]) if procedures else None,
                    "procedures": [silence_json(p) for p in procedures],
                    "stage": document.stage.value})


@bp.post("/documents/<int:document_id>/silence")
def start_silence(document_id: int):
    data = _payload()
    document = get_document(document_id)
    procedure = silence.start_silence(signed_in_user(), document, _string(data, "deadline"),
                                      _string(data, "timezone"), _string(data, "note"))
    commit()
    return jsonify(silence_json(procedure)), 201


@bp.post("/documents/<int:document_id>/silence/break")
def break_silence(document_id: int):
    data = _payload()
    document = get_document(document_id)
    procedure = silence.break_silence(signed_in_user(), document, _string(data, "reason"))
    commit()
    return jsonify(silence_json(procedure))


@bp.post("/documents/<int:document_id>/silence/cancel")
def cancel_silence(document_id: int):
    data = _payload()
    document = get_document(document_id)
    procedure = silence.cancel_silence(signed_in_user(), document, _string(data, "reason"))
    commit()
    return jsonify(silence_json(procedure))


@bp.post("/documents/<int:document_id>/endorse")
def endorse(document_id: int):
    data = _payload()
    document = get_document(document_id)
    stages.endorse_by_leaders(signed_in_user(), document, _string(data, "note"))
    commit()
    return jsonify({"document_id": document.id, "stage": document.stage.value,
                    "fingerprint": document.fingerprint, "fingerprint_algorithm": "sha256",
                    "frozen_at": _moment(document.frozen_at)})
