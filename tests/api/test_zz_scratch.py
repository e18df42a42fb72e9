from drafting.extensions import db
from drafting.models import Proposal

def test_explore(client, world, api_token):
    aus = api_token("aus"); nz = api_token("nz")
    c = world.clauses
    r1 = client.post(f"/api/v1/clauses/{c[0].id}/proposals", json={"action": "delete"}, headers=aus)
    r2 = client.post(f"/api/v1/clauses/{c[0].id}/proposals", json={"action": "delete"}, headers=aus)
    print("dup delete", r1.status_code, r2.status_code, r1.get_json()["text"])
    p = client.post(f"/api/v1/clauses/{c[1].id}/proposals", json={"action": "amend", "text": "Recalling the Vision;"}, headers=aus).get_json()
    pc = client.post(f"/api/v1/proposals/{p['id']}/comments", json={"body": "on proposal"}, headers=nz)
    print("pc", pc.status_code, pc.get_json())
    r = client.post(f"/api/v1/clauses/{c[3].id}/comments", json={"body": "reply", "parent_id": pc.get_json()["id"]}, headers=aus)
    print("cross", r.status_code, r.get_json())
    for body in ["<script>alert(1)</script>", "![x](x \" onerror=alert(1))", "[click](javascript:alert(1))",
                 "<img src=x onerror=alert(1)>", "<javascript:alert(1)>", "[a](JaVaScRiPt:alert(1))",
                 "[a](java\tscript:alert(1))", "![i](javascript:alert(1))", '[x](http://a.b "t" onmouseover="x")']:
        r = client.post(f"/api/v1/clauses/{c[0].id}/comments", json={"body": body}, headers=aus)
        print(repr(body), r.status_code, r.get_json()["body_html"])
    r = client.post("/api/v1/clauses/1/proposals", data="{bad", headers={**aus, "Content-Type": "application/json"})
    print(r.status_code, r.get_json())
    r = client.post("/api/v1/clauses/1/proposals", data="x"*(9*1024*1024), headers={**aus, "Content-Type": "application/json"})
    print(r.status_code, r.get_json())
    r = client.get("/api/v1/proposals/3000000000", headers=aus)
    print(r.status_code, r.get_json())
    r = client.post(f"/api/v1/clauses/{c[0].id}/comments", json={"body": "x", "parent_id": 3000000000}, headers=aus)
    print(r.status_code, r.get_json())
