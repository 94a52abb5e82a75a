"""Role × resource × action, through the pages and through the API (direct URL access included).

Each row: (method, path template, {role: expected status}). Roles are the demo accounts; ``None`` is an
anonymous visitor. 303 on a page means a redirect (to /login for anonymous, to the library page for a
published patent seen from outside its institution). Hidden patents are 404, never 403, so that their
existence does not leak.
"""

import pytest

ROLES = ["operator", "uni-admin", "dept-reviewer", "inventor", "enterprise", "uni2-admin", None]
#          operator uni-adm reviewer inventor enterprise uni2-adm anonymous
PAGES = [
    ("GET", "/patents", (200, 200, 200, 200, 403, 200, 303)),
    ("GET", "/patents/{uni_unpub}", (200, 200, 200, 200, 404, 404, 303)),
    ("GET", "/patents/{uni_pub}", (200, 200, 200, 200, 303, 303, 303)),
    ("GET", "/patents/{inst_patent}", (200, 404, 404, 404, 404, 200, 303)),
    ("GET", "/library", (200, 200, 200, 200, 200, 200, 303)),
    ("GET", "/library/{uni_pub}", (200, 200, 200, 200, 200, 200, 303)),
    ("GET", "/library/{uni_unpub}", (404, 404, 404, 404, 404, 404, 303)),
    ("GET", "/campaigns/{campaign}", (200, 200, 200, 200, 403, 403, 303)),
    ("GET", "/campaigns/{campaign}/export.xlsx", (200, 200, 200, 200, 403, 403, 303)),
    ("GET", "/items/{item}", (200, 200, 200, 200, 403, 403, 303)),
    ("GET", "/dashboard", (200, 200, 200, 403, 403, 200, 303)),
    ("GET", "/dashboard?institution_id={uni}", (200, 200, 200, 403, 403, 403, 303)),
    ("GET", "/dashboard.xlsx", (200, 200, 200, 403, 403, 200, 303)),
    ("GET", "/patents.xlsx", (200, 200, 200, 200, 403, 200, 303)),
    ("POST", "/patents/{uni_unpub}/publish", (303, 303, 403, 403, 404, 404, 303)),
    ("POST", "/library/{uni_pub}/feedback", (403, 403, 403, 403, 303, 403, 303)),
    ("GET", "/demands", (200, 200, 200, 200, 200, 200, 303)),
    ("POST", "/demands", (403, 403, 403, 403, 303, 403, 303)),
]
API = [
    ("GET", "/api/v1/patents", (200, 200, 200, 200, 403, 200, 401)),
    ("GET", "/api/v1/patents/{uni_unpub}", (200, 200, 200, 200, 404, 404, 401)),
    ("GET", "/api/v1/patents/{uni_pub}", (200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/api/v1/library", (200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/api/v1/campaigns/{campaign}/items", (200, 200, 200, 200, 403, 403, 401)),
    ("GET", "/api/v1/campaigns/{campaign}/progress", (200, 200, 200, 403, 403, 403, 401)),
    ("GET", "/api/v1/items/{item}", (200, 200, 200, 200, 403, 403, 401)),
    ("PUT", "/api/v1/items/{item}/assessment", (403, 200, 200, 200, 403, 403, 401)),
    ("GET", "/api/v1/dashboard", (200, 403, 403, 403, 403, 403, 401)),
    ("PUT", "/api/v1/patents/{uni_unpub}/publication", (200, 200, 403, 403, 404, 404, 401)),
    ("POST", "/api/v1/library/{uni_pub}/feedback", (403, 403, 403, 403, 200, 403, 401)),
    ("GET", "/api/v1/demands", (200, 200, 200, 200, 200, 200, 401)),
    ("PUT", "/api/v1/items/{item}/assignment", (200, 200, 403, 403, 403, 403, 401)),
    ("POST", "/api/v1/campaigns", (201, 201, 403, 403, 403, 403, 401)),
    ("POST", "/api/v1/demands", (403, 403, 403, 403, 201, 403, 401)),
]
BODIES = {"/feedback": {"prospect": "4", "cooperation": "5", "improvement_need": "需要中试"},
          "/demands": {"title": "寻求传感器技术"}}
API_BODIES = {"/assessment": {"trl": 5}, "/publication": {"open_licence": True},
              "/feedback": {"prospect": 4, "cooperation": 5}, "/demands": {"title": "寻求传感器技术"},
              "/assignment": {}}


def _body(path: str, table: dict) -> dict:
    return next((v for k, v in table.items() if path.endswith(k)), {})


@pytest.mark.parametrize("role", ROLES)
def test_pages(world, role):
    client = world.client(role)
    token = world.csrf(client)
    wrong = []
    for method, template, expected in PAGES:
        path = template.format(**world.ids)
        if method == "GET":
            r = client.get(path, follow_redirects=False)
        else:
            r = client.post(path, data={"csrf_token": token, **_body(path, BODIES)}, follow_redirects=False)
        want = expected[ROLES.index(role)]
        if r.status_code != want:
            wrong.append(f"{method} {path}: {r.status_code} (expected {want})")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_api(world, role):
    client = world.client()
    headers = world.token(role) if role else {}
    wrong = []
    for method, template, expected in API:
        path = template.format(**world.ids)
        body = _body(path, API_BODIES) if method != "GET" else None
        if path == "/api/v1/campaigns" and method == "POST":
            body = {"institution_id": world.ids["uni"], "name": "API 盘点", "deadline": "2030-01-01"}
        r = client.request(method, path, headers=headers, json=body)
        want = expected[ROLES.index(role)]
        if r.status_code != want:
            wrong.append(f"{method} {path}: {r.status_code} (expected {want}) {r.text[:120]}")
    assert wrong == []


def test_enterprise_sees_only_published_fields(world):
    headers = world.token("enterprise")
    body = world.client().get(f"/api/v1/patents/{world.ids['uni_pub']}", headers=headers).json()
    assert "title" in body and "application_no" in body
    assert not {"legal_status_raw", "extra", "edited_fields", "first_claim", "valuation"} & set(body)
    listed = world.client().get("/api/v1/library", headers=headers).json()
    assert listed["total"] >= 1 and all("extra" not in row for row in listed["items"])
