"""企业出题、高校答题 through the pages: post a demand, ranked matches (published patents only for the enterprise),
routing to institutions, answers and response times, and who may see what."""

import re

from sqlalchemy import select

from panhuo.accounts import service as accounts_service
from panhuo.accounts.enums import OrgKind, Role
from panhuo.db import session_scope


def _index(world):
    from panhuo.search import service as search_service

    with session_scope(world.engine) as db:
        search_service.reindex(db, workspace=world.app.state.settings.workspace)


def _post(world, client, title="寻求锂离子电池正极材料技术", text="高能量密度正极材料制备工艺"):
    r = client.post("/demands", data={"csrf_token": world.csrf(client), "title": title, "text": text,
                                      "budget_wan": "50"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_demand_is_matched_routed_and_answered(world):
    from panhuo.inventory.models import LibraryPublication

    _index(world)
    ent, admin = world.client("enterprise"), world.client("uni-admin")
    url = _post(world, ent)
    page = ent.get(url).text
    shown = {int(i) for i in re.findall(r'href="/library/(\d+)"', page)}
    with session_scope(world.engine) as db:
        published = set(db.scalars(select(LibraryPublication.patent_id)))
    assert shown and shown <= published  # ranked matches, published ones only
    assert 'href="/patents/' not in page.split('id="matches"')[1].split("</ol>")[0]
    inst_page = admin.get(url).text
    route = re.search(r"/routes/(\d+)/answer", inst_page)
    assert route, "the demand was routed to the university"
    r = admin.post(f"{url}/routes/{route.group(1)}/answer",
                   data={"csrf_token": world.csrf(admin), "kind": "decline"})
    assert r.status_code == 400  # a decline needs a reason
    r = admin.post(f"{url}/routes/{route.group(1)}/answer",
                   data={"csrf_token": world.csrf(admin), "kind": "collaboration", "message": "欢迎合作研发"}, follow_redirects=False)
    assert r.status_code == 303
    page = ent.get(url).text
    assert "合作研发" in page and "欢迎合作研发" in page and " h</small>" in page


def test_demand_without_index_is_kept_with_a_pending_note(world):
    ent = world.client("enterprise")
    url = _post(world, ent)
    assert url.endswith("?pending=1")
    assert "匹配尚未完成" in ent.get(url).text


def test_other_parties_cannot_see_a_demand(world):
    ent = world.client("enterprise")
    url = _post(world, ent).split("?")[0]
    with session_scope(world.engine) as db:
        other = accounts_service.get_or_create_organisation(db_session=db, name="另一家企业", kind=OrgKind.ENTERPRISE)
        user = accounts_service.create_user(db_session=db, username="other-ent", password="other-password")
        accounts_service.add_membership(db_session=db, user=user, organisation=other, role=Role.ENTERPRISE_USER)
    client = world.client()
    client.post("/login", data={"csrf_token": world.csrf(client), "username": "other-ent",
                                "password": "other-password"})
    assert client.get(url).status_code == 403
    assert "寻求锂离子电池" not in client.get("/demands").text
    inventor = world.client("inventor")  # not routed (no index, no matches): the university does not see it
    assert inventor.get(url).status_code == 403
    assert world.client("operator").get(url).status_code == 200


def test_only_enterprises_post_demands(world):
    admin = world.client("uni-admin")
    r = admin.post("/demands", data={"csrf_token": world.csrf(admin), "title": "x"})
    assert r.status_code == 403


def test_patent_page_lists_the_demands_that_matched_it(world):
    _index(world)
    ent, operator = world.client("enterprise"), world.client("operator")
    url = _post(world, ent)
    demand_id = int(re.search(r"/demands/(\d+)", url).group(1))
    shown = [int(i) for i in re.findall(r'href="/library/(\d+)"', ent.get(url).text)]
    assert shown, "the demand has matches"
    page = operator.get(f"/patents/{shown[0]}").text  # the operator sees every institution's internal page
    block = page.split('id="patent-matches"')[1].split("</ol>")[0]
    assert f'href="/demands/{demand_id}"' in block and "寻求锂离子电池正极材料技术" in block
    assert "<details>" in block  # the match carries its explanation


def test_patent_page_says_when_no_demand_matched(world):
    admin = world.client("uni-admin")
    page = admin.get(f"/patents/{world.ids['uni_unpub']}").text
    assert "暂无匹配的企业需求" in page
