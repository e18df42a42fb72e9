from tests.factories import login


def test_document_page_renders(client, world):
    login(client, "aus")
    response = client.get(f"/documents/{world.document.id}")
    assert response.status_code == 200
    assert b"We will reduce emissions" in response.data
