"""Normalisation, confidence, aggregation and grade bands (pure, vectorised)."""

from datetime import date

import polars as pl
import pytest

from panhuo.valuation import engine, indicators, scoring
from panhuo.valuation.tree import load_tree

AS_OF = date(2026, 6, 30)
TREE = load_tree(known_inputs=set(indicators.INDICATORS))
BANDS = scoring.load_grades()


def _frame(rows):
    return indicators.conform(pl.DataFrame(rows, schema_overrides={k: v for k, v in indicators.FRAME_SCHEMA.items()
                                                                   if any(k in r for r in rows)}))


def _scored(rows, scenario="分级管理"):
    out = indicators.compute_indicators(_frame(rows), as_of=AS_OF)
    return scoring.score_frame(out, TREE, scenario, BANDS)


BASE = {"patent_id": 1, "patent_type": "invention", "legal_status": "valid", "filing_date": date(2016, 1, 10),
        "grant_date": date(2019, 5, 1), "ipc_main": "G06F 16/35", "ipc_subclasses": ["G06F"]}


def test_missing_data_lowers_confidence_but_never_scores_zero():
    full = {**BASE, "claims_count": 12, "independent_claims_count": 3, "trl": 7, "implemented": True,
            "enterprise_prospect": 5.0, "enterprise_cooperation": 5.0, "enterprise_feedback_count": 2,
            "self_value_grade": 5, "events_known": True, "transfer_events": 1, "licence_events": 1}
    bare = {**BASE, "patent_id": 2, "trl": 7, "implemented": True, "self_value_grade": 5,
            "enterprise_prospect": 5.0, "enterprise_cooperation": 5.0, "enterprise_feedback_count": 2}
    out = _scored([full, bare]).sort("patent_id")
    conf, econ = out["c:composite"].to_list(), out["s:economic"].to_list()
    assert conf[1] < conf[0]
    assert out["s:legal.stability.prior_art"].to_list() == [None, None]  # no citations: missing, not 0
    assert out["s:economic.realised.use_events"].to_list()[1] is None  # no event data at all: missing
    assert econ[1] > 50  # known high enterprise and self scores are not dragged down by the missing ones


def test_nothing_known_gives_no_score_and_zero_confidence():
    out = _scored([{"patent_id": 9, "legal_status": "valid"}])
    assert out["s:economic"][0] is None
    assert out["c:economic"][0] == 0
    assert out["grade"][0] == "待定"


@pytest.mark.parametrize("kind,spec,value,expected", [
    ("linear", {"worst": 1, "best": 9}, 5, 50.0),
    ("linear", {"worst": 1, "best": 9}, 12, 100.0),
    ("linear", {"worst": 800, "best": 150}, 150, 100.0),  # inverted: shorter claim is better
    ("linear", {"worst": 800, "best": 150}, 1000, 0.0),
    ("log", {"cap": 10}, 10, 100.0),
    ("log", {"cap": 10}, 0, 0.0),
    ("boolean", {"if_true": 100, "if_false": 30}, 1, 100.0),
    ("boolean", {"if_true": 100, "if_false": 30}, 0, 30.0),
    ("identity", {}, 140, 100.0),
    ("map", {"values": {1: 10, 2: 90}}, 2, 90.0),
])
def test_normalisation_case_table(kind, spec, value, expected):
    from panhuo.valuation.tree import Leaf

    leaf = Leaf(id="x", zh="x", en="x", measure="x", source="expert", input="v", scale={"min": 0, "max": 1},
                normalisation={"kind": kind, **spec}, weights={}, weight_provenance="t")
    expr, _ = scoring._normalise(pl.col("v").cast(pl.Float64), leaf)
    assert pl.DataFrame({"v": [value]}).select(expr)[0, 0] == pytest.approx(expected)


