"""JSON API: Economies' positions, the consensus matrix, clause status, options and the Chair's statement."""
from __future__ import annotations

from flask import g, jsonify, request

from drafting.domain.consensus import split_codes
from drafting.domain.errors import InvalidInput
from drafting.services import chair_return as return_service
from drafting.services import chair_statement as chair_service
from drafting.services import clause_status as status_service
from drafting.services import options as option_service
from drafting.services import positions as position_service
from drafting.services import reading
from drafting.services.loading import get_clause, get_document, get_proposal
from drafting.services.visibility import get_visible_proposal
from drafting.web.api import _optional_id, _optional_int, _payload, _string, bp, proposal_json
from drafting.web.helpers import commit, signed_in_user


def _position_json(position, clause) -> dict:
    """One position; `on_version` is the clause version it was given on, `stale` whether the
    clause has moved on since (it then counts as no agreement: domain/consensus.py)."""
    return {"clause_id": clause.id, "economy": position.economy.code,
            "stance": position.stance.value, "text": position.text,
            "updated_at": position.updated_at.isoformat(),
            "on_version": position.on_version,
            "stale": position_service.position_is_stale(position, clause)}


def _report_json(report) -> dict:
    return {"consensus": report.consensus, "counts": dict(report.counts),
            "without_position": list(report.without_position),
            "blocking": list(report.blocking), "stale": list(report.stale),
            "verdict": report.verdict.value}


def _clause_status_json(clause) -> dict:
    return {"clause_id": clause.id, "status": clause.status.value,
            "excepted": split_codes(clause.excepted_economies), "version": clause.version}


def _option_set_json(option_set) -> list[dict]:
    return [{"number": e.number, "text": e.text, "sponsors": list(e.sponsors),
             "proposal_id": e.proposal_id, "in_conflict": e.in_conflict}
            for e in option_set.entries] if option_set else []


# --- positions -------------------------------------------------------------------------------

@bp.route("/clauses/<int:clause_id>/position", methods=["PUT", "POST"])
def set_position(clause_id: int):
    """Record the caller's own economy's stance; a body naming another economy is refused."""
    data = _payload()
    clause = get_clause(clause_id)
    position = position_service.set_position(signed_in_user(), clause, data.get("stance"),
                                             _string(data, "text"))
    commit()
    return jsonify(_position_json(position, clause))


@bp.delete("/clauses/<int:clause_id>/position")
def clear_position(clause_id: int):
    clause = get_clause(clause_id)
    position_service.clear_position(signed_in_user(), clause)
    commit()
    return jsonify({"clause_id": clause.id, "economy": signed_in_user().economy.code, "stance": None,
                    "text": "", "updated_at": None, "on_version": None, "stale": False})


@bp.get("/clauses/<int:clause_id>/positions")
def clause_positions(clause_id: int):
    clause = get_clause(clause_id)
    panel = position_service.clause_positions(clause)
    return jsonify({
        "clause_id": clause.id, "number": reading.number_of(clause),
        "positions": [_position_json(p, clause) for e, p in panel.cells() if p is not None],
        **_report_json(panel.report),
        **{k: v for k, v in _clause_status_json(clause).items() if k != "clause_id"},
    })


@bp.get("/documents/<int:document_id>/consensus")
def document_consensus(document_id: int):
    document = get_document(document_id)
    wanted = request.args.get("filter", "all")
    if wanted not in ("all", "without_consensus"):
        raise InvalidInput("filter must be “all” or “without_consensus”.",
                           details={"field": "filter"})
    matrix = position_service.consensus_matrix(
        document, only_without_consensus=wanted == "without_consensus")
    return jsonify({
        "document_id": document.id,
        "economies": matrix.codes,
        "live_clauses": matrix.live_clauses,
        "without_consensus": matrix.without_consensus,
        "clauses": [{
            "id": row.clause.id, "number": row.number, "status": row.clause.status.value,
            "excepted": split_codes(row.clause.excepted_economies),
            "consensus": row.report.consensus, "counts": dict(row.report.counts),
            "verdict": row.report.verdict.value, "stale": list(row.report.stale),
            "version": row.clause.version,
            "positions": {code: (row.positions[code].stance.value if code in row.positions
                                 else None) for code in matrix.codes},
        } for row in matrix.rows],
    })


# --- clause status ---------------------------------------------------------------------------

@bp.post("/clauses/<int:clause_id>/status")
def set_clause_status(clause_id: int):
    data = _payload()
    clause = get_clause(clause_id)
    excepted = data.get("excepted", [])
    if excepted is not None and not isinstance(excepted, list):
        raise InvalidInput("excepted must be a list of economy codes.",
                           details={"field": "excepted"})
    change = status_service.set_clause_status(
        signed_in_user(), clause, _string(data, "status"), _string(data, "reason"),
        excepted=excepted or [], override_reason=_string(data, "override_reason"))
    commit()
    return jsonify({**_clause_status_json(clause), "from_status": change.from_status,
                    "reason": change.reason, "override_reason": change.override_reason or None,
                    "changed_at": change.created_at.isoformat()})


