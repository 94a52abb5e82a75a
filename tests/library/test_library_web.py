"""The 转化资源库 page and API (/resources): a region's clusters with their patents, filters, the user's scope,
and plain notes when reference sets are missing or the library is not built.  SQLite and PostgreSQL."""

import re
import warnings
from pathlib import Path

import pytest
from sqlalchemy import select

from panhuo.config import get_settings
from panhuo.db import get_engine, session_scope
from panhuo.library import service as library_service
from panhuo.patents.models import Patent
from panhuo.taxonomy import clusters as cluster_rules
from panhuo.taxonomy.catalog import Catalog
from panhuo.taxonomy.concordance import Concordance, ConcordanceRow
from panhuo.web.demo import DEMO_PASSWORD, seed_demo

warnings.filterwarnings("ignore", category=DeprecationWarning)
CLUSTERS_SD = """set: t-sd
region: "370000"
clusters:
  - {id: t-sd-battery, name: 测试山东电池链, industries: ["38"]}
"""
CLUSTERS = """set: t-zj
region: "330000"
maintained_by: user
clusters:
  - {id: t-battery, name: 测试电池集群, industries: ["384"], ipc: [H01M], keywords: [电池]}
  - {id: t-tcm, name: 测试中医药集群, industries: ["27"]}
  - {id: t-env, name: 测试环保集群, industries: ["46"]}
"""


def _catalog() -> Catalog:
    return Catalog(data_dir=Path("/nonexistent"), workspace=None,
                   gbt=Concordance([ConcordanceRow("H01M", "3841", 1.0, "derived:test"),
                                    ConcordanceRow("A61K36", "2740", 1.0, "derived:test"),
                                    ConcordanceRow("C02F", "4620", 1.0, "derived:test")]))