def test_cohort_percentile_ranks_within_ipc_subclass_and_year_and_flags_small_cohorts():
    rows = [{**BASE, "patent_id": i, "forward_citations": i} for i in range(6)]
    rows.append({**BASE, "patent_id": 99, "ipc_main": "A01B 1/00", "forward_citations": 1000})
    out = _scored(rows).sort("patent_id")
    pct = out["s:technical.advancement.forward_citations"].to_list()
    assert pct[:6] == pytest.approx([0, 20, 40, 60, 80, 100])
    assert pct[6] == 50.0  # alone in its cohort: the middle, at half confidence
    conf = out["c:technical.advancement.forward_citations"].to_list()
    assert conf[6] == pytest.approx(conf[0] / 2)


@pytest.mark.parametrize("score,conf,grade", [
    (95, 0.9, "一级"), (80.01, 0.9, "一级"), (80, 0.9, "二级"), (60.5, 0.9, "二级"), (45, 0.9, "三级"),
    (20.5, 0.9, "四级"), (20, 0.9, "五级"), (0, 0.9, "五级"), (95, 0.2, "待定"), (None, 0.9, "待定"),
])
def test_grade_bands(score, conf, grade):
    frame = pl.DataFrame({"s:composite": [score], "c:composite": [conf]}, schema={"s:composite": pl.Float64,
                                                                                 "c:composite": pl.Float64})
    assert scoring.grade(frame, BANDS)["grade"][0] == grade


def test_scenario_weights_change_the_composite():
    row = {**BASE, "events_known": True, "pledge_events": 1, "enterprise_prospect": 1.0,
           "enterprise_feedback_count": 1, "enterprise_cooperation": 1.0, "claims_count": 20, "trl": 9}
    finance = _scored([row], "金融质押")["s:composite"][0]
    licensing = _scored([row], "许可转让")["s:composite"][0]
    assert finance != pytest.approx(licensing)


def test_unknown_scenario_is_rejected():
    with pytest.raises(ValueError, match="unknown scenario '侵权'"):
        engine.load_method(scenario="侵权")


def test_high_value_flags_unknown_stays_unknown_not_false():
    out = indicators.compute_indicators(_frame([{**BASE}]), as_of=AS_OF)
    assert out["hv_sei"][0] is None and out["hv_award"][0] is None
    assert out["hv_flag_count"][0] == 0  # maintained ≤ 10 years is known
    old = indicators.compute_indicators(_frame([{**BASE, "grant_date": date(2012, 1, 1), "sei": True}]), as_of=AS_OF)
    assert old["hv_maintained_10y"][0] is True and old["hv_flag_count"][0] == 2 and old["high_value"][0] is True


def test_originality_generality_and_radicalness():
    row = {**BASE, "ipc_subclasses": ["G06F", "H04L"], "cited_subclasses": ["G06F", "G06F", "A61B"],
           "citing_subclasses": ["B65D", "B65D"]}
    out = indicators.compute_indicators(_frame([row]), as_of=AS_OF)
    assert out["originality"][0] == pytest.approx(4 / 9)
    assert out["generality"][0] == pytest.approx(0)
    assert out["radicalness"][0] == pytest.approx(1 / 3)


def test_evaluation_is_reproducible_and_hash_tracks_inputs():
    method = engine.load_method()
    frame = _frame([{**BASE, "claims_count": 8, "trl": 5}, {**BASE, "patent_id": 2, "claims_count": 3}])
    one = engine.evaluate_frame(frame, method, as_of=AS_OF)
    two = engine.evaluate_frame(frame, method, as_of=AS_OF)
    assert one.select(engine.result_columns(method)).equals(two.select(engine.result_columns(method)))
    rows = frame.to_dicts()
    assert engine.input_hash(rows[0], method, as_of=AS_OF) == engine.input_hash(dict(rows[0]), method, as_of=AS_OF)
    changed = {**rows[0], "claims_count": 9}
    assert engine.input_hash(changed, method, as_of=AS_OF) != engine.input_hash(rows[0], method, as_of=AS_OF)
    assert engine.input_hash(rows[0], method, as_of=date(2027, 1, 1)) != engine.input_hash(rows[0], method,
                                                                                          as_of=AS_OF)
