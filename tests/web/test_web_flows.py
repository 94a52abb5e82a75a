"""Sign-in security, the review chain through the pages, the Excel round-trip, feedback and the language switch."""

import io

from openpyxl import load_workbook
from sqlalchemy import select

from panhuo.db import session_scope
from panhuo.web.demo import DEMO_PASSWORD


def test_session_cookie_flags_and_security_headers(world):
    client = world.client()
    page = client.get("/login")
    r = client.post("/login", data={"csrf_token": world.csrf(client), "username": "inventor",
                                    "password": DEMO_PASSWORD}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert page.headers["x-frame-options"] == "DENY" and "default-src 'self'" in page.headers["content-security-policy"]


def test_post_without_csrf_token_is_refused(world):
    client = world.client("uni-admin")
    r = client.post(f"/patents/{world.ids['uni_unpub']}/publish", data={"fields": "title"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/login", data={"username": "inventor", "password": DEMO_PASSWORD})
    assert r.status_code == 403


def test_login_is_throttled_after_repeated_failures(world):
    client = world.client()
    codes = [client.post("/login", data={"csrf_token": world.csrf(client), "username": "inventor",
                                         "password": "wrong-password"}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_open_redirect_after_sign_in_is_blocked(world):
    client = world.client()
    r = client.post("/login", data={"csrf_token": world.csrf(client), "username": "inventor",
                                    "password": DEMO_PASSWORD, "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def _step(world, client, item, step, comment=""):
    return client.post(f"/items/{item}/transition", data={"csrf_token": world.csrf(client), "step": step,
                                                          "comment": comment}, follow_redirects=False)


def test_review_chain_through_the_pages(world):
    item = world.ids["item"]
    inventor, reviewer, admin = world.client("inventor"), world.client("dept-reviewer"), world.client("uni-admin")
    form = {"csrf_token": world.csrf(inventor), "value_grade": "4", "trl": "11", "willing": "yes",
            "modes": ["transfer", "open_licence"], "implemented": "no", "scenarios": "储能"}
    r = inventor.post(f"/items/{item}/assessment", data=form)
    assert r.status_code == 422 and "trl" in r.text
    r = inventor.post(f"/items/{item}/assessment", data={**form, "trl": "5"})
    assert r.status_code == 200
    assert _step(world, inventor, item, "submit").status_code == 303
    assert _step(world, reviewer, item, "department_return").status_code == 409  # a return needs a comment
    assert _step(world, reviewer, item, "department_return", "补充应用场景").status_code == 303
    assert _step(world, inventor, item, "submit").status_code == 303
    assert _step(world, inventor, item, "department_approve").status_code == 403
    assert _step(world, reviewer, item, "department_approve").status_code == 303
    assert _step(world, admin, item, "institution_approve").status_code == 303
    page = admin.get(f"/items/{item}").text
    assert "已入库" in page and "补充应用场景" in page


def test_excel_round_trip_keeps_good_rows(world):
    admin = world.client("uni-admin")
    content = admin.get(f"/campaigns/{world.ids['campaign']}/export.xlsx").content
    book = load_workbook(io.BytesIO(content))
    ws = book.active
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("价值分级自评", "技术成熟度(TRL 1-9)", "转化意愿")}
    ws.cell(2, col["价值分级自评"], "转化前景较好")
    ws.cell(2, col["技术成熟度(TRL 1-9)"], 7)
    ws.cell(3, col["技术成熟度(TRL 1-9)"], "twelve")  # bad row
    ws.cell(3, col["转化意愿"], "是")  # its good cell is still saved
    ws.cell(4, 1, 999999)  # an item of no campaign
    out = io.BytesIO()
    book.save(out)
    r = admin.post(f"/campaigns/{world.ids['campaign']}/import",
                   data={"csrf_token": world.csrf(admin)},
                   files={"file": ("sheet.xlsx", out.getvalue(), "application/octet-stream")})
    assert r.status_code == 200
    assert "row 3 · trl" in r.text and "row 4" in r.text
    from panhuo.inventory.models import InventoryItem

    first_id = ws.cell(2, 1).value
    with session_scope(world.engine) as db:
        item = db.get(InventoryItem, first_id)
        assert item.assessment["value_grade"] == 4 and item.assessment["trl"] == 7


def test_enterprise_feedback_reaches_valuation(world):
    from panhuo.valuation.models import EnterpriseFeedback

    client = world.client("enterprise")
    patent = world.ids["uni_pub"]
    r = client.post(f"/library/{patent}/feedback", data={"csrf_token": world.csrf(client), "prospect": "4",
                                                         "cooperation": "5", "improvement_need": "需要中试"},
                    follow_redirects=True)
    assert r.status_code == 200
    bad = client.post(f"/library/{patent}/feedback", data={"csrf_token": world.csrf(client), "prospect": "9",
                                                           "cooperation": "5"})
    assert bad.status_code == 400
    with session_scope(world.engine) as db:
        rows = db.scalars(select(EnterpriseFeedback).where(EnterpriseFeedback.patent_id == patent)).all()
        assert [(r.prospect, r.cooperation, r.enterprise_name) for r in rows] == [(4, 5, "新能科技有限公司")]


def test_english_switch_and_synthetic_marking(world):
    client = world.client("uni-admin")
    assert "专利清单" in client.get("/patents").text
    client.get("/lang/en?next=/patents")
    page = client.get("/patents").text
    assert "Patents" in page and "Synthetic" in page


def test_publication_is_audited_and_withdrawal_hides_from_library(world):
    from panhuo.accounts.models import AuditEvent

    admin, ent = world.client("uni-admin"), world.client("enterprise")
    patent = world.ids["uni_unpub"]
    admin.post(f"/patents/{patent}/publish", data={"csrf_token": world.csrf(admin), "fields": ["abstract"]})
    assert ent.get(f"/library/{patent}").status_code == 200
    admin.post(f"/patents/{patent}/withdraw", data={"csrf_token": world.csrf(admin)})
    assert ent.get(f"/library/{patent}").status_code == 404
    with session_scope(world.engine) as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(patent))).all()
    assert actions == ["patent.publish", "patent.withdraw"]


def test_admin_assigns_items_to_a_department_and_inventor(world):
    from panhuo.accounts.models import Organisation, User
    from panhuo.inventory.models import InventoryItem

    admin = world.client("uni-admin")
    with session_scope(world.engine) as db:
        info = db.scalars(select(Organisation).where(Organisation.name == "信息学院")).one().id
        inventor = db.scalars(select(User).where(User.username == "inventor")).one().id
        item_ids = db.scalars(select(InventoryItem.id).where(InventoryItem.inventor_user_id.is_(None))).all()[:2]
    page = admin.get(f"/campaigns/{world.ids['campaign']}").text
    assert 'id="assign"' in page
    r = admin.post(f"/campaigns/{world.ids['campaign']}/assign",
                   data={"csrf_token": world.csrf(admin), "department_id": str(info),
                         "inventor_user_id": str(inventor), "item_ids": [str(i) for i in item_ids]},
                   follow_redirects=False)
    assert r.status_code == 303
    with session_scope(world.engine) as db:
        rows = [db.get(InventoryItem, i) for i in item_ids]
        assert all(r.department_id == info and r.inventor_user_id == inventor for r in rows)
    reviewer = world.client("dept-reviewer")
    r = reviewer.post(f"/campaigns/{world.ids['campaign']}/assign",
                      data={"csrf_token": world.csrf(reviewer), "department_id": str(info),
                            "item_ids": [str(item_ids[0])]})
    assert r.status_code == 403
