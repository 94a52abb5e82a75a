"""The 转化资源库 on SQLite and PostgreSQL with a hand-built catalog (no reference data needed)."""

from pathlib import Path

import pytest

from panhuo.library import service as library_service
from panhuo.patents.models import Patent
from panhuo.taxonomy import clusters as cluster_rules
from panhuo.taxonomy.catalog import Catalog
from panhuo.taxonomy.concordance import Concordance, ConcordanceRow
from panhuo.taxonomy.reference import Industry, IndustryTags


@pytest.fixture
def catalog():
    industries = {c: Industry(c, len(c), n, "", None, "C") for c, n in
                  {"38": "电气机械和器材制造业", "3841": "锂离子电池制造", "27": "医药制造业", "2740": "中成药生产"}.items()}
    return Catalog(
        data_dir=Path("/nonexistent"), workspace=None,
        gbt=Concordance([ConcordanceRow("H01M", "3841", 0.8, "derived:test"), ConcordanceRow("H01M", "38", 0.2, "derived:test"),
                         ConcordanceRow("A61K36", "2740", 1.0, "official:test")]),
        wipo=Concordance([ConcordanceRow("H01M", "1", source="official:wipo"), ConcordanceRow("A61K", "16", source="official:wipo")]),
        industries=industries,
        tags={"3841": IndustryTags(sei=[("新能源汽车产业 > 动力电池", False)], ip_dense=["新装备制造业 > 电池"]),
              "2740": IndustryTags(sei=[("生物产业 > 中药", True)])},
        wipo_names={"1": "Electrical machinery, apparatus, energy", "16": "Pharmaceuticals"},
    )


@pytest.fixture
def clusters():
    return cluster_rules.parse_clusters({"set": "t", "region": "330000", "clusters": [
        {"id": "zj-battery", "name": "电池", "industries": ["384"], "ipc": ["H01M"], "keywords": ["电池"]},
        {"id": "zj-tcm", "name": "中医药", "industries": ["27"]}]})


@pytest.fixture
def patents(session):
    rows = [Patent(application_no="CN202310000001.1", title="一种锂离子电池正极材料", ipc_main="H01M 4/131",
                   ipc_all=["H01M4/131", "H01M10/0525"], region_code="330100"),
            Patent(application_no="CN202310000002.1", title="一种中药组合物", ipc_main="A61K36/00",
                   ipc_all=["A61K36/00", "A61P1/00"], region_code="370100"),
            Patent(application_no="CN202310000003.1", title="无分类号的专利", ipc_main=None, ipc_all=[],
                   region_code="330200")]
    session.add_all(rows)
    session.flush()
    return rows


def test_the_library_counts_as_built_once_any_patent_has_assignments(session, catalog, clusters, patents):
    assert library_service.is_built(session) is False  # the /resources page says "run library build"
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[patents[0].id])
    assert library_service.is_built(session) is True


def test_build_assigns_fields_industries_sei_ipdense_and_clusters(session, catalog, clusters, patents):
    stats = library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[p.id for p in patents])
    battery = library_service.assignments(session, patents[0].id, catalog=catalog)
    assert stats["patents"] == 3 and stats["without_industry"] == 1
    assert battery["gbt4754"][0] == {"code": "3841", "name": "锂离子电池制造", "weight": 0.8, "source": "derived:test"}
    assert battery["wipo"][0]["name"].startswith("Electrical")
    assert battery["sei"][0]["code"] == "5" and battery["ipdense"][0]["code"] == "新装备制造业"
    # 0.6 × (0.8 inside 384 + 0.5 × 0.2 for the coarser 38) + 0.25 IPC + 0.15 keyword
    assert battery["cluster"][0]["code"] == "zj-battery" and battery["cluster"][0]["weight"] == pytest.approx(0.94)
    assert library_service.assignments(session, patents[2].id, catalog=catalog) == {}


def test_a_reviewer_override_survives_a_rebuild(session, catalog, clusters, patents):
    ids = [p.id for p in patents]
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=ids)
    library_service.override(session, patent_id=patents[0].id, scheme="gbt4754", code="3849", action="add",
                             reviewer="王审", reason="固态电池，归其他电池制造", weight=0.9)
    library_service.override(session, patent_id=patents[0].id, scheme="gbt4754", code="38", action="remove",
                             reviewer="王审", reason="太宽")
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=ids)
    codes = {i["code"]: i for i in library_service.assignments(session, patents[0].id, catalog=catalog)["gbt4754"]}
    assert codes["3849"]["source"] == "reviewer:王审" and codes["3849"]["weight"] == 0.9
    assert "38" not in codes and "3841" in codes
    history = library_service.overrides(session, patent_id=patents[0].id)
    assert (history[0].reviewer, history[0].reason) == ("王审", "固态电池，归其他电池制造")


