"""Index build, hybrid/lexical/dense search, explanations, incremental re-indexing (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from panhuo.search import service as search_service
from panhuo.search.models import SearchDocument


def by_title(session, hits):
    from panhuo.patents.models import Patent

    return [session.get(Patent, h.patent_id).title for h in hits]


def test_build_indexes_every_patent_and_stores_keywords(session, corpus, workspace):
    report = search_service.reindex(session, workspace=workspace)
    assert (report.total, report.added, report.updated, report.removed) == (8, 8, 0, 0)
    doc = session.get(SearchDocument, corpus[0].id)
    assert doc is not None and len(doc.content_hash) == 64
    assert any("正极" in k or "回收" in k for k in doc.keywords[:5])
    assert (workspace / "index" / "lexical").is_dir() and (workspace / "index" / "dense" / "ids.npy").exists()


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_each_mode_finds_the_battery_recycling_patent_first(session, corpus, workspace, mode):
    search_service.reindex(session, workspace=workspace)
    hits = search_service.search(session, "废旧锂电池 正极 回收", top=3, mode=mode, workspace=workspace)
    assert hits[0].patent_id == corpus[0].id


def test_explanation_highlights_matched_terms_and_gives_similarity(session, corpus, workspace):
    search_service.reindex(session, workspace=workspace)
    hit = search_service.search(session, "正极材料 回收", top=1, workspace=workspace)[0]
    why = hit.why
    assert {"正极", "回收"} <= set(why["matched_terms"])
    assert "title" in why["fields"] and "【正极】" in why["highlight"]["title"]
    assert 0 < why["similarity"] <= 1 and why["lexical_rank"] == 1
    assert why["availability"]["available"] is True and why["legal_status"] == "valid"


def test_traditional_and_english_queries_cross_the_script_gap(session, corpus, workspace):
    search_service.reindex(session, workspace=workspace)
    spindle = search_service.search(session, "数控机床主轴冷却", top=1, mode="lexical", workspace=workspace)
    assert by_title(session, spindle) == ["一种數控機床主軸冷卻裝置"]
    cooling = search_service.search(session, "lithium batteries cooling", top=1, mode="lexical", workspace=workspace)
    assert cooling[0].patent_id == corpus[6].id and "batteri" in cooling[0].why["matched_terms"]


def test_filters_restrict_results_and_lapsed_patents_are_flagged(session, corpus, workspace):
    search_service.reindex(session, workspace=workspace)
    only_zj = search_service.search(session, "电池", top=10, workspace=workspace,
                                    filters=search_service.SearchFilters(region_prefix="33"))
    assert only_zj and all(session.get(type(corpus[0]), h.patent_id).region_code.startswith("33") for h in only_zj)
    h01m = search_service.search(session, "电池", top=10, workspace=workspace,
                                 filters=search_service.SearchFilters(ipc_prefixes=("H01M",)))
    assert {h.patent_id for h in h01m} <= {corpus[0].id, corpus[1].id, corpus[6].id}
    wheat = search_service.search(session, "小麦 育种", top=8, workspace=workspace)
    lapsed = next(h for h in wheat if h.patent_id == corpus[4].id)
    assert lapsed.why["availability"]["available"] is False
    available = search_service.search(session, "小麦 育种", top=8, workspace=workspace,
                                      filters=search_service.SearchFilters(available_only=True))
    assert corpus[4].id not in {h.patent_id for h in available}


def test_incremental_reindex_touches_only_new_and_changed_patents(session, corpus, workspace, new_patent):
    search_service.reindex(session, workspace=workspace)
    corpus[3].abstract = "本实用新型公开了一种膜生物反应器污水处理装置，采用中空纤维膜过滤。"
    new = new_patent(99, "一种钠离子电池负极材料", "本发明公开了一种硬碳钠离子电池负极材料。", "H01M4/587",
                     "330100", "valid")
    session.delete(corpus[5])
    session.flush()
    report = search_service.reindex(session, workspace=workspace)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 6)
    assert search_service.search(session, "钠离子电池 硬碳", top=1, workspace=workspace)[0].patent_id == new.id
    membrane = search_service.search(session, "中空纤维膜", top=1, mode="lexical", workspace=workspace)
    assert membrane[0].patent_id == corpus[3].id
    robots = search_service.search(session, "光伏组件清洁机器人", top=8, workspace=workspace)
    assert corpus[5].id not in {h.patent_id for h in robots}
    again = search_service.reindex(session, workspace=workspace)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 8)


def test_similar_patents_share_fields_and_exclude_the_patent_itself(session, corpus, workspace):
    search_service.reindex(session, workspace=workspace)
    hits = search_service.similar_patents(session, patent_id=corpus[1].id, top=3, workspace=workspace)
    assert corpus[1].id not in {h.patent_id for h in hits}
    assert hits[0].patent_id in {corpus[0].id, corpus[6].id}
    assert hits[0].why["shared_ipc"] == ["H01M"]


def test_search_without_an_index_says_how_to_build_it(session, workspace):
    with pytest.raises(search_service.IndexMissing, match="panhuo index build"):
        search_service.search(session, "电池", workspace=workspace)


def test_keywords_for_a_demand_text(session, corpus, workspace):
    search_service.reindex(session, workspace=workspace)
    found = search_service.keywords_for("我公司需要废旧动力电池回收技术，重点是正极材料中钴镍的高效浸出。", top=5,
                                        workspace=workspace)
    assert len(found) == 5 and {"动力电池", "回收", "钴"} <= set(found)
    assert not {"本发明", "一种", "所述"} & set(found)


def test_grade_filter_needs_a_grade_and_explanations_say_none(session, corpus, workspace):
    search_service.reindex(session, workspace=workspace)
    hits = search_service.search(session, "电池", top=5, workspace=workspace)
    assert hits and all(h.why["grade"] is None and h.why["disposition"] is None for h in hits)
    graded = search_service.search(session, "电池", top=5, workspace=workspace,
                                   filters=search_service.SearchFilters(min_grade="三级"))
    assert graded == []


def test_exclusive_licence_in_force_makes_a_patent_unavailable(session, corpus, workspace):
    from datetime import date

    from panhuo.patents.models import LegalEvent

    session.add(LegalEvent(patent_id=corpus[1].id, kind="licence", event_date=date(2024, 3, 1),
                           counterparty="某电池公司", details={"licence_type": "exclusive", "expiry": "2099-12-31"}))
    session.flush()
    search_service.reindex(session, workspace=workspace)
    hits = {h.patent_id: h for h in search_service.search(session, "固态电解质", top=8, workspace=workspace)}
    licensed = hits[corpus[1].id].why["availability"]
    assert licensed["available"] is False and "exclusive" in licensed["reasons"][0]
    free = search_service.search(session, "固态电解质", top=8, workspace=workspace,
                                 filters=search_service.SearchFilters(available_only=True))
    assert corpus[1].id not in {h.patent_id for h in free}


def test_reindex_after_an_import_picks_up_only_what_the_import_changed(session, workspace, tmp_path):
    from panhuo.ingest import flows as ingest_flows
    from panhuo.ingest.records import PatentRecord

    def record(serial, title, abstract):
        return PatentRecord(application_no=f"CN2023100{serial:05d}.{'5X4'[serial - 1]}",
                            fields={"title": title, "abstract": abstract, "patent_type": "invention"},
                            source_file="batch.csv", source_row=serial)

    first = [record(1, "一种锂离子电池正极材料的回收方法", "酸浸出回收钴和镍。"),
             record(2, "一种固态电解质", "硫化物固态电解质，离子电导率高。"),
             record(3, "一种图像识别方法", "卷积神经网络图像识别。")]
    ingest_flows.import_into_session(db_session=session, paths=[], reports_dir=tmp_path / "r", extra_records=first)
    assert search_service.reindex(session, workspace=workspace).added == 3
    second = [record(1, "一种锂离子电池正极材料的回收方法", "酸浸出回收钴和镍。"),  # unchanged
              record(3, "一种图像识别方法", "基于Transformer的遥感图像识别。")]  # abstract changed
    ingest_flows.import_into_session(db_session=session, paths=[], reports_dir=tmp_path / "r", extra_records=second)
    report = search_service.reindex(session, workspace=workspace)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    hit = search_service.search(session, "遥感图像", top=1, workspace=workspace)[0]
    assert "遥感" in hit.why["matched_terms"] and hit.why["title"] == "一种图像识别方法"


def test_full_rebuild_mines_recurring_phrases_into_the_dictionary(session, corpus, workspace, new_patent):
    for serial in (40, 41, 42):
        new_patent(serial, f"一种钙钛矿光伏组件{serial}", "本发明公开了一种钙钛矿光伏组件的封装结构。", "H10K30/88",
                   "330100", "valid")
    session.flush()
    search_service.reindex(session, workspace=workspace, incremental=False)
    from panhuo.search.index import open_index

    mined = open_index(workspace / "index").mined
    assert "钙钛矿光伏组件" in mined or "光伏组件" in mined


def test_index_survives_repeated_builds_across_processes(session, corpus, workspace):
    from panhuo.search.index import forget

    search_service.reindex(session, workspace=workspace)
    for _ in range(2):  # a new process each time: nothing cached, vectors memory-mapped from disk
        forget(workspace / "index")
        assert search_service.reindex(session, workspace=workspace).unchanged == 8
    forget(workspace / "index")
    hits = search_service.search(session, "固态电解质", top=1, mode="dense", workspace=workspace)
    assert hits[0].patent_id == corpus[1].id


def test_a_damaged_vector_file_asks_for_a_full_rebuild(session, corpus, workspace):
    from panhuo.search.index import forget

    search_service.reindex(session, workspace=workspace)
    forget(workspace / "index")
    (workspace / "index" / "dense" / "vectors.npy").write_bytes(b"\x93NUMPY broken")
    with pytest.raises(search_service.IndexCorrupt, match="--full"):
        search_service.search(session, "电池", workspace=workspace)
    assert search_service.reindex(session, workspace=workspace, incremental=False).added == 8
    assert search_service.search(session, "电池", top=1, workspace=workspace)
