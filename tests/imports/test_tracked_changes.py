"""A delegation's Word file with tracked changes, turned into proposals."""
import io

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import ProposalStatus, Stage
from drafting.exports.model import Run
from drafting.extensions import db
from drafting.models import AuditEvent, ClauseVersion, Proposal
from drafting.services import imports, proposals
from tests.factories import login
from tests.imports.builders import (comment_end, comment_start, dele, ins, move, p, r,
                                    raw_docx, redline_export, tab, table, zip_bomb)

OP1 = "We will reduce emissions by 2030 and promote clean energy."


def halve_op1():
    return [Run("equal", "We will "), Run("delete", "reduce"), Run("insert", "halve"),
            Run("equal", " emissions by 2030 and promote clean energy.")]


def exported_with_changes(world) -> bytes:
    """Our export, edited: PP2 deleted, OP1 amended, a new clause after OP1."""
    return redline_export(
        world.document, {"PP2": "deleted", "OP1": halve_op1()},
        added_after={"OP1": ("OP1bis", "We will phase out unabated coal power.", None)},
        comments={"PP2": "The reference is outdated.", "OP1": "Science calls for more."})


def word_style_file() -> bytes:
    """As Word writes it: a title and a cover table with changes, comments by range, a new
    paragraph typed after OP2 (Word marks the mark of OP2 as inserted), an unknown paragraph."""
    return raw_docx("".join([
        p(r("Test "), ins("Green "), r("Statement"), style="Title"),
        table(p(r("Stage: "), dele("Negotiation"), ins("Zero draft"))),
        p(r("Preamble"), style="Heading1"),
        p(r("PP1"), tab(), comment_start(5),
          r("Recognising that climate change poses serious risks to the region"),
          ins(" and to its economies"), r(";"), comment_end(5)),
        p(r("PP2"), tab(), r("Recalling the Putrajaya Vision 2040;"), comment_start(6),
          comment_end(6)),
        p(r("Goal 1: Climate"), style="GoalHeading"),
        p(r("OP1"), tab(), r(OP1)),
        p(r("OP2"), tab(), r("We encourage economies to cooperate on marine debris and share "
                             "best practices."), mark="insert"),
        p(comment_start(7), ins("We will review progress in 2025."), comment_end(7)),
        p(r("A paragraph of notes that is "), ins("not "), r("in the statement.")),
    ]), comments={5: "Economies matter too.", 6: "We can support PP2.",
                  7: "A review keeps us honest."})


def count(model=Proposal) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def plan(world, data: bytes, username="aus", filename="AUS edits.docx"):
    return imports.plan_tracked_changes(world.user(username), world.document,
                                        imports.Upload(data, filename))


# --- service -----------------------------------------------------------------------------

def test_an_edited_export_becomes_amend_insert_and_delete(world):
    result = plan(world, exported_with_changes(world))
    pp2, op1 = world.clauses[1], world.clauses[2]
    assert [(x.action, x.clause_id, x.after_clause_id, x.text, x.rationale)
            for x in result.proposals] == [
        ("delete", pp2.id, None, "", "The reference is outdated."),
        ("amend", op1.id, None, OP1.replace("reduce", "halve"), "Science calls for more."),
        ("insert", None, op1.id, "We will phase out unabated coal power.",
         "Imported from AUS edits.docx."),
    ]
    # The export's cover, summary and headings are unchanged: nothing unmapped.
    assert result.unmapped == [] and result.problems == {}
    assert count() == 0  # a plan saves nothing


def test_word_style_file_with_comments_and_unmapped_changes(world):
    result = plan(world, word_style_file())
    pp1, op2 = world.clauses[0], world.clauses[3]
    assert [(x.action, x.clause_id, x.after_clause_id, x.text, x.rationale)
            for x in result.proposals] == [
        ("amend", pp1.id, None, "Recognising that climate change poses serious risks to the "
                                "region and to its economies;", "Economies matter too."),
        ("insert", None, op2.id, "We will review progress in 2025.",
         "A review keeps us honest."),
    ]
    where = [(u.location, u.reason.split(" ")[0]) for u in result.unmapped]
    assert [u.location for u in result.unmapped] == ["heading", "table", "body", "body"]
    assert "Green" in result.unmapped[0].change
    assert result.unmapped[1].change == "inserted “Zero draft”; deleted “Negotiation”"
    assert "comment" in result.unmapped[2].reason and "We can support PP2" in \
        result.unmapped[2].change
    assert "matches no current clause" in result.unmapped[3].reason, where