def test_a_withdrawn_override_stops_applying_at_the_next_build(session, catalog, clusters, patents):
    ids = [p.id for p in patents]
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=ids)
    row = library_service.override(session, patent_id=patents[0].id, scheme="gbt4754", code="3841",
                                   action="remove", reviewer="李", reason="误分")
    assert "3841" not in {i["code"] for i in library_service.assignments(session, patents[0].id)["gbt4754"]}
    library_service.withdraw_override(session, override_id=row.id)
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=ids)
    assert "3841" in {i["code"] for i in library_service.assignments(session, patents[0].id)["gbt4754"]}


@pytest.mark.parametrize(
    "filters, expected",
    [({"industry": "38"}, [0]), ({"industry": "2740"}, [1]), ({"cluster": "zj-tcm"}, [1]),
     ({"sei": "4"}, [1]), ({"wipo": "16"}, [1]), ({"region": "33"}, [0, 2]),
     ({"region": "330000", "industry": "3841"}, [0]), ({"ip_dense": True}, [0]), ({"cluster": "nope"}, [])],
)
def test_query_filters(session, catalog, clusters, patents, filters, expected):
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[p.id for p in patents])
    result = library_service.query(session, **filters)
    assert [i["patent_id"] for i in result["items"]] == [patents[i].id for i in expected]
    assert result["total"] == len(expected)


def test_region_view_lists_patents_by_cluster(session, catalog, clusters, patents):
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[p.id for p in patents])
    view = {c["cluster"]: c for c in library_service.by_cluster(session, region="330000", clusters=clusters)}
    assert view["zj-battery"]["patents"] == 1 and view["zj-battery"]["top"][0]["patent_id"] == patents[0].id
    assert library_service.by_cluster(session, region="110000", clusters=clusters) == []
    own = {c["cluster"]: c for c in library_service.by_cluster(session, region="330000", clusters=clusters,
                                                                owner_region="330000")}
    assert own["zj-tcm"]["patents"] == 0 and own["zj-battery"]["patents"] == 1  # the TCM patent is from 37


@pytest.mark.parametrize(
    "kwargs, message",
    [({"scheme": "nope"}, "unknown scheme"), ({"action": "swap"}, "unknown action"), ({"reviewer": " "}, "reviewer"),
     ({"patent_id": 10**9}, "no patent"), ({"code": " "}, "needs the code"), ({"code": "锂电池"}, "not a gbt4754 code"),
     ({"scheme": "wipo", "code": "36"}, "not a wipo code"), ({"weight": 7.0}, r"\(0, 1\]"),
     ({"weight": 0.0}, r"\(0, 1\]"), ({"weight": float("nan")}, r"\(0, 1\]")],
)
def test_bad_overrides_are_refused(session, patents, kwargs, message):
    args = {"patent_id": patents[0].id, "scheme": "gbt4754", "code": "3841", "action": "add", "reviewer": "王"} | kwargs
    with pytest.raises(library_service.LibraryError, match=message):
        library_service.override(session, **args)


def test_interfaces_for_other_features(session, catalog, clusters, patents):
    ids = [p.id for p in patents]
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=ids[:2])
    codes = library_service.codes_by_patent(session, ids)
    assert codes[patents[0].id] == {"3841": pytest.approx(0.8), "38": pytest.approx(0.2)} and patents[2].id not in codes
    assert library_service.sei_flags(session, ids) == {patents[0].id: True, patents[1].id: True, patents[2].id: None}


def test_grade_and_disposition_filters_use_the_latest_valuation(session, catalog, clusters, patents):
    from datetime import date

    from panhuo.valuation.models import Evaluation

    def evaluation(patent, grade, disposition):
        return Evaluation(patent_id=patent.id, run_id="r1", scenario="default", tree_id="t", tree_version="1",
                          tree_digest="d", rules_version="1", as_of=date(2026, 11, 1), input_hash="h", composite=0.5,
                          confidence=1.0, scores={}, grade=grade, disposition=disposition, rule_id="x",
                          explanation={})

    session.add_all([evaluation(patents[0], "B", "转化运用"), evaluation(patents[1], "C", "开放许可")])
    session.flush()
    session.add(evaluation(patents[0], "A", "转化运用"))  # newer: the latest counts
    session.flush()
    assert [i["patent_id"] for i in library_service.query(session, grade="A")["items"]] == [patents[0].id]
    assert library_service.query(session, grade="B")["total"] == 0
    assert [i["patent_id"] for i in library_service.query(session, disposition="开放许可")["items"]] == [patents[1].id]


