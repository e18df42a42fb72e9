"""GET /api/v1/documents/<id>/search: kinds, phrases, highlighting, revisions, confidentiality
per viewer, and bad queries; on whichever database the run uses (SQLite or PostgreSQL)."""
from __future__ import annotations

import pytest

from drafting.domain.search_text import MAX_QUERY_CHARS, SNIPPET_CHARS
from drafting.extensions import db
from drafting.services.search import MAX_LIMIT
from tests.factories import make_document
from tests.search.conftest import ALL_WORDS, HIDDEN_WORDS, SEES

API = "/api/v1"


def search(app, api_token, document_id, username="nz", **params):
    response = app.test_client().get(f"{API}/documents/{document_id}/search",
                                     query_string=params, headers=api_token(username))
    return response


def results(app, api_token, document_id, q, username="nz", **params):
    response = search(app, api_token, document_id, username, q=q, **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def highlighted(hit) -> list[str]:
    return [hit["snippet"][start:end] for start, end in hit["highlights"]]


# --- what is found -----------------------------------------------------------------------------

def test_each_kind_is_found_with_its_clause_and_number(app, search_scene, api_token):
    doc = search_scene.world.document.id
    hits = results(app, api_token, doc, "marine debris")
    kinds = [(h["kind"], h["id"]) for h in hits]
    assert kinds == [("clause", search_scene.op2.id), ("proposal", search_scene.public.id),
                     ("comment", search_scene.clause_note.id)]
    assert {h["clause_id"] for h in hits} == {search_scene.op2.id}
    assert {h["number"] for h in hits} == {"OP2"}
    clause, proposal, comment = hits
    assert clause["url"] == f"/clauses/{search_scene.op2.id}"
    assert proposal["url"] == f"/proposals/{search_scene.public.id}"
    assert proposal["economy"] == "JPN" and proposal["status"] == "open"
    assert comment["url"] == f"/clauses/{search_scene.op2.id}#comment-{search_scene.clause_note.id}"


def test_a_comment_on_a_proposal_names_the_proposal_and_its_clause(app, search_scene, api_token):
    hits = results(app, api_token, search_scene.world.document.id, "zqpublicnote")
    assert [(h["kind"], h["id"], h["proposal_id"], h["clause_id"]) for h in hits] == [
        ("comment", search_scene.public_note.id, search_scene.public.id, search_scene.op2.id)]
    assert hits[0]["url"] == (f"/proposals/{search_scene.public.id}"
                              f"#comment-{search_scene.public_note.id}")


def test_words_must_all_occur_and_match_whole_words_in_any_case(app, search_scene, api_token):
    doc = search_scene.world.document.id
    assert results(app, api_token, doc, "MARINE practices")
    assert results(app, api_token, doc, "marine nowhereword") == []
    assert results(app, api_token, doc, "debr") == []  # a whole word, not a prefix


def test_a_quoted_phrase_needs_its_words_side_by_side(app, search_scene, api_token):
    doc = search_scene.world.document.id
    assert [h["kind"] for h in results(app, api_token, doc, '"clean energy"')] == ["clause"]
    # Both words occur in the current OP1, but not next to each other.
    assert results(app, api_token, doc, '"renewable emissions"') == []
    assert results(app, api_token, doc, "renewable emissions")


def test_highlights_mark_the_matched_words_in_a_plain_text_snippet(app, search_scene, api_token):
    hits = results(app, api_token, search_scene.world.document.id, '"marine debris" practices')
    clause = hits[0]
    assert clause["snippet"] == ("We encourage economies to cooperate on marine debris and "
                                 "share best practices.")
    assert highlighted(clause) == ["marine debris", "practices"]
    [comment] = [h for h in results(app, api_token, search_scene.world.document.id,
                                    '"marine debris"') if h["kind"] == "comment"]
    assert highlighted(comment) == ["marine debris"]  # inside the Markdown emphasis


def test_a_long_text_gives_a_window_around_the_match(app, world, api_token):
    long_text = " ".join(["filler"] * 150) + " the needle sits here " + " ".join(["tail"] * 80)
    document, _ = make_document(world.economies["THA"],
                                texts=[("operative", long_text)])
    db.session.commit()
    [hit] = results(app, api_token, document.id, "needle")
    assert hit["snippet"].startswith("…") and hit["snippet"].endswith("…")
    assert len(hit["snippet"]) <= SNIPPET_CHARS + 2  # and the two ellipses
    assert highlighted(hit) == ["needle"]


def test_html_in_the_text_is_returned_as_text(app, world, api_token):
    document, _ = make_document(world.economies["THA"], texts=[
        ("operative", "We reject <script>alert(1)</script> & promote trade.")])
    db.session.commit()
    [hit] = results(app, api_token, document.id, "script")
    assert hit["snippet"] == "We reject <script>alert(1)</script> & promote trade."
    assert highlighted(hit) == ["script", "script"]


# --- revisions ---------------------------------------------------------------------------------

def test_text_changed_since_a_revision_is_found_in_that_revision(app, search_scene, api_token):
    doc = search_scene.world.document.id
    op1 = search_scene.op1.id
    [old] = [h for h in results(app, api_token, doc, "clean") if h["kind"] == "clause"]
    assert (old["id"], old["version"], old["current"], old["revisions"], old["revision"]) == (
        op1, 1, False, [1], "Rev.1")
    assert old["url"] == f"/documents/{doc}?rev=1#clause-{op1}"
    [new] = [h for h in results(app, api_token, doc, "renewable") if h["kind"] == "clause"]
    assert (new["version"], new["current"], new["revisions"], new["revision"]) == (
        2, True, [], "current")
    # Both versions hold "energy": each is one hit.
    versions = [h["version"] for h in results(app, api_token, doc, "energy")
                if h["kind"] == "clause"]
    assert versions == [2, 1]


def test_unchanged_text_is_one_hit_naming_the_revisions_that_hold_it(app, search_scene,
                                                                      api_token):
    [hit] = [h for h in results(app, api_token, search_scene.world.document.id, "Putrajaya")]
    assert (hit["current"], hit["revisions"], hit["revision"]) == (True, [1], "current")


def test_versions_neither_current_nor_in_a_revision_are_not_searched(app, search_scene,
                                                                      api_token):
    # OP1 goes to version 3: version 2 ("renewable") is now in no revision and not current.
    from drafting.services import decisions, proposals
    world = search_scene.world
    again = proposals.submit_proposal(world.user("jpn"), world.document, "amend",
                                      clause=search_scene.op1,
                                      text="We will reduce emissions by 2030 and act.")
    world.document.circulate_immediately = True
    db.session.flush()
    decisions.decide_proposal(world.user("secretariat"), again, "accept", expected_version=2)
    db.session.commit()
    kinds = [h["kind"] for h in results(app, api_token, world.document.id, "renewable")]
    assert "clause" not in kinds and "proposal" in kinds


# --- confidentiality ---------------------------------------------------------------------------

@pytest.mark.parametrize("username", sorted(SEES))
def test_each_viewer_finds_exactly_what_they_may_see(app, search_scene, api_token, username):
    doc = search_scene.world.document.id
    found = set()
    for word in sorted(ALL_WORDS):
        hits = results(app, api_token, doc, word, username=username)
        if hits:
            found.add(word)
            assert all(word in h["snippet"] for h in hits)
    assert found == SEES[username]


@pytest.mark.parametrize("username", ["nz", "observer", "secretariat"])
def test_a_hidden_word_answers_as_a_word_nobody_wrote(app, search_scene, api_token, username):
    doc = search_scene.world.document.id
    nobody = search(app, api_token, doc, username, q="zqnobodywrotethis").get_json()
    for word in sorted(HIDDEN_WORDS - SEES[username]):
        answer = search(app, api_token, doc, username, q=word).get_json()
        assert {**answer, "query": None} == {**nobody, "query": None}, word


def test_hidden_proposals_take_no_place_under_the_limit(app, search_scene, api_token):
    """"energy" also occurs in drafts and held proposals NZ may not see: they neither fill the
    limit nor set `truncated`."""
    doc = search_scene.world.document.id
    visible = results(app, api_token, doc, "energy", username="nz")
    assert all("zqaus" not in h["snippet"] for h in visible)
    answer = search(app, api_token, doc, "nz", q="energy", limit=len(visible)).get_json()
    assert answer["truncated"] is False and len(answer["results"]) == len(visible)
    shorter = search(app, api_token, doc, "nz", q="energy", limit=len(visible) - 1).get_json()
    assert shorter["truncated"] is True
    assert shorter["results"] == visible[:-1]


def test_an_observer_sees_no_draft_even_in_a_phrase(app, search_scene, api_token):
    doc = search_scene.world.document.id
    assert results(app, api_token, doc, '"promote zqausdraftword energy"',
                   username="observer") == []
    assert results(app, api_token, doc, '"promote zqausdraftword energy"', username="aus")


def test_another_documents_text_is_not_searched(app, search_scene, api_token):
    document, _ = make_document(search_scene.world.economies["THA"],
                                texts=[("operative", "Only zqotherdocword here.")])
    db.session.commit()
    assert results(app, api_token, search_scene.world.document.id, "zqotherdocword") == []
    assert results(app, api_token, document.id, "zqotherdocword")


def test_the_index_follows_a_revised_proposal(app, search_scene, api_token):
    from drafting.services import proposals
    proposals.revise_proposal(search_scene.world.user("jpn"), search_scene.public,
                              text="We encourage economies to act on zqrevisedword.",
                              rationale="Shorter.")
    db.session.commit()
    doc = search_scene.world.document.id
    assert [h["id"] for h in results(app, api_token, doc, "zqrevisedword")] == [
        search_scene.public.id]
    assert results(app, api_token, doc, "zqpublicword") == []


# --- scripts without spaces --------------------------------------------------------------------

def test_thai_and_chinese_words_are_found_inside_their_run_of_letters(app, world, api_token):
    document, _ = make_document(world.economies["THA"], texts=[
        ("operative", "เราจะลดการปล่อยก๊าซเรือนกระจกภายในปี 2030"),
        ("operative", "我们将促进清洁能源和循环经济。"),
        ("operative", "We will promote the circular economy."),
    ])
    db.session.commit()
    [thai] = results(app, api_token, document.id, "ลดการปล่อย")
    assert highlighted(thai) == ["ลดการปล่อย"]
    [chinese] = results(app, api_token, document.id, "清洁能源")
    assert highlighted(chinese) == ["清洁能源"]
    # Mixed with a word of a spaced script: both must occur.
    assert [h["number"] for h in results(app, api_token, document.id, "ลดการ 2030")] == ["OP1"]
    assert results(app, api_token, document.id, "ลดการ circular") == []
    # LIKE wildcards typed by the person are plain characters.
    assert results(app, api_token, document.id, "清%源") == []


# --- bad queries -------------------------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "   "}, "q"), ({"q": '""'}, "q"), ({"q": "-- ?!"}, "q"),
    ({"q": "x" * (MAX_QUERY_CHARS + 1)}, "q"), ({"q": " ".join("abcdefghij")}, "q"),
    ({"q": "energy", "limit": "0"}, "limit"), ({"q": "energy", "limit": "abc"}, "limit"),
    ({"q": "energy", "limit": str(MAX_LIMIT + 1)}, "limit"),
    ({"q": "energy", "limit": "１"}, "limit"),
])
def test_a_bad_query_is_a_clean_422(app, search_scene, api_token, params, field):
    response = search(app, api_token, search_scene.world.document.id, **params)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and error["details"]["field"] == field
    assert error["message"]