def test_a_tracked_move_is_a_deletion_and_an_insertion(world):
    pp2 = "Recalling the Putrajaya Vision 2040;"
    data = raw_docx("".join([
        p(r("PP1"), tab(), r("Recognising that climate change poses serious risks to the "
                             "region;")),
        p(move("PP2\t" + pp2, "from")),
        p(r("OP1"), tab(), r(OP1)),
        p(move(pp2, "to")),
    ]))
    result = plan(world, data)
    assert [(x.action, x.clause_id, x.after_clause_id, x.text) for x in result.proposals] == [
        ("delete", world.clauses[1].id, None, ""),
        ("insert", None, world.clauses[2].id, pp2),
    ]
    assert result.unmapped == []


def test_submit_creates_all_proposals_for_the_economy(world):
    aus = world.user("aus")
    result = plan(world, exported_with_changes(world))
    created = imports.submit_tracked_changes(aus, world.document, result.proposals)
    db.session.commit()
    assert [(x.action.value, x.economy.code, x.status) for x in created] == [
        ("delete", "AUS", ProposalStatus.OPEN), ("amend", "AUS", ProposalStatus.OPEN),
        ("insert", "AUS", ProposalStatus.OPEN)]
    assert created[1].base_version.number == 1 and created[1].rationale == \
        "Science calls for more."
    events = db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.kind == "proposal.submitted")).scalar()
    assert events == 3


def test_one_refused_proposal_refuses_them_all(world):
    aus = world.user("aus")
    result = plan(world, exported_with_changes(world))
    # AUS already has the same amendment of OP1 open: that one would be a duplicate.
    proposals.submit_proposal(aus, world.document, "amend", clause=world.clauses[2],
                              text=OP1.replace("reduce", "halve"))
    db.session.commit()
    before = count()
    with pytest.raises(Conflict) as refused:
        imports.submit_tracked_changes(aus, world.document, result.proposals)
    db.session.rollback()
    assert count() == before
    assert refused.value.code == "import_refused"
    assert "1 of the 3 proposals cannot be submitted" in refused.value.message
    assert [x["proposal"] for x in refused.value.details["problems"]] == ["Amend OP1"]


def test_a_clause_that_moved_on_since_the_preview_refuses_the_submission(world):
    aus = world.user("aus")
    result = plan(world, exported_with_changes(world))
    # The secretariat moves OP1 on (as an accepted proposal or a direct edit would).
    op1 = world.clauses[2]
    db.session.add(ClauseVersion(clause_id=op1.id, number=2, text=OP1 + " Together."))
    op1.version = 2
    db.session.commit()
    before = count()
    with pytest.raises(Conflict) as refused:
        imports.submit_tracked_changes(aus, world.document, result.proposals)
    db.session.rollback()
    assert count() == before
    assert "OP1 has changed since the file was read" in refused.value.message


def test_invalid_text_is_refused_with_its_place(world):
    result = plan(world, exported_with_changes(world))
    result.proposals[2].text = "x" * 6000
    with pytest.raises(InvalidInput) as refused:
        imports.submit_tracked_changes(world.user("aus"), world.document, result.proposals)
    assert refused.value.details["problems"][0]["proposal"] == "New clause after OP1"
    assert "too long" in refused.value.details["problems"][0]["message"]


@pytest.mark.parametrize("username", ["observer", "secretariat", "admin"])
def test_only_delegates_import_changes(world, username):
    with pytest.raises(PermissionDenied):
        plan(world, exported_with_changes(world), username=username)
    with pytest.raises(PermissionDenied):
        imports.submit_tracked_changes(world.user(username), world.document, [])


def test_a_closed_stage_refuses_the_import(world):
    world.document.stage = Stage.AGREED_SOM
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        plan(world, exported_with_changes(world))
    assert refused.value.code == "stage_closed"


# --- pages -------------------------------------------------------------------------------

def upload(client, world, data: bytes, filename="AUS edits.docx"):
    return client.post(f"/documents/{world.document.id}/import-changes",
                       data={"file": (io.BytesIO(data), filename), "intent": "preview"},
                       content_type="multipart/form-data")


def token_of(page: str) -> str:
    return page.split('name="plan_token" value="')[1].split('"')[0]


