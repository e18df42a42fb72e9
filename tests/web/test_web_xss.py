"""Hostile text in every field a user writes must never reach a page as live markup.

Each payload goes into proposal text (amend, insert, revised, secretariat's modified text),
rationales, decision notes, comment bodies (clause, proposal, reply), a display name and a
token name; then every page that shows them is parsed and checked for script, event
handlers, dangerous elements and javascript:/data: URLs.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

import lxml.html
import pytest

from drafting.domain.states import Role
from drafting.extensions import db
from drafting.services import accounts
from tests.factories import PASSWORD, login
from tests.web.test_web_support import comment, decide, isolated_requests, propose

_ = isolated_requests

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"data:text/html,<script>alert(1)</script>\">d</a>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x]( javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    "' onmouseover='alert(1)' x='",
    '" onmouseover="alert(1)" x="',
    "<b onmouseover=alert(1)>hover</b>",
    "`<script>alert(1)</script>`",
    "<<script>script>alert(1)<</script>/script>",
    "<style>*{display:none}</style>",
    "[x](vbscript:msgbox(1))",
    "<http://example.org/\"onmouseover=alert(1)>",
    "<javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[x][a]",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "{{ 7*7 }} {% raw %}",
]

FORBIDDEN_TAGS = {"img", "svg", "iframe", "object", "embed", "math", "style", "base", "frame",
                  "frameset", "video", "audio", "source"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "srcset"}
DANGEROUS_SCHEME = re.compile(r"^\s*(javascript|data|vbscript)\s*:", re.IGNORECASE)


def assert_no_live_markup(html: bytes | str, where: str) -> None:
    raw = html.decode() if isinstance(html, bytes) else html
    # Escaped payloads ("&lt;img …") are harmless text; only a raw "<" opens markup.
    for needle in ("<script>alert", "<img", "<svg", "<iframe", "<style>", "<b onmouseover",
                   '"><script>', "</textarea><script>"):
        assert needle not in raw, f"{where}: raw payload {needle!r} in the page"
    tree = lxml.html.document_fromstring(raw) if raw.lstrip().startswith("<!") or "<html" in raw \
        else lxml.html.fragment_fromstring(raw, create_parent="div")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "script":
            assert element.get("src") in ("/static/app.js", "/static/live.js",
                                          "/static/confirm.js", "/static/visits.js",
                                          "/static/desk.js", "/static/outline.js") \
                and not (element.text or "").strip(), \
                f"{where}: a script element that is not the app's own: {lxml.html.tostring(element)!r}"
        assert tag not in FORBIDDEN_TAGS, f"{where}: <{tag}> element in the page"
        if tag == "meta":
            assert element.get("http-equiv") is None, f"{where}: meta http-equiv"
        for name, value in element.attrib.items():
            lowered = name.lower()
            assert not lowered.startswith("on"), \
                f"{where}: event handler {name}={value!r} on <{tag}>"
            assert lowered != "style", f"{where}: inline style on <{tag}>"
            if lowered in URL_ATTRIBUTES:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                assert not DANGEROUS_SCHEME.match(cleaned), \
                    f"{where}: {name}={value!r} on <{tag}>"
        if tag == "a" and element.get("href"):
            href = element.get("href")
            assert href.startswith(("/", "#", "http://", "https://", "mailto:")), \
                f"{where}: unexpected link target {href!r}"


@pytest.fixture
def hostile(world):
    def build(payload: str):
        """Put `payload` everywhere a user can write and return what to look at."""
        econ = world.economies["JPN"]
        evil_user = accounts.create_user(None, username="mallory", password=PASSWORD,
                                         role=Role.DELEGATE, economy=econ,
                                         display_name=payload[:120])
        db.session.commit()
        base = "We will reduce emissions by 2030 and promote clean energy."
        amend = propose(world, "aus", 2, f"{base} {payload}", rationale=payload)
        insert = propose(world, "nz", 2, action="insert", text=payload, rationale=payload)
        delete = propose(world, "jpn", 1, action="delete", rationale=payload)
        rejected = propose(world, "nz", 0, f"Recognising {payload}", rationale=payload)
        accepted = propose(world, "jpn", 3, f"We encourage {payload} cooperation.",
                           rationale=payload)
        decide(world, accepted, text=f"We encourage {payload} close cooperation.", note=payload)
        decide(world, rejected, "reject", note=payload)
        conflicted = propose(world, "mallory", 3, f"We urge {payload} cooperation.",
                             rationale=payload)
        root = comment(world, "mallory", clause_index=2, body=payload)
        comment(world, "aus", clause_index=2, parent=root, body=f"Re: {payload}")
        comment(world, "nz", proposal=amend, body=payload)
        comment(world, "secretariat", proposal=accepted, body=payload)
        return SimpleNamespace(
            doc=world.document.id, clauses=[c.id for c in world.clauses],
            inserted_clause=None, proposals=[amend.id, insert.id, delete.id, rejected.id,
                                             accepted.id, conflicted.id],
            amend=amend.id, insert=insert.id, mallory_id=evil_user.id,
        )
    return build


def _pages_for(s):
    yield "aus", f"/documents/{s.doc}"
    yield "aus", f"/documents/{s.doc}?view=changes"
    yield "observer", f"/documents/{s.doc}?view=changes"
    for clause_id in s.clauses:
        yield "aus", f"/clauses/{clause_id}"
    for proposal_id in s.proposals:
        yield "aus", f"/proposals/{proposal_id}"
        yield "secretariat", f"/proposals/{proposal_id}"
    yield "secretariat", f"/documents/{s.doc}/desk"
    yield "aus", f"/documents/{s.doc}/propose?action=amend&clause_id={s.clauses[2]}"
    yield "aus", f"/documents/{s.doc}/propose?action=insert&after={s.clauses[2]}"
    yield "aus", f"/proposals/{s.amend}/revise"
    yield "admin", "/admin/users"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_never_renders_as_markup(client, world, hostile, payload):
    scene = hostile(payload)
    current = None
    for username, path in _pages_for(scene):
        if username != current:
            if current is not None:
                client.post("/logout")
            login(client, username)
            current = username
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_no_live_markup(response.data, f"{username} {path}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_forms_and_previews(client, world, hostile, payload):
    scene = hostile(payload)
    login(client, "aus")
    doc = scene.doc
    # Preview re-render, with the payload as proposed text and rationale.
    response = client.post(f"/documents/{doc}/proposals", data={
        "intent": "preview", "action": "amend", "clause_id": scene.clauses[3],
        "text": f"We encourage {payload} everything.", "rationale": payload})
    assert response.status_code == 200
    assert_no_live_markup(response.data, "preview re-render")
    # Error re-render (too long a rationale) keeps the hostile text in the form.
    response = client.post(f"/documents/{doc}/proposals", data={
        "intent": "submit", "action": "insert", "after_clause_id": scene.clauses[3],
        "text": payload, "rationale": payload + "x" * 5001})
    assert response.status_code == 422
    assert_no_live_markup(response.data, "error re-render")
    # Revise error re-render.
    response = client.post(f"/proposals/{scene.amend}/revise", data={"text": "",
                                                                      "rationale": payload})
    assert response.status_code == 422
    assert_no_live_markup(response.data, "revise re-render")
    # Live JSON preview fragment.
    for action in ("amend", "insert"):
        fragment = client.post("/proposals/preview", json={
            "action": action, "clause_id": scene.clauses[2], "text": payload}).get_json()["html"]
        assert_no_live_markup(fragment, f"json preview {action}")
    # A token name on the account page.
    response = client.post("/account/tokens", data={"name": payload})
    assert response.status_code == 200
    assert_no_live_markup(response.data, "account page")
    assert_no_live_markup(client.get("/account").data, "account page")
    # A comment posted through the form, then the page it lands on.
    response = client.post("/comments", data={"clause_id": scene.clauses[0], "body": payload})
    assert response.status_code == 302
    assert_no_live_markup(client.get(f"/clauses/{scene.clauses[0]}").data, "after posting")


@pytest.mark.parametrize("link,allowed", [
    ("[ok](https://www.apec.org/)", "https://www.apec.org/"),
    ("[mail](mailto:host@example.org)", "mailto:host@example.org"),
])
def test_safe_links_in_comments_survive_with_rel(client, world, link, allowed):
    comment(world, "aus", clause_index=0, body=link)
    login(client, "aus")
    tree = lxml.html.document_fromstring(client.get(f"/clauses/{world.clauses[0].id}").data)
    anchors = tree.xpath("//div[@class='comment-body']//a")
    assert [a.get("href") for a in anchors] == [allowed]
    assert "noopener" in anchors[0].get("rel")


def test_escaped_text_is_still_readable(client, world):
    """Escaping must show the characters, not swallow them: "<" stays visible to readers."""
    text = "We note that 2 < 3 & \"quotes\" stay <intact>."
    proposal = propose(world, "aus", 2, text, rationale=text)
    comment(world, "aus", clause_index=2, body=text)
    login(client, "aus")
    for path in (f"/proposals/{proposal.id}", f"/clauses/{world.clauses[2].id}"):
        tree = lxml.html.document_fromstring(client.get(path).data)
        assert "2 < 3 & \"quotes\" stay <intact>." in " ".join(tree.text_content().split()), path
    tree = lxml.html.document_fromstring(
        client.get(f"/documents/{world.document.id}?view=changes").data)
    inserted = " ".join(i.text_content() for i in tree.xpath("//p[@class='clause-text']//ins"))
    assert "<intact>" in inserted and "2 < 3" in inserted


def test_comment_code_span_is_not_double_escaped(client, world):
    comment(world, "aus", clause_index=0, body="Use `a<b` here.")
    login(client, "aus")
    tree = lxml.html.document_fromstring(client.get(f"/clauses/{world.clauses[0].id}").data)
    code = tree.xpath("//div[@class='comment-body']//code")
    assert [c.text_content() for c in code] == ["a<b"]


def test_template_syntax_in_text_is_not_evaluated(client, world):
    proposal = propose(world, "aus", 2, "We will {{ 7*7 }} reduce emissions {{ config }}.",
                       rationale="{{ config.SECRET_KEY }}")
    comment(world, "aus", proposal=proposal, body="{{ config.SECRET_KEY }} {% debug %}")
    login(client, "aus")
    body = client.get(f"/proposals/{proposal.id}").data
    assert b"{{ 7*7 }}" in body and b"{{ config.SECRET_KEY }}" in body
    assert b"test-secret" not in body
    assert b"We will 49" not in body


@pytest.mark.parametrize("path", ["/login", "/documents", "/documents/{doc}",
                                  "/clauses/{clause}", "/documents/999999"])
def test_pages_carry_a_content_security_policy(client, world, path):
    if path != "/login":
        login(client, "aus")
    response = client.get(path.format(doc=world.document.id, clause=world.clauses[0].id))
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_pages_need_no_inline_script_or_style(client, world):
    """The CSP forbids inline code: no page may rely on it."""
    propose(world, "aus", 2, "We shall reduce emissions by 2030 and promote clean energy.")
    for username, paths in {
        "aus": [f"/documents/{world.document.id}", f"/documents/{world.document.id}?view=changes",
                f"/clauses/{world.clauses[2].id}", "/proposals/1", "/account",
                f"/documents/{world.document.id}/propose"],
        "secretariat": [f"/documents/{world.document.id}/desk"],
        "admin": ["/admin/users"],
    }.items():
        login(client, username)
        for path in paths:
            tree = lxml.html.document_fromstring(client.get(path).data)
            assert not [s for s in tree.xpath("//script") if not s.get("src")], path
            assert not tree.xpath("//style|//*[@style]"), path
            assert not [a for e in tree.iter() if isinstance(e.tag, str)
                        for a in e.attrib if a.lower().startswith("on")], path
        client.post("/logout")