@pytest.mark.parametrize("q", ['"', 'energy"', 'NEAR(energy clean)', "energy OR", "^energy",
                               "energy*", "col:energy", "a'b", "\\", "%", "_"])
def test_query_syntax_of_the_databases_is_never_interpreted(app, search_scene, api_token, q):
    response = search(app, api_token, search_scene.world.document.id, q=q)
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]
    assert response.is_json


def test_a_control_character_in_q_is_refused(app, search_scene, api_token):
    response = search(app, api_token, search_scene.world.document.id, q="energy\x00")
    assert response.status_code == 422


def test_unknown_document_is_404_and_no_token_401(app, search_scene, api_token):
    assert search(app, api_token, 999_999, q="energy").status_code == 404
    anonymous = app.test_client().get(
        f"{API}/documents/{search_scene.world.document.id}/search?q=energy")
    assert anonymous.status_code == 401


def test_addresses_paths_numbers_and_markup_split_into_words_on_both_databases(app, world,
                                                                              api_token):
    """PostgreSQL's parser would index "www.apec.org", "2022/SOM2/003" and "1.5" whole and drop
    "<b>"; the index splits them as SQLite does, so the same words find them on both."""
    document, _ = make_document(world.economies["THA"], texts=[
        ("operative", "See www.apec.org and document 2022/SOM2/003, a rise of 1.5 degrees."),
        ("operative", "Write to <b>info@apec.org</b> now."),
    ])
    db.session.commit()
    for q, numbers in [("apec", ["OP1", "OP2"]), ("SOM2", ["OP1"]), ('"1.5"', ["OP1"]),
                       ("www.apec.org", ["OP1"]), ('"2022/SOM2/003"', ["OP1"]), ("b", ["OP2"]),
                       ("info", ["OP2"]), ("degrees", ["OP1"])]:
        assert [h["number"] for h in results(app, api_token, document.id, q)] == numbers, q


@pytest.mark.parametrize("q", ["\u0301", "①", "ß", "İstanbul", "a\u200bb", "🙂", "x\u00adz",
                               "\ufeff", "٣", "Ⅻ"])
def test_unusual_characters_answer_cleanly(app, search_scene, api_token, q):
    response = search(app, api_token, search_scene.world.document.id, q=q)
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]