def test_delegate_previews_then_submits_a_selection(client, world):
    login(client, "aus")
    show = client.get(f"/documents/{world.document.id}").data.decode()
    assert "Upload our tracked changes" in show
    assert client.get(f"/documents/{world.document.id}/import-changes").status_code == 200
    preview = upload(client, world, word_style_file())
    page = preview.data.decode()
    assert preview.status_code == 200 and count() == 0
    assert "2 proposals found" in page and "Amend PP1" in page
    assert '<ins class="chg econ-aus"' in page and "and to its economies" in page
    assert "Changes not imported (4)" in page and "Zero draft" in page
    response = client.post(f"/documents/{world.document.id}/import-changes", data={
        "plan_token": token_of(page), "intent": "submit", "include": ["1"],
        "rationale-0": "ignored", "rationale-1": "Edited rationale for the review."})
    assert response.status_code == 302
    created = db.session.execute(select(Proposal)).scalars().all()
    assert [(x.action.value, x.rationale) for x in created] == [
        ("insert", "Edited rationale for the review.")]
    assert "1 proposal submitted" in client.get(response.headers["Location"]).data.decode()


def test_a_refused_submission_shows_why_and_saves_nothing(client, world):
    login(client, "aus")
    page = upload(client, world, exported_with_changes(world)).data.decode()
    proposals.submit_proposal(world.user("aus"), world.document, "delete",
                              clause=world.clauses[1])
    db.session.commit()
    before = count()
    response = client.post(f"/documents/{world.document.id}/import-changes", data={
        "plan_token": token_of(page), "intent": "submit", "include": ["0", "1", "2"]})
    assert response.status_code == 409
    text = response.data.decode()
    assert "Delete PP2" in text and "already has the same open proposal" in text
    assert count() == before


@pytest.mark.parametrize("username", ["observer", "secretariat"])
def test_observer_and_secretariat_cannot_upload_changes(client, world, username):
    login(client, username)
    assert "Upload our tracked changes" not in \
        client.get(f"/documents/{world.document.id}").data.decode()
    assert client.get(f"/documents/{world.document.id}/import-changes").status_code == 403
    assert upload(client, world, exported_with_changes(world)).status_code == 403
    assert count() == 0


def test_tampered_or_foreign_tokens_are_refused(client, app, world):
    from drafting.web.imports import CHANGES_SALT, sign
    login(client, "aus")
    page = upload(client, world, exported_with_changes(world)).data.decode()
    token = token_of(page)
    url = f"/documents/{world.document.id}/import-changes"
    bad = client.post(url, data={"plan_token": token[:-4] + "AAAA", "intent": "submit",
                                 "include": ["0"]})
    assert bad.status_code == 422 and b"altered" in bad.data
    with app.test_request_context():
        for_nz = sign({"user": world.user("nz").id, "document": world.document.id,
                       "proposals": [], "unmapped": []}, CHANGES_SALT)
        other_doc = sign({"user": world.user("aus").id, "document": world.document.id + 1,
                          "proposals": [], "unmapped": []}, CHANGES_SALT)
    assert b"another account" in client.post(url, data={"plan_token": for_nz}).data
    assert b"another document" in client.post(url, data={"plan_token": other_doc}).data
    assert count() == 0


@pytest.mark.parametrize("data, filename, status", [
    (b"plain text", "edits.docx", 422),
    (b"fake", "edits.txt", 422),
    (zip_bomb(30 * 1024 * 1024), "edits.docx", 422),
    (b"PK" + b"x" * (6 * 1024 * 1024), "edits.docx", 413),
])
def test_bad_files_are_refused_on_the_page(client, world, data, filename, status):
    login(client, "aus")
    response = upload(client, world, data, filename)
    assert response.status_code == status and b"form-error" in response.data
    assert count() == 0


# --- API ---------------------------------------------------------------------------------

def api_upload(client, world, headers, data: bytes, query=""):
    return client.post(f"/api/v1/documents/{world.document.id}/import-changes{query}",
                       headers=headers, data={"file": (io.BytesIO(data), "AUS.docx")},
                       content_type="multipart/form-data")


