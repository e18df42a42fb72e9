"""Errors speak to people (issue 16, item 11): field-level messages beside the field with the
input kept, plain-language 404 and 403 pages with the way back, no developer codes on pages."""
from __future__ import annotations

from tests.factories import login
from tests.web.test_web_support import committed_count, page, text_of


def test_a_refused_comment_comes_back_beside_its_box_with_the_words_kept(client, world):
    login(client, "aus")
    clause = world.clauses[0]
    long_body = "Our remark. " * 1000  # 12,000 characters, over the 10,000 a comment holds
    before = committed_count("comments")
    response = client.post("/comments", data={"clause_id": clause.id, "body": long_body})
    assert response.status_code == 422
    assert committed_count("comments") == before
    tree = page(response)
    box = tree.xpath(f"//textarea[@id='new-comment-{clause.id}-']")[0]
    assert box.get("aria-invalid") == "true"
    [error] = tree.xpath(f"//p[@id='{box.get('aria-describedby')}']")
    assert " ".join(error.text_content().split()) == \
        "Error: Your comment is too long: 11,999 characters, at most 10,000."
    assert box.text_content() == long_body  # what was typed is still there
    body = response.get_data(as_text=True)
    assert "invalid_input" not in body and "HTTP 422" not in body and "body must" not in body
    # The page is the clause page itself, not an error page.
    assert tree.xpath("//section[@id='comments']")


def test_an_empty_reply_reopens_its_box_with_the_message(client, world):
    from tests.web.test_web_support import comment
    parent = comment(world, "nz", clause_index=1, body="A first remark.")
    login(client, "aus")
    response = client.post("/comments", data={"parent_id": parent.id,
                                              "clause_id": world.clauses[1].id, "body": "  "})
    assert response.status_code == 422
    tree = page(response)
    [reply] = tree.xpath(f"//textarea[@id='reply-{parent.id}']")
    assert reply.get("aria-invalid") == "true"
    assert reply.xpath("ancestor::details[@open]")
    assert "Enter your comment." in text_of(response)


def test_not_found_is_said_plainly_with_the_way_back(client, world):
    login(client, "aus")
    here = f"http://localhost/documents/{world.document.id}"
    response = client.get("/no/such/page", headers={"Referer": here})
    assert response.status_code == 404
    tree = page(response)
    assert tree.xpath("//h1/text()") == ["We cannot find that page"]
    words = text_of(response)
    assert "There is nothing at this address" in words
    assert "requested URL" not in words and "not_found" not in words and "HTTP 404" not in words
    assert tree.xpath("//p[@class='error-way-back']/a[1]/@href") == [
        f"/documents/{world.document.id}"]
    assert tree.xpath("//p[@class='error-way-back']/a[1]/text()") == [
        "Back to the page you came from"]
    # From another site: back to the documents, never to the other site.
    tree = page(client.get("/no/such/page", headers={"Referer": "https://evil.example/x"}))
    assert tree.xpath("//p[@class='error-way-back']/a[1]/@href") == ["/documents"]


def test_forbidden_page_leads_back_to_the_document(client, world):
    login(client, "aus")  # a delegate may not open the secretariat's desk
    response = client.get(f"/documents/{world.document.id}/desk")
    assert response.status_code == 403
    tree = page(response)
    assert tree.xpath("//h1/text()") == ["You do not have access to this"]
    assert "forbidden" not in text_of(response).lower()  # the code stays in the API
    back = tree.xpath("//p[@class='error-way-back']/a[1]")[0]
    assert back.get("href") == f"/documents/{world.document.id}"
    assert back.text_content() == f"Back to {world.document.title}"


def test_the_api_keeps_its_codes(client, world):
    login(client, "aus")
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_proposal_form_error_is_beside_the_field_and_keeps_the_rationale(client, world):
    login(client, "aus")
    form = page(client.get(f"/documents/{world.document.id}/propose?action=amend"
                           f"&clause_id={world.clauses[2].id}"))
    token = form.xpath("//input[@name='csrf_token']/@value")[0]
    response = client.post(f"/documents/{world.document.id}/proposals", data={
        "csrf_token": token, "action": "amend", "clause_id": world.clauses[2].id,
        "text": "", "rationale": "Because we care."})
    assert response.status_code == 422
    tree = page(response)
    text = tree.xpath("//textarea[@id='text']")[0]
    assert text.get("aria-invalid") == "true" and text.get("aria-describedby") == "text-error"
    # The message sits right before the field, under its label.
    assert text.getprevious().get("id") == "text-error"
    assert tree.xpath("//textarea[@id='rationale']")[0].text_content() == "Because we care."
    assert tree.xpath("//div[contains(@class,'error-summary')]//a/@href") == ["#text"]
