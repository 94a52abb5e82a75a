"""Push lists stay exactly what they were when the ranking was made fast: a pinned small campaign (patents, order,
scores, written reasons) and, on generated inputs, the same result as the plain per-pair ranking."""

from __future__ import annotations

import hashlib
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from panhuo.licensing import pushlist
from panhuo.licensing.pushlist import Candidate, EnterpriseProfile

VOCAB = ["液压", "挖掘机", "节能", "控制", "方法", "锂电池", "正极", "材料", "制备", "阀门", "密封", "结构", "图像",
         "识别", "系统", "灌溉", "焊接", "光伏", "清洗", "机器人", "污水", "处理", "药物", "组合物"]
CODES = ["C3511", "C3512", "C3513", "C35", "3443", "C3911", "C2611", "I6513", "C", "M7320", "A0511", "C3360"]
GRADES = ["一级", "二级", "三级", "四级", "五级", None, "A"]
RUNS = ((5, 0.2, None), (12, 0.1, None), (8, 0.3, {"industry": 0.5, "text": 0.4, "grade": 0.1}))


def _world() -> tuple[list[Candidate], list[EnterpriseProfile]]:
    rng = random.Random(7)
    cands = [Candidate(i, f"专利{i}", tuple(rng.sample(CODES, rng.choice((0, 1, 1, 2)))),
                       frozenset(rng.sample(VOCAB, rng.randint(0, 6))), rng.choice(GRADES), rng.random() < 0.4)
             for i in range(1, 61)]
    rng.shuffle(cands)
    ents = [EnterpriseProfile(j, f"企业{j}", tuple(rng.sample(CODES, rng.choice((0, 1, 2)))),
                              frozenset(rng.sample(VOCAB, rng.randint(0, 5)))) for j in range(1, 9)]
    return cands, ents


def _dump(lists) -> list:
    return [[[r.patent_id, r.score, r.source, r.reasons] for r in lst] for lst in lists]


FIRST_LIST = [
    [18, 0.8482, "institution", ["来源: 参与单位专利库", "行业匹配(小类): 企业 C3360 ↔ 专利 C3360", "文本相近 0.58: 共同词 图像",
                                 "价值等级 二级"]],
    [37, 0.65, "institution", ["来源: 参与单位专利库", "行业匹配(小类): 企业 C3360 ↔ 专利 C3360", "价值等级 三级"]],
    [59, 0.65, "institution", ["来源: 参与单位专利库", "行业匹配(小类): 企业 C3360 ↔ 专利 C3360", "价值等级 三级"]],
    [22, 0.625, "institution", ["来源: 参与单位专利库", "行业匹配(小类): 企业 C3360 ↔ 专利 C3360", "价值等级 四级"]],
    [32, 0.3325, "institution", ["来源: 参与单位专利库", "行业匹配(门类): 企业 C3360 ↔ 专利 C35", "文本相近 0.41: 共同词 图像",
                                 "未评级"]],
]
LENGTHS = [5, 5, 4, 4, 3, 5, 5, 5, 12, 12, 12, 12, 12, 12, 12, 12, 8, 8, 2, 1, 0, 8, 8, 8]
DIGEST = "b9c5516b7a4f78115eb7b6cf04d0089ea3a66d354eee0dce26931e62ca57240e"  # before the ranking was vectorised


def test_pinned_campaign_push_lists_are_unchanged():
    cands, ents = _world()
    out = [_dump(pushlist.push_list(e, cands, size=size, min_score=ms, weights=w) for e in ents)
           for size, ms, w in RUNS]
    assert out[0][0] == FIRST_LIST
    assert [len(lst) for run in out for lst in run] == LENGTHS
    assert sum(item[2] == "provincial" for run in out for lst in run for item in lst) == 37
    per_pair = [_dump(pushlist.push_list_per_pair(e, cands, size=size, min_score=ms, weights=w) for e in ents)
                for size, ms, w in RUNS]
    assert out == per_pair
    text = json.dumps(out, ensure_ascii=False, sort_keys=True)
    assert hashlib.sha256(text.encode()).hexdigest() == DIGEST


def test_a_pool_prepared_once_gives_the_same_lists_as_a_plain_candidate_list():
    cands, ents = _world()
    pool = pushlist.prepare(cands)
    for size, ms, w in RUNS:
        assert [pushlist.push_list(e, pool, size=size, min_score=ms, weights=w) for e in ents] == \
               [pushlist.push_list(e, cands, size=size, min_score=ms, weights=w) for e in ents]


_codes = st.lists(st.sampled_from(CODES + ["3511", "i65", "01", "35", "C351"]), max_size=3).map(tuple)
_terms = st.frozensets(st.sampled_from(VOCAB), max_size=7)
_cand = st.builds(Candidate, st.integers(1, 10_000), st.just("t"), _codes, _terms, st.sampled_from(GRADES),
                  st.booleans())
_weights = st.one_of(st.none(), st.fixed_dictionaries(
    {"industry": st.floats(0, 1), "text": st.floats(0, 1), "grade": st.floats(0, 1)}))


@settings(max_examples=300, deadline=None)
@given(cands=st.lists(_cand, max_size=40, unique_by=lambda c: c.patent_id),
       ent=st.builds(EnterpriseProfile, st.just(1), st.just("企业"), _codes, _terms),
       size=st.integers(0, 12), min_score=st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.35, 0.5, 0.6325]),
       weights=_weights)
def test_fast_ranking_equals_the_per_pair_ranking(cands, ent, size, min_score, weights):
    assert pushlist.push_list(ent, cands, size=size, min_score=min_score, weights=weights) == \
           pushlist.push_list_per_pair(ent, cands, size=size, min_score=min_score, weights=weights)


@settings(max_examples=100, deadline=None)
@given(cands=st.lists(_cand, max_size=30), targets=_codes)
def test_target_filter_keeps_the_candidates_that_match_a_target_above_the_section(cands, targets):
    expected = [c for c in cands if pushlist.industry_match(targets, c.industries)[0] > 0.3]
    assert pushlist.in_target_industries(list(targets), cands) == expected


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.floats(-5, 5), st.integers(-50_000, 50_000).map(lambda i: (i + 0.5) / 10_000),
                                 st.floats(allow_nan=False, allow_infinity=False)), max_size=50))
def test_round4_rounds_as_python_rounds(values):
    import numpy as np

    assert pushlist.round4(np.asarray(values, dtype=np.float64)).tolist() == [round(v, 4) for v in values]