# --- options ---------------------------------------------------------------------------------

@bp.post("/proposals/<int:proposal_id>/keep-as-option")
def keep_as_option(proposal_id: int):
    data = _payload() if request.get_data() else {}
    proposal = get_proposal(proposal_id)
    option_service.keep_as_option(signed_in_user(), proposal, _string(data, "note"))
    commit()
    body = proposal_json(proposal)
    body["options"] = _option_set_json(option_service.clause_options(proposal.clause))
    return jsonify(body)


@bp.post("/clauses/<int:clause_id>/choose-option")
def choose_option(clause_id: int):
    data = _payload()
    clause = get_clause(clause_id)
    if "proposal_id" not in data:
        raise InvalidInput("proposal_id is required: the id of the chosen option's proposal, or "
                           "null to keep the current text.", details={"field": "proposal_id"})
    proposal_id = _optional_id(data, "proposal_id")
    choice = option_service.choose_option(
        signed_in_user(), clause,
        get_visible_proposal(signed_in_user(), proposal_id) if proposal_id is not None else None,
        expected_version=_optional_int(data, "expected_version"), note=_string(data, "note"))
    commit()
    return jsonify({
        "clause_id": clause.id, "version": choice.version.number, "text": choice.version.text,
        "chosen": {"number": choice.chosen.number, "proposal_id": choice.chosen.proposal_id,
                   "sponsors": list(choice.chosen.sponsors)},
        "rejected_proposal_ids": [p.id for p in choice.rejected],
    })


@bp.get("/clauses/<int:clause_id>/options")
def list_options(clause_id: int):
    clause = get_clause(clause_id)
    option_set = option_service.clause_options(clause)
    return jsonify({"clause_id": clause.id, "version": clause.version,
                    "options": _option_set_json(option_set),
                    "text": option_set.text if option_set else clause.text})


# --- the Chair's statement -------------------------------------------------------------------

def _clause_ids(data: dict) -> list | None:
    clause_ids = data.get("clause_ids")
    if clause_ids is not None and not isinstance(clause_ids, list):
        raise InvalidInput("clause_ids must be a list of clause ids.",
                           details={"field": "clause_ids"})
    return clause_ids


@bp.post("/documents/<int:document_id>/chair-statement")
def create_chair_statement(document_id: int):
    data = _payload()
    document = get_document(document_id)
    clause_ids = _clause_ids(data)
    allow = data.get("allow_consensus", False)
    if not isinstance(allow, bool):
        raise InvalidInput("allow_consensus must be true or false.",
                           details={"field": "allow_consensus"})
    result = chair_service.create_chair_statement(signed_in_user(), document, clause_ids,
                                                  _string(data, "note"), allow_consensus=allow)
    commit()
    chair = result.document
    return jsonify({
        "id": chair.id, "title": chair.title, "symbol": chair.symbol, "kind": chair.kind,
        "stage": chair.stage.value, "parent_document_id": chair.parent_document_id,
        "created": result.created,
        "moved": [{"from_clause_id": m.source.id, "from_number": m.source_number,
                   "clause_id": m.clause.id, "number": m.number} for m in result.moved],
    }), 201


@bp.post("/documents/<int:document_id>/return")
def return_from_chair_statement(document_id: int):
    """Return paragraphs of a Chair's statement to their statement, at their former place."""
    data = _payload()
    chair = get_document(document_id)
    result = return_service.return_to_statement(signed_in_user(), chair, _clause_ids(data),
                                                _string(data, "note"))
    commit()
    return jsonify({
        "returned": [item.source.id for item in result.returned],
        "document_id": result.statement.id,
        "clauses": [{"clause_id": item.source.id, "number": item.number_after,
                     "from_clause_id": item.clause.id, "from_number": item.number}
                    for item in result.returned],
    })


@bp.post("/documents/<int:document_id>/open-for-comment")
def open_chair_statement_for_comment(document_id: int):
    """Open a Chair's statement to economies' proposals (`"open": true`) or close it."""
    data = _payload()
    chair = get_document(document_id)
    wanted = data.get("open")
    if not isinstance(wanted, bool):
        raise InvalidInput("open must be true or false.", details={"field": "open"})
    changed = return_service.set_open_for_comment(signed_in_user(), chair, wanted,
                                                  _string(data, "note"))
    commit()
    return jsonify({"id": chair.id, "open_for_comment": chair.open_for_comment,
                    "changed": changed})