def test_api_preview_then_submit(client, world, api_token):
    headers = api_token("aus")
    preview = api_upload(client, world, headers, word_style_file(), "?preview=1")
    assert preview.status_code == 200 and count() == 0
    body = preview.get_json()
    assert [x["label"] for x in body["proposals"]] == ["Amend PP1", "New clause after OP2"]
    assert {"op": "insert", "text": " and to its economies"} in body["proposals"][0]["diff"]
    assert body["proposals"][0]["problem"] is None
    assert [u["location"] for u in body["unmapped"]] == ["heading", "table", "body", "body"]
    created = api_upload(client, world, headers, word_style_file())
    assert created.status_code == 201
    body = created.get_json()
    assert len(body["created"]) == 2 and body["proposals"][1]["action"] == "insert"
    assert body["proposals"][1]["rationale"] == "A review keeps us honest."
    assert len(body["unmapped"]) == 4 and count() == 2


def test_api_file_without_mappable_changes_is_422_with_the_unmapped(client, world, api_token):
    data = raw_docx(p(r("Test "), ins("Green "), r("Statement"), style="Title"))
    response = api_upload(client, world, api_token("aus"), data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "nothing_to_submit" and error["details"]["unmapped"][0]["location"] \
        == "heading"


@pytest.mark.parametrize("username", ["observer", "secretariat"])
def test_api_refuses_non_delegates(client, world, api_token, username):
    response = api_upload(client, world, api_token(username), exported_with_changes(world))
    assert response.status_code == 403 and count() == 0


def test_api_requires_a_multipart_file(client, world, api_token):
    url = f"/api/v1/documents/{world.document.id}/import-changes"
    assert client.post(url, headers=api_token("aus"), json={}).status_code == 400
    response = client.post(url, headers=api_token("aus"), data={"x": "1"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "no_file"


# --- the real export, edited ---------------------------------------------------------------

def test_our_own_word_export_edited_in_word_round_trips(client, world):
    """Download the document as Word (clean), add a tracked insertion to OP2 and a tracked
    deletion of PP1 as Word would, and upload it back."""
    import zipfile

    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    login(client, "aus")
    exported = client.get(f"/documents/{world.document.id}/export?mode=clean&format=docx")
    assert exported.status_code == 200
    source = zipfile.ZipFile(io.BytesIO(exported.data))
    root = etree.fromstring(source.read("word/document.xml"))
    paragraphs = {"".join(t.text or "" for t in el.iter(f"{w}t"))[:3]: el
                  for el in root.find(f"{w}body").iterfind(f"{w}p")}
    change = etree.SubElement(paragraphs["OP2"], f"{w}ins", {
        f"{w}id": "90", f"{w}author": "AUS", f"{w}date": "2022-08-01T00:00:00Z"})
    etree.SubElement(etree.SubElement(change, f"{w}r"), f"{w}t").text = " We will report annually."
    for run in list(paragraphs["PP1"].iterfind(f"{w}r")):
        wrapper = etree.Element(f"{w}del", {f"{w}id": "91", f"{w}author": "AUS",
                                            f"{w}date": "2022-08-01T00:00:00Z"})
        run.addprevious(wrapper)
        wrapper.append(run)
        for text in run.iter(f"{w}t"):
            text.tag = f"{w}delText"
    edited = io.BytesIO()
    with zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, etree.tostring(root) if item.filename == "word/document.xml"
                            else source.read(item.filename))
    result = plan(world, edited.getvalue())
    assert [(x.action, x.clause_id, x.text) for x in result.proposals] == [
        ("delete", world.clauses[0].id, ""),
        ("amend", world.clauses[3].id, "We encourage economies to cooperate on marine debris "
                                       "and share best practices. We will report annually."),
    ]
    assert result.unmapped == []


def test_more_proposals_than_one_file_may_submit_are_refused_and_nothing_is_saved(world):
    from drafting.domain.tracked_import import PlannedProposal

    op1 = world.clauses[2]
    item = PlannedProposal(action="amend", clause_id=op1.id, after_clause_id=None,
                           number="OP1", base_version=op1.version, base_text=OP1,
                           text=OP1.replace("reduce", "halve"), rationale="Science.",
                           paragraph=1)
    with pytest.raises(InvalidInput) as refused:
        imports.submit_tracked_changes(world.user("aus"), world.document,
                                       [item] * (imports.MAX_IMPORTED_PROPOSALS + 1))
    assert refused.value.code == "too_many_proposals"
    assert refused.value.details == {"max_items": imports.MAX_IMPORTED_PROPOSALS}
    assert count() == 0