@pytest.fixture
def site(db_url, tmp_path):
    from fastapi.testclient import TestClient

    from panhuo.web.app import create_app

    engine = get_engine(db_url)
    with session_scope(engine) as db:
        seed_demo(db, patents=12)
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "test.yaml").write_text(CLUSTERS, encoding="utf-8")
    (tmp_path / "clusters" / "test-sd.yaml").write_text(CLUSTERS_SD, encoding="utf-8")
    (tmp_path / "no-data").mkdir()
    settings = get_settings(workspace=tmp_path, db=db_url, data=tmp_path / "no-data")
    settings.secret_key = "test-secret-key-" + "x" * 32
    app = create_app(settings)

    def client(username):
        c = TestClient(app)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        r = c.post("/login", data={"csrf_token": csrf, "username": username, "password": DEMO_PASSWORD, "next": "/"},
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        return c

    def build():
        with session_scope(engine) as db:
            clusters = cluster_rules.load_clusters(tmp_path / "clusters")
            library_service.build(db, catalog=_catalog(), clusters=clusters)

    client.app = app
    return engine, client, build


def _owners(engine) -> dict[int, str]:
    """Owner organisation name of every patent."""
    from panhuo.accounts.models import Organisation

    with session_scope(engine) as db:
        return dict(db.execute(select(Patent.id, Organisation.name)
                               .join(Organisation, Organisation.id == Patent.institution_id)).all())


def _battery_patents(engine) -> set[int]:
    with session_scope(engine) as db:
        return set(db.scalars(select(Patent.id).where(Patent.ipc_main.like("H01M%"))))


def _listed(html: str, section: str) -> set[int]:
    part = html.split(f'id="{section}"')[1].split("</section>")[0]
    return {int(i) for i in re.findall(r'href="/patents/(\d+)"', part)}


def test_before_a_build_the_page_says_so_and_names_the_missing_sets(site):
    _, client, _ = site
    page = client("uni-admin").get("/resources")
    assert page.status_code == 200
    assert 'id="not-built"' in page.text and "panhuo library build" in page.text
    assert "ipc-zh-2026" in page.text.split('id="missing-sets"')[1].split("</p>")[0]


def test_a_region_lists_patents_by_cluster_within_the_users_institutions(site):
    engine, client, build = site
    build()
    owners, battery = _owners(engine), _battery_patents(engine)
    uni = client("uni-admin").get("/resources?region=330000").text
    assert 'id="not-built"' not in uni and "测试电池集群" in uni and "示例，由用户维护" in uni
    listed = _listed(uni, "clusters")
    assert battery <= listed and {owners[i] for i in listed} == {"示范大学"}
    every = _listed(client("operator").get("/resources?region=330000").text, "clusters")
    assert {owners[i] for i in every} == {"示范大学", "示范研究院"}  # the institute's C02F patents under t-env
    assert client("uni-admin").get("/resources?region=110000").text.count('class="card"') == 0
    shandong = client("operator").get("/resources?region=370000").text
    assert "测试山东电池链" in shandong and "测试电池集群" not in shandong and battery <= _listed(shandong, "clusters")
    assert _listed(client("operator").get("/resources?region=370000&own=1").text, "clusters") == set()  # owners in 33


def test_filters_list_matching_patents_and_bad_values_are_said_plainly(site):
    engine, client, build = site
    build()
    admin = client("uni-admin")
    assert _listed(admin.get("/resources?industry=38").text, "results") == _battery_patents(engine)
    assert _listed(admin.get("/resources?industry=46").text, "results") == set()  # institute's, out of scope
    graded = admin.get("/resources?grade=A")
    assert graded.status_code == 200 and "run `panhuo evaluate`" in graded.text.split('id="filter-error"')[1]


def test_enterprise_users_are_refused_and_visitors_sent_to_sign_in(site):
    from fastapi.testclient import TestClient

    _, client, _ = site
    assert client("enterprise").get("/resources").status_code == 403
    anonymous = TestClient(client.app).get("/resources", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


def test_api_returns_clusters_and_results_and_refuses_bad_filters(site):
    from fastapi.testclient import TestClient

    from panhuo.accounts import service as accounts_service

    engine, client, build = site
    build()
    with session_scope(engine) as db:
        user = accounts_service.get_user_by_username(db_session=db, username="operator")
        _, clear = accounts_service.create_api_token(db_session=db, user=user, name="test")
    api = TestClient(client.app, headers={"Authorization": f"Bearer {clear}"})
    data = api.get("/api/v1/resources?region=330000&cluster=t-battery").json()
    assert {c["cluster"] for c in data["clusters"]} >= {"t-battery", "t-tcm"}
    assert {i["patent_id"] for i in data["results"]["items"]} == _battery_patents(engine)
    assert "ipc-zh-2026" in data["notes"]["missing_sets"] and data["notes"]["built"] is True
    bad = api.get("/api/v1/resources?disposition=keep")
    assert bad.status_code == 400 and "unknown disposition" in bad.json()["detail"]
    assert TestClient(client.app).get("/api/v1/resources").status_code == 401
    pid = min(_battery_patents(engine))
    one = api.get(f"/api/v1/resources/patents/{pid}").json()
    assert one["assignments"]["gbt4754"][0] == {"code": "3841", "name": None, "weight": 1.0, "source": "derived:test"}
    assert one["overrides"] == [] and api.get("/api/v1/resources/patents/999999").status_code == 404


def test_a_broken_cluster_file_is_said_on_the_page_and_the_shipped_examples_used(site, tmp_path):
    _, client, _ = site
    (tmp_path / "clusters" / "broken.yaml").write_text("set: x\nregion: [unclosed\n", encoding="utf-8")
    page = client("uni-admin").get("/resources?region=330000").text
    assert "集群文件有误" in page and "broken.yaml" in page and "not valid YAML" in page
    assert "新一代信息技术" in page  # the shipped 415X example


def _csrf(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def test_an_admin_corrects_a_patents_industry_on_its_page_and_can_withdraw_it(site):
    engine, client, build = site
    build()
    owners = _owners(engine)
    pid = min(p for p in _battery_patents(engine) if owners[p] == "示范大学")
    admin = client("uni-admin")
    page = admin.get(f"/resources/patents/{pid}").text
    assert "3841" in page.split('id="assignments"')[1] and "derived:test" in page and 'id="override-form"' in page
    posted = admin.post(f"/resources/patents/{pid}/overrides", follow_redirects=False,
                        data={"csrf_token": _csrf(page), "scheme": "gbt4754", "code": "2740", "action": "add",
                              "weight": "0.8", "reason": "实为中药电池"})
    assert posted.status_code == 303
    page = admin.get(f"/resources/patents/{pid}").text
    history = page.split('id="overrides"')[1]
    assert "2740" in history and "实为中药电池" in history and "示范大学 科技处" in history
    assert "reviewer:示范大学 科技处" in page.split('id="assignments"')[1]
    assert "derived:cluster-fit (reviewer&#39;s industries)" in page  # fits redone from the corrected industries
    oid = re.search(r'/resources/overrides/(\d+)/withdraw', page).group(1)
    admin.post(f"/resources/overrides/{oid}/withdraw", data={"csrf_token": _csrf(page)}, follow_redirects=False)
    page = admin.get(f"/resources/patents/{pid}").text
    assert "reviewer:" not in page.split('id="assignments"')[1] and "已撤回" in page.split('id="overrides"')[1]
    data = admin.get(f"/resources/patents/{pid}").text
    assert data.count("实为中药电池") == 1  # kept in the history


def test_bad_corrections_are_said_and_who_may_correct_is_enforced(site):
    engine, client, build = site
    build()
    owners = _owners(engine)
    uni = min(p for p, o in owners.items() if o == "示范大学")
    inst = min(p for p, o in owners.items() if o == "示范研究院")
    admin = client("uni-admin")
    page = admin.get(f"/resources/patents/{uni}").text
    bad = admin.post(f"/resources/patents/{uni}/overrides", data={"csrf_token": _csrf(page), "scheme": "nope",
                                                                  "code": "1", "action": "add"})
    assert bad.status_code == 400 and "unknown scheme" in bad.text.split('id="override-error"')[1]
    heavy = admin.post(f"/resources/patents/{uni}/overrides", data={"csrf_token": _csrf(page), "scheme": "gbt4754",
                                                                    "code": "38", "weight": "7",
                                                                    "reason": "依据：产品说明书第3页"})
    assert heavy.status_code == 400 and "(0, 1]" in heavy.text
    form = heavy.text.split('id="override-form"')[1]  # what the reviewer typed is still there to correct
    assert 'value="依据：产品说明书第3页"' in form and 'name="code" value="38"' in form and 'value="7"' in form
    unsigned = admin.post(f"/resources/patents/{uni}/overrides", data={"scheme": "gbt4754", "code": "38"})
    assert unsigned.status_code == 403  # no CSRF token
    assert admin.get(f"/resources/patents/{inst}").status_code == 404  # another institution's patent
    inventor = client("inventor")
    shown = inventor.get(f"/resources/patents/{uni}")
    assert shown.status_code == 200 and 'id="override-form"' not in shown.text
    refused = inventor.post(f"/resources/patents/{uni}/overrides", data={"csrf_token": _csrf(shown.text),
                                                                         "scheme": "gbt4754", "code": "38"})
    assert refused.status_code == 403
    assert client("enterprise").get(f"/resources/patents/{uni}").status_code == 404
