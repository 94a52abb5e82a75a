"""Push-list ranking (Shandong rule), funnel metrics and the pricing assistant."""

from datetime import date
from decimal import Decimal

import pytest

from panhuo.licensing import funnel, pricing, pushlist
from panhuo.licensing.pushlist import Candidate, EnterpriseProfile


@pytest.mark.parametrize("ent, pat, level", [
    (("C3511",), ("C3511",), 1.0), (("C3511",), ("C3512",), 0.8), (("C3511",), ("C3560",), 0.6),
    (("C3511",), ("C2611",), 0.3), (("3511",), ("C35",), 0.6), (("C3511",), ("I6513",), 0.0),
    (("C",), ("C3911",), 0.3), ((), ("C3511",), 0.0),
])
def test_industry_match_levels(ent, pat, level):
    assert pushlist.industry_match(ent, pat)[0] == level


@pytest.mark.parametrize("code, expected", [("C3511", ("C", "3511")), ("3511", ("C", "3511")),
                                            ("i65", ("I", "65")), ("01", ("A", "01"))])
def test_normalise_industry_finds_the_section(code, expected):
    assert pushlist.normalise_industry(code) == expected


ENT = EnterpriseProfile(1, "甲机械", ("C3511",), frozenset({"液压", "挖掘"}))


def _c(pid, industries, participating=True, terms=frozenset(), grade=None):
    return Candidate(pid, f"p{pid}", industries, terms, grade, participating)


def test_push_list_prefers_participating_institutions_then_supplements_from_province():
    cands = [_c(1, ("C3511",)), _c(2, ("I6513",)), _c(3, ("C3511",), participating=False),
             _c(4, ("C3512",), participating=False)]
    ranked = pushlist.push_list(ENT, cands, size=3)
    assert [r.patent_id for r in ranked] == [1, 3, 4]
    assert [r.source for r in ranked] == ["institution", "provincial", "provincial"]
    assert "全省资源库补充" in ranked[1].reasons[0]


def test_push_list_does_not_supplement_when_institutions_suffice():
    cands = [_c(1, ("C3511",)), _c(2, ("C3512",)), _c(3, ("C3511",), participating=False)]
    assert [r.source for r in pushlist.push_list(ENT, cands, size=2)] == ["institution", "institution"]


def test_every_item_has_written_reasons():
    ranked = pushlist.push_list(ENT, [_c(1, ("C3511",), terms=frozenset({"液压", "阀门"}), grade="一级")], size=1)
    text = " ".join(ranked[0].reasons)
    assert "行业匹配(小类)" in text and "液压" in text and "价值等级 一级" in text


def test_text_and_grade_break_industry_ties():
    cands = [_c(1, ("C3511",)), _c(2, ("C3511",), terms=frozenset({"液压"}), grade="一级")]
    assert pushlist.push_list(ENT, cands, size=2)[0].patent_id == 2


def test_min_score_filters_unrelated_patents():
    assert pushlist.push_list(ENT, [_c(1, ("I6513",))], size=5, min_score=0.2) == []


def _item(pushed, interested=None, trial=None, licensed=None, declined=False, region="370100"):
    return funnel.FunnelItem(pushed, interested, trial, licensed, declined, {"region": region})


def test_funnel_counts_rates_and_time_to_licence():
    items = [_item(date(2025, 1, 1)), _item(date(2025, 1, 1), date(2025, 1, 5)),
             _item(date(2025, 1, 1), date(2025, 1, 5), date(2025, 2, 1), date(2025, 5, 1)),
             _item(date(2025, 1, 1), date(2025, 1, 3), None, date(2025, 1, 31)),
             _item(date(2025, 1, 1), declined=True)]
    [row] = funnel.funnel(items)
    assert (row["pushed"], row["interested"], row["trial"], row["licensed"], row["declined"]) == (5, 3, 1, 2, 1)
    assert row["interest_rate"] == 0.6 and row["licence_rate"] == 0.4 and row["trial_conversion"] == 1.0
    assert row["median_days_to_licence"] == (120 + 30) / 2


def test_funnel_groups_and_empty():
    items = [_item(date(2025, 1, 1), region="370100"), _item(date(2025, 1, 1), region="370200")]
    assert [r["group"] for r in funnel.funnel(items, "region")] == ["370100", "370200"]
    assert funnel.funnel([])[0]["interest_rate"] is None


def test_pricing_from_same_industry_comparables():
    comps = [pricing.Comparable(f"c{i}", ("C3511",), Decimal(v), Decimal("3")) for i, v in
             enumerate([100000, 200000, 300000])] + [pricing.Comparable("x", ("I6513",), Decimal(9000000))]
    out = pricing.propose(grade="二级", industries=("C3512",), comparables=comps)
    assert out["basis"] == "same-industry comparables" and out["lump_sum"]["lump_sum"] == "200000"
    assert out["royalty"]["royalty_pct"] == "3.0" and out["problems"] == []


def test_pricing_falls_back_to_grade_table_and_checks_caps():
    out = pricing.propose(grade="一级", industries=("C3511",), comparables=[])
    assert out["basis"] == "grade table" and out["lump_sum"]["lump_sum"] == "500000"
    big = [pricing.Comparable(f"c{i}", ("C3511",), Decimal(30000000)) for i in range(3)]
    assert [p["check"] for p in pricing.propose(grade="一级", industries=("C3511",), comparables=big)["problems"]] \
        == ["fee_cap"]