def test_grade_and_disposition_filters_refuse_values_no_evaluation_carries(session, catalog, clusters, patents):
    from datetime import date

    from panhuo.valuation.models import Evaluation

    with pytest.raises(library_service.LibraryError, match="run `panhuo evaluate`"):
        library_service.query(session, grade="二级")
    session.add(Evaluation(patent_id=patents[0].id, run_id="r1", scenario="分级管理", tree_id="t", tree_version="1",
                           tree_digest="d", rules_version="1", as_of=date(2026, 11, 1), input_hash="h", composite=0.5,
                           confidence=1.0, scores={}, grade="二级", disposition="转化运用", rule_id="x",
                           explanation={}))
    session.flush()
    with pytest.raises(library_service.LibraryError, match="grades in use: 二级"):
        library_service.query(session, grade="A")
    with pytest.raises(library_service.LibraryError, match="unknown disposition 'keep'"):
        library_service.query(session, disposition="keep")
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[p.id for p in patents])
    found = library_service.query(session, grade="二级", disposition="转化运用", industry="38", ip_dense=True)
    assert [i["patent_id"] for i in found["items"]] == [patents[0].id]


def test_shown_cluster_assignments_carry_the_cluster_name(session, catalog, clusters, patents):
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[patents[0].id])
    shown = library_service.assignments(session, patents[0].id, catalog=catalog, clusters=clusters)
    assert {c["code"]: c["name"] for c in shown["cluster"]} == {"zj-battery": "电池"}


def _codes(session, pid, scheme):
    return {i["code"]: i for i in library_service.assignments(session, pid).get(scheme, [])}


def test_an_industry_override_redoes_sei_ipdense_and_cluster_fits_and_keeps_doing_so(session, catalog, clusters,
                                                                                       patents):
    tcm = patents[1]  # A61K36 → 2740 中成药 (SEI 4 partial, not 专利密集型, cluster zj-tcm)
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[tcm.id])
    assert set(_codes(session, tcm.id, "sei")) == {"4"} and "ipdense" not in library_service.assignments(session, tcm.id)
    for code, action in (("2740", "remove"), ("3841", "add")):
        library_service.override(session, patent_id=tcm.id, scheme="gbt4754", code=code, action=action,
                                 reviewer="王审", reason="实为电池", catalog=catalog, clusters=clusters)
    library_service.override(session, patent_id=tcm.id, scheme="cluster", code="zj-battery", action="remove",
                             reviewer="李", reason="不进电池集群")
    for _ in range(2):  # now, and after a rebuild
        sei, dense = _codes(session, tcm.id, "sei"), _codes(session, tcm.id, "ipdense")
        assert set(sei) == {"5"} and sei["5"]["source"].endswith("(reviewer's industries)")
        assert set(dense) == {"新装备制造业"}
        assert "zj-tcm" not in _codes(session, tcm.id, "cluster")
        assert "zj-battery" not in _codes(session, tcm.id, "cluster")  # the reviewer's cluster removal holds
        library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[tcm.id])


def test_an_official_sei_class_is_kept_when_a_reviewer_changes_the_industries(session, catalog, clusters, patents):
    catalog.sei_ipc = Concordance([ConcordanceRow("A61K36", "4.1", 1.0, "official:cnipa-sei-ipc-2021", scheme="sei")])
    tcm = patents[1]
    library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[tcm.id])
    library_service.override(session, patent_id=tcm.id, scheme="gbt4754", code="3841", action="add", reviewer="王审",
                             catalog=catalog, clusters=clusters)
    sei = _codes(session, tcm.id, "sei")
    assert set(sei) == {"4"} and sei["4"]["source"] == "official:cnipa-sei-ipc-2021"
    assert "新装备制造业" in _codes(session, tcm.id, "ipdense")


def test_patents_without_ipc_are_classified_from_their_text_and_say_so(session, catalog, clusters, patents):
    seen = []

    def classify(texts):  # a stand-in text classifier: batteries in the text → H01M
        seen.extend(texts)
        return [["H01M"] if "电池" in text else [] for text in texts]

    bare = patents[2]
    bare.title, bare.abstract = "一种电池壳体", "本发明公开了一种动力电池的壳体结构。"
    session.flush()
    result = library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[p.id for p in patents],
                                   classify=classify)
    assert result["classified_by_text"] == 1 and result["without_industry"] == 0
    assert seen == ["一种电池壳体 本发明公开了一种动力电池的壳体结构。"]  # only the patent without IPC
    assert {(c, i["source"]) for c, i in _codes(session, bare.id, "ipc").items()} == {("H01M", "text:classifier")}
    industries = _codes(session, bare.id, "gbt4754")
    assert set(industries) == {"3841", "38"} and all(i["source"].startswith("text:classifier+derived:")
                                                    for i in industries.values())
    assert _codes(session, patents[0].id, "gbt4754")["3841"]["source"] == "derived:test"  # IPC patents as before
    unbuilt = library_service.build(session, catalog=catalog, clusters=clusters, patent_ids=[bare.id])
    assert unbuilt["classified_by_text"] == 0 and unbuilt["without_industry"] == 1
