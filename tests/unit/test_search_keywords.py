"""Keyphrase extraction and the KPPatent-ZH metrics (pure)."""

import pytest

from panhuo.search import keywords as kw
from panhuo.search.evaluation import f1_at_k, macro_f1, ndcg_at_k, recall_at_k, reciprocal_rank
from panhuo.search.rules import highlight, ipc_subclasses, rerank_factor, rrf

TEXT = ("本发明公开了一种锂离子电池正极材料的回收方法，所述方法包括：将废旧锂离子电池拆解得到正极片，"
        "对正极片进行酸浸出，从浸出液中回收钴和镍，所述回收方法回收率高。")
CORPUS = [TEXT, "本发明涉及一种污水处理装置，包括曝气管。", "本发明提供一种电池管理系统。", "一种正极材料及其制备方法。"]
STATS = kw.DocumentFrequency.from_texts(CORPUS)


def test_extract_ranks_technical_phrases_and_never_boilerplate():
    found = kw.phrases(kw.extract(TEXT, top=8, stats=STATS))
    assert len(found) == 8 and len(set(found)) == 8
    assert "回收" in found[:3] and {"浸出", "正极片", "钴", "镍"} & set(found)
    assert not {"本发明", "公开", "所述", "一种", "包括", "方法"} & set(found)


def test_title_words_rank_higher():
    plain = kw.phrases(kw.extract(TEXT, top=10, stats=STATS))
    titled = kw.phrases(kw.extract(TEXT, title="钴镍回收", top=10, stats=STATS))
    assert titled.index("钴") < plain.index("钴")


def test_empty_text_gives_no_keywords():
    assert kw.extract("", stats=STATS) == [] and kw.tfidf_baseline("。，", stats=STATS) == []


def test_baselines_return_ranked_words():
    assert kw.phrases(kw.textrank_baseline(TEXT, top=3))
    assert all(len(p) >= 2 for p in kw.phrases(kw.tfidf_baseline(TEXT, top=5, stats=STATS)))


def test_document_frequency_round_trips():
    again = kw.DocumentFrequency.from_dict(STATS.to_dict())
    assert again.n_docs == 4 and again.idf("正极") == STATS.idf("正极") < STATS.idf("从未见过")


@pytest.mark.parametrize("gold,pred,k,match,expected", [
    (["电池", "正极"], ["电池", "正极"], 5, "exact", 2 * 0.4 * 1.0 / 1.4),  # precision divides by k
    (["电池"], ["锂电池"], 5, "exact", 0.0),
    (["正极材料"], ["正极"], 5, "subword", 2 * 0.2 * 1.0 / 1.2),  # shares the segment 正极
    ([], ["电池"], 5, "exact", 0.0),
    (["电池"], [], 5, "exact", 0.0),
    (["a", "b"], ["x", "y", "a"], 2, "exact", 0.0),  # only the first k count
])
def test_f1_at_k(gold, pred, k, match, expected):
    assert f1_at_k(gold, pred, k, match) == pytest.approx(expected)


def test_macro_f1_skips_documents_without_predictions():
    assert macro_f1([["电池"], ["正极"]], [["电池"], []], ks=(1,)) == {"F1@1": 1.0}


def test_ranking_metrics():
    assert reciprocal_rank([5, 3, 9], 3) == 0.5 and reciprocal_rank([5, 3], 7) == 0.0
    assert recall_at_k([1, 2, 3], {2, 4}, k=3) == 0.5
    assert ndcg_at_k([1, 2], {1: 3, 2: 0}) == 1.0 and ndcg_at_k([2, 1], {1: 3}) < 1.0


def test_rrf_rewards_agreement():
    fused = rrf({"lexical": [(1, 9.0), (2, 5.0)], "dense": [(2, 0.9), (3, 0.8)]})
    assert [f.patent_id for f in fused] == [2, 1, 3]
    assert fused[0].ranks == {"lexical": 2, "dense": 1} and fused[0].scores["dense"] == 0.9


@pytest.mark.parametrize("kwargs,expected", [
    ({}, 1.0), ({"grade": "一级"}, 1.15), ({"grade": "五级"}, 0.93), ({"available": False}, 0.6),
    ({"industry_overlap": 5}, 1.15), ({"grade": "二级", "available": True}, 1.07),
])
def test_rerank_factor(kwargs, expected):
    assert rerank_factor(**kwargs) == pytest.approx(expected)


def test_highlight_marks_terms_in_a_snippet():
    assert highlight("一种锂离子电池正极材料", ["正极", "电池"]) == "一种锂离子【电池】【正极】材料"
    long = "前言" * 100 + "正极"
    assert highlight(long, ["正极"], width=20).startswith("…")


def test_ipc_subclasses():
    assert ipc_subclasses(["H01M 10/54", "h01m4/58", None, "G06V10/82", "X"]) == ["H01M", "G06V"]


def test_score_fusion_keeps_a_strong_lexical_hit_above_a_dense_only_one():
    from panhuo.search.rules import combine

    fused = combine({"lexical": [(1, 12.0), (2, 3.0)], "dense": [(3, 0.55), (1, 0.5), (2, 0.45)]})
    assert [f.patent_id for f in fused] == [1, 2, 3]
    assert fused[0].score == pytest.approx(0.6 + 0.4 * 0.5) and fused[2].ranks == {"dense": 1}


@pytest.mark.parametrize("grade,rank", [("一级", 1), ("五级", 5), (" 三级 ", 3), ("待定", None), (None, None), ("", None)])
def test_grade_rank(grade, rank):
    from panhuo.search.rules import grade_rank

    assert grade_rank(grade) == rank
