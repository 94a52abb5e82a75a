"""Demands → patents, routing to institutions, and patent → enterprise push, on a real index and both DBs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from panhuo.accounts.models import Organisation
from panhuo.matching import rules
from panhuo.matching import service as matching_service
from panhuo.patents import numbers
from panhuo.patents.models import Patent
from panhuo.search import index as search_index
from panhuo.search import service as search_service

# Hand-written patents (not cut from any reference set): (title, abstract, ipc)
PATENTS = [
    ("一种立方氮化硼单晶的高温高压合成方法", "本发明公开了一种高韧性立方氮化硼单晶的合成方法，优化触媒配方与高温高压合成工艺，"
     "提高单晶的抗冲击韧性和纯净度。", "C30B29/40"),
    ("一种乡村雨水收集净化装置", "本实用新型公开了一种雨水收集净化装置，对雨水进行沉淀、过滤和净化，用于农田灌溉。",
     "E03B3/02"),
    ("一种锂离子电池正极材料回收方法", "本发明将废旧锂电池正极片酸浸出，回收钴镍锂，回收率高。", "H01M10/54"),
    ("一种基于深度学习的缺陷检测方法", "本发明利用卷积神经网络对工业产品表面图像进行缺陷识别与分类。", "G06V10/82"),
]


@pytest.fixture
def library(session, tmp_path):
    uni = Organisation(name="示例大学", kind="university")
    inst = Organisation(name="示例研究所", kind="institute")
    session.add_all([uni, inst])
    session.flush()
    patents = []
    for i, (title, abstract, ipc) in enumerate(PATENTS, start=1):
        patent = Patent(application_no=numbers.parse_application_number(f"2024100{i:05d}").canonical, title=title,
                        abstract=abstract, ipc_main=ipc, ipc_all=[ipc], legal_status="valid",
                        institution_id=(uni if i % 2 else inst).id)
        session.add(patent)
        patents.append(patent)
    session.flush()
    search_service.reindex(session, workspace=tmp_path)
    yield {"patents": patents, "workspace": tmp_path, "university": uni, "institute": inst}
    search_index.forget(tmp_path / "index")


def _demand(session, title, text, **extra):
    return matching_service.create(db_session=session, demand_in=rules.DemandIn(title=title, text=text, **extra))


def test_a_demand_gets_keywords_and_ranked_explained_patents(session, library):
    demand = _demand(session, "高韧性立方氮化硼CBN单晶的研制", "需要开发高韧性立方氮化硼单晶新牌号，优化触媒与合成工艺。")
    matching_service.refresh(db_session=session, demand=demand, workspace=library["workspace"])
    assert demand.keywords, "a refreshed demand carries its keyphrases"
    best = demand.matches[0]
    assert best.patent_id == library["patents"][0].id
    assert best.rank == 1 and best.score > 0
    assert "氮化硼" in "".join(best.why["matched_terms"]) and best.why["similarity"] is not None
    assert demand.index_stamp == matching_service.index_stamp(library["workspace"])


def test_refresh_stale_skips_up_to_date_demands_and_redoes_them_after_reindex(session, library):
    demand = _demand(session, "雨水收集与净化", "乡村雨水沉淀过滤净化后用于灌溉。")
    first = matching_service.refresh_stale(db_session=session, workspace=library["workspace"])
    assert first["refreshed"] == 1
    assert matching_service.refresh_stale(db_session=session, workspace=library["workspace"])["refreshed"] == 0
    extra = Patent(application_no=numbers.parse_application_number("202410099999").canonical,
                   title="一种雨水过滤净化池", abstract="雨水经过滤层净化后储存回用。", legal_status="valid")
    session.add(extra)
    session.flush()
    search_service.reindex(session, workspace=library["workspace"])
    again = matching_service.refresh_stale(db_session=session, workspace=library["workspace"])
    assert again["refreshed"] == 1
    assert extra.id in {m.patent_id for m in demand.matches}


def test_demands_import_keeps_good_rows_and_reports_bad_values(session, tmp_path):
    path = tmp_path / "需求.csv"
    path.write_text("需求编号,需求名称,需求描述,预算,合作方式\n"
                    "D1,污水深度处理,去除氨氮,50万,技术转让\n"
                    "D2,,没有标题,10,许可\n"
                    "D3,锂电池回收,回收钴镍,很多,联合开发\n", encoding="utf-8")
    result = matching_service.import_demands(db_session=session, path=path)
    assert (result.created, result.updated) == (2, 0)
    assert sorted((e["row"], e["field"]) for e in result.errors) == [(2, "title"), (3, "budget")]
    d1 = matching_service.list_demands(db_session=session)[-1]
    assert (d1.external_id, d1.budget_wan, d1.preferred_mode) == ("D1", 50.0, "转让")
    again = matching_service.import_demands(db_session=session, path=path)
    assert (again.created, again.updated) == (0, 2), "re-importing the same ids updates, never duplicates"


def test_gb18030_demand_file_is_read(session, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("需求名称,需求描述\n数控机床主轴冷却,降低主轴温度\n".encode("gb18030"))
    result = matching_service.import_demands(db_session=session, path=path)
    assert result.created == 1 and not result.errors


def test_routing_answers_and_response_stats(session, library):
    demand = _demand(session, "锂电池正极材料回收", "回收废旧电池中的钴镍锂。")
    matching_service.refresh(db_session=session, demand=demand, workspace=library["workspace"])
    routes = matching_service.route(db_session=session, demand=demand, today=date(2026, 1, 1), days=10)
    assert routes and all(r.respond_by == date(2026, 1, 11) for r in routes)
    assert routes[0].institution_id in {library["university"].id, library["institute"].id}
    assert routes[0].suggested_patent_ids
    with pytest.raises(matching_service.MatchingError, match="needs a reason"):
        matching_service.answer(db_session=session, route_id=routes[0].id, kind="decline", responder="tto")
    foreign = next(p.id for p in library["patents"] if p.institution_id != routes[0].institution_id)
    with pytest.raises(matching_service.MatchingError, match="do not belong"):
        matching_service.answer(db_session=session, route_id=routes[0].id, kind="proposal", responder="tto",
                                patent_ids=[foreign])
    own = routes[0].suggested_patent_ids[:1]
    answered = matching_service.answer(db_session=session, route_id=routes[0].id, kind="proposal",
                                       responder="tto", patent_ids=own, message="可许可")
    assert answered.status == "answered" and answered.responded_at is not None
    with pytest.raises(matching_service.MatchingError, match="already answered"):
        matching_service.answer(db_session=session, route_id=routes[0].id, kind="proposal", responder="tto",
                                patent_ids=own)
    stats = matching_service.route_stats(demand.routes, today=date(2026, 2, 1))
    assert stats["answered"] == 1 and stats["overdue"] == len(demand.routes) - 1
    assert stats["median_response_hours"] is not None


def test_routing_needs_matches_first(session):
    demand = _demand(session, "无匹配的需求", "")
    with pytest.raises(matching_service.MatchingError, match="refresh it first"):
        matching_service.route(db_session=session, demand=demand)


def test_patent_is_pushed_to_the_enterprise_whose_need_fits(session, library):
    firm = Organisation(name="山东某超硬材料有限公司", kind="enterprise", region_code="370100")
    other = Organisation(name="某软件公司", kind="enterprise", region_code="110000")
    session.add_all([firm, other])
    session.flush()
    matching_service.upsert_profile(db_session=session, organisation_id=firm.id, name=firm.name,
                                    business_scope="立方氮化硼、金刚石等超硬材料单晶的研发与生产", region_code="370100")
    matching_service.upsert_profile(db_session=session, organisation_id=other.id, name=other.name,
                                    business_scope="企业管理软件开发与销售", region_code="110000")
    ranked = matching_service.enterprises_for_patents(db_session=session, patent_ids=[library["patents"][0].id],
                                                      region_prefix="37")
    assert ranked[0]["enterprise"] == firm.name
    assert ranked[0]["why"]["parts"]["region"] == 1.0 and "位于目标地区" in ranked[0]["why"]["reasons"]
    assert ranked[0]["why"]["best_patent"] == library["patents"][0].application_no


def test_cli_match_reads_and_writes_json_lines(db_url, tmp_path):
    from panhuo.cli import app
    from panhuo.db import get_engine, session_scope

    with session_scope(get_engine(db_url)) as s:
        for i, (title, abstract, ipc) in enumerate(PATENTS, start=1):
            s.add(Patent(application_no=numbers.parse_application_number(f"2024100{i:05d}").canonical,
                         title=title, abstract=abstract, ipc_main=ipc, ipc_all=[ipc], legal_status="valid"))
    runner = CliRunner()
    env = {"PANHUO_DB": db_url, "PANHUO_WORKSPACE": str(tmp_path)}
    try:
        built = runner.invoke(app, ["index", "build"], env=env)
        assert built.exit_code == 0, built.output
        demands = tmp_path / "d.jsonl"
        demands.write_text(json.dumps({"id": "q1", "title": "雨水净化", "text": "雨水过滤净化用于灌溉"},
                                      ensure_ascii=False) + "\n" + json.dumps({"id": "q2"}) + "\n", encoding="utf-8")
        result = runner.invoke(app, ["match", "--demands", str(demands), "--top", "2", "--json"], env=env)
        assert result.exit_code == 0, result.output
        lines = [json.loads(x) for x in result.stdout.splitlines()]
        assert lines[0]["id"] == "q1" and len(lines[0]["results"]) == 2
        assert lines[0]["results"][0]["patent"].startswith("CN") and "why" in lines[0]["results"][0]
        assert lines[1]["error"] == "a demand needs a title or a text"
    finally:
        search_index.forget(tmp_path / "index")
