"""Valuation services on SQLite and PostgreSQL: people's indicators, evaluation runs, history, latest."""

from datetime import date

import pytest

from panhuo.valuation import engine
from panhuo.valuation import service as valuation_service
from panhuo.valuation.frame import build_frame

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def method():
    return engine.load_method()


def test_frame_reads_blockers_owners_and_fee_reduction(session, portfolio):
    frame = build_frame(session, as_of=AS_OF)
    rows = {r["application_no"]: r for r in frame.to_dicts()}
    assert "CN201610000005.1" not in rows  # lapsed: not evaluated
    assert rows["CN201610000002.1"]["pledge_active"] is True
    assert rows["CN201610000003.1"]["pledge_active"] is False
    assert rows["CN201610000004.1"]["exclusive_licence_active"] is True
    assert rows["CN201610000004.1"]["enterprise_coowner"] is True
    assert rows["CN201610000004.1"]["reduction_pct"] == 0  # the enterprise's eligibility is unknown
    assert rows["CN201610000001.1"]["reduction_pct"] == 85
    assert rows["CN201610000001.1"]["department"] == "计算机学院"
    assert rows["CN201610000001.1"]["events_known"] is False


def test_self_assessment_saved_with_author_and_bad_input_rejected(session, portfolio):
    pid = portfolio["plain"].id
    row = valuation_service.save_self_assessment(db_session=session, patent_id=pid, author="张三",
                                                 data={"trl": 6, "modes": ["许可"], "value_grade": 4})
    assert row.author == "张三" and row.assessed_on == date.today() and row.trl == 6
    with pytest.raises(valuation_service.InputError, match="trl: Input should be less than or equal to 9"):
        valuation_service.save_self_assessment(db_session=session, patent_id=pid, author="x", data={"trl": 12})
    with pytest.raises(valuation_service.InputError, match="unknown 转化方式 出租"):
        valuation_service.save_self_assessment(db_session=session, patent_id=pid, author="x", data={"modes": ["出租"]})
    with pytest.raises(LookupError, match="no patent with id 999999"):
        valuation_service.save_self_assessment(db_session=session, patent_id=999999, author="x", data={})
    assert [s.id for s in valuation_service.list_self_assessments(db_session=session, patent_id=pid)] == [row.id]


def test_evaluation_blockers_decide_and_are_explained(session, portfolio, method):
    summary = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    assert summary["evaluated"] == 4 and summary["stored"] == 4
    disp = valuation_service.latest_dispositions(db_session=session)
    assert disp[portfolio["pledged"].id] == "技术保护"
    assert disp[portfolio["exclusive"].id] == "转化运用"
    assert portfolio["lapsed"].id not in disp
    ev = valuation_service.latest(db_session=session, patent_ids=[portfolio["pledged"].id])[portfolio["pledged"].id]
    assert ev.rule_id == "R01-pledged" and ev.explanation["decision"]["rule"] == "R01-pledged"
    assert ev.tree_id == method.tree.id and len(ev.input_hash) == 64
    assert "legal" in ev.scores and ev.explanation["missing"]  # missing evidence is listed


def test_rerun_is_reproducible_and_history_grows_only_when_inputs_change(session, portfolio, method):
    first = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    again = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    assert again["stored"] == 0 and again["unchanged"] == first["evaluated"]
    pid = portfolio["plain"].id
    before = valuation_service.latest(db_session=session, patent_ids=[pid])[pid]
    valuation_service.save_enterprise_feedback(db_session=session, patent_id=pid, author="对接专员",
                                               data={"enterprise_name": "某公司", "prospect": 5, "cooperation": 5})
    third = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    assert third["stored"] == 1
    hist = valuation_service.history(db_session=session, patent_id=pid)
    assert [h.id for h in hist][1] == before.id and len(hist) == 2
    assert hist[0].disposition == "转化运用" and hist[0].rule_id == "R03-enterprise-interest"
    assert valuation_service.latest_dispositions(db_session=session, patent_ids=[pid]) == {pid: "转化运用"}


def test_explain_matches_the_stored_evaluation(session, portfolio, method):
    valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    pid = portfolio["plain"].id
    out = valuation_service.explain(db_session=session, patent_id=pid, method=method, as_of=AS_OF)
    assert out["stored"]["same_inputs"] is True
    assert out["decision"]["disposition"] == out["stored"]["disposition"]
    leaf = out["dimensions"][0]["indicators"][2]["subindicators"][0]
    assert leaf["id"] == "legal.term.remaining" and leaf["value"] > 0 and leaf["weight"] == 1.0
    lapsed = valuation_service.explain(db_session=session, patent_id=portfolio["lapsed"].id, method=method,
                                       as_of=AS_OF)
    assert lapsed["stored"] is None


def test_expert_scores_feed_their_indicator(session, portfolio, method):
    pid = portfolio["plain"].id
    valuation_service.save_expert_score(db_session=session, patent_id=pid, expert="王教授",
                                        data={"indicator": "advancement", "score": 90})
    out = valuation_service.explain(db_session=session, patent_id=pid, method=method, as_of=AS_OF)
    leaf = out["dimensions"][1]["indicators"][0]["subindicators"][2]
    assert leaf["id"] == "technical.advancement.expert" and leaf["score"] == 90.0 and not leaf["missing"]


def test_patent_ids_with_disposition_feeds_the_fee_saving(session, portfolio, method):
    from panhuo.fees import service as fees_service

    valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    disp = valuation_service.latest_dispositions(db_session=session)
    for name in ("技术保护", "转化运用"):
        expected = sorted(pid for pid, d in disp.items() if d == name)
        assert valuation_service.patent_ids_with_disposition(db_session=session, disposition=name) == expected
    assert valuation_service.patent_ids_with_disposition(db_session=session, disposition="技术保护",
                                                         institution_id=-1) == []
    assert fees_service.termination_set(db_session=session) == {
        pid for pid, d in disp.items() if d == "终止维持"}


def test_sei_flag_comes_from_the_library_and_is_unknown_until_classified(session, portfolio, method):
    from panhuo.library.models import PatentIndustry
    from panhuo.valuation.frame import _sei_flags

    plain, pledged = portfolio["plain"].id, portfolio["pledged"].id
    assert _sei_flags(session, [plain, pledged]) == {plain: None, pledged: None}
    session.add_all([PatentIndustry(patent_id=plain, scheme="sei", code="1", weight=1.0, source="derived:test"),
                     PatentIndustry(patent_id=pledged, scheme="gbt4754", code="3841", weight=1.0,
                                    source="derived:test")])
    session.flush()
    assert _sei_flags(session, [plain, pledged]) == {plain: True, pledged: False}
