import pytest

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.services import comments, proposals, reading


def test_threads_replies_and_markdown(world):
    root = comments.add_comment(world.user("aus"), clause=world.clauses[0],
                                body="We **support** this.")
    reply = comments.add_comment(world.user("nz"), clause=world.clauses[0], parent=root,
                                 body="- agree\n- with AUS")
    comments.add_comment(world.user("secretariat"), clause=world.clauses[0], parent=reply,
                         body="Noted.")
    assert "<strong>support</strong>" in root.body_html
    assert "<li>agree</li>" in reply.body_html
    threads = reading.comment_threads(viewer=None, clause=world.clauses[0])
    assert len(threads) == 1
    (first, replies), = threads
    assert first.id == root.id and replies[0][0].id == reply.id and len(replies[0][1]) == 1


def test_reply_cannot_jump_threads(world):
    root = comments.add_comment(world.user("aus"), clause=world.clauses[0], body="A")
    with pytest.raises(InvalidInput):
        comments.add_comment(world.user("nz"), clause=world.clauses[1], parent=root, body="B")


def test_comment_on_proposal(world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                  clause=world.clauses[0])
    c = comments.add_comment(world.user("jpn"), proposal=p, body="Why delete?")
    assert c.proposal_id == p.id and c.clause_id == world.clauses[0].id


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_bad_comment_refused(world, body):
    with pytest.raises(InvalidInput):
        comments.add_comment(world.user("aus"), clause=world.clauses[0], body=body)


@pytest.mark.parametrize("username", ["observer", "admin"])
def test_observers_and_admins_do_not_comment(world, username):
    with pytest.raises(PermissionDenied):
        comments.add_comment(world.user(username), clause=world.clauses[0], body="Hi")


def test_resolve_and_reopen(world):
    root = comments.add_comment(world.user("aus"), clause=world.clauses[0], body="A")
    reply = comments.add_comment(world.user("nz"), clause=world.clauses[0], parent=root, body="B")
    with pytest.raises(PermissionDenied):
        comments.resolve_comment(world.user("nz"), reply)  # NZ did not open the thread
    comments.resolve_comment(world.user("aus2"), reply)  # resolving a reply resolves the thread
    assert root.is_resolved
    with pytest.raises(Conflict):
        comments.resolve_comment(world.user("secretariat"), root)
    comments.reopen_comment(world.user("secretariat"), root)
    assert not root.is_resolved


@pytest.mark.parametrize("unit", ["[", "[a](", "*a **a ***a "])
def test_a_hostile_comment_of_the_maximum_length_is_stored_with_every_character(world, unit):
    # Used to take seconds of CPU per comment ("[" * 10,000: about 16 s); the output is
    # checked here, the time in benchmarks/bench_markup.py.
    body = (unit * 10_000)[:10_000]
    comment = comments.add_comment(world.user("aus"), clause=world.clauses[0], body=body)
    assert comment.body == body
    if unit == "[":
        assert comment.body_html == "<p>" + body + "</p>"
    assert comment.body_html.count("a") >= body.count("a")
