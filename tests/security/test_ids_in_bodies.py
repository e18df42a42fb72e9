"""Ids and economies named in request bodies get the same protection as ids in URLs.

The matrix (test_authorisation_matrix.py) varies the object named in the URL; here the object
is named in the form or the JSON body instead: another economy's draft is still 404, acting
for another economy is still 403, and nothing is written.
"""
from __future__ import annotations

import pytest

from tests.factories import login
from tests.security.scene import build_scene, changed_tables, every_table

# (role, page or api, method, url, body builder, expected status)
CASES = [
    ("aus", "page", "POST", "/comments",
     lambda s: {"proposal_id": s.owned["draft-NZ"]["proposal"], "body": "On your draft."}, 404),
    ("secretariat", "page", "POST", "/comments",
     lambda s: {"proposal_id": s.owned["draft-NZ"]["proposal"], "body": "On a draft."}, 404),
    ("aus", "page", "POST", "/documents/{doc}/drafts/submit",
     lambda s: {"proposal_id": s.owned["draft-NZ"]["proposal"]}, 404),
    ("secretariat", "page", "POST", "/documents/{doc}/circulate",
     lambda s: {"proposal_id": s.owned["draft-AUS"]["proposal"]}, 404),
    ("aus", "api", "POST", "/api/v1/proposals/{proposal_nz}/comments",
     lambda s: {"body": "x", "parent_id": s.owned["NZ"]["comment"]}, 422),
    ("secretariat", "api", "POST", "/api/v1/documents/{doc}/circulate",
     lambda s: {"proposal_ids": [s.owned["draft-NZ"]["proposal"]]}, 404),
    ("nz", "api", "POST", "/api/v1/documents/{doc}/drafts/submit",
     lambda s: {"proposal_ids": [s.owned["draft-NZ"]["proposal"],
                                 s.owned["draft-AUS"]["proposal"]]}, 404),
    ("aus", "api", "POST", "/api/v1/clauses/{c0}/position",
     lambda s: {"stance": "objection", "text": "No.", "economy": "NZ"}, 403),
    ("aus", "api", "POST", "/api/v1/clauses/{c1}/proposals",
     lambda s: {"action": "delete", "economy": "NZ"}, 403),
    ("secretariat", "api", "POST", "/api/v1/clauses/{c0}/comments",
     lambda s: {"body": "For the host.", "economy": "AUS"}, 403),
]


@pytest.mark.parametrize("role,kind,method,url,body,status", CASES,
                         ids=[f"{c[0]} {c[2]} {c[3]} {i}" for i, c in enumerate(CASES)])
def test_named_object_or_economy_in_the_body(app, world, api_token, role, kind, method, url,
                                             body, status):
    scene = build_scene(world)
    ids = {**scene.ids, "proposal_nz": scene.owned["NZ"]["proposal"]}
    client, headers = app.test_client(), {}
    if kind == "api":
        headers = api_token(role)
    else:
        login(client, role)
    before = every_table()
    payload = body(scene)
    response = client.open(url.format_map(ids), method=method, headers=headers,
                           **({"json": payload} if kind == "api" else {"data": payload}))
    assert response.status_code == status, response.data[:400]
    assert changed_tables(before, every_table()) == []
