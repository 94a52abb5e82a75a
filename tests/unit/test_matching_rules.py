"""Pure matching rules: demand rows, modes, budgets, enterprise fit, routing deadlines."""

from datetime import date, datetime, timezone

import pytest

from panhuo.matching import rules


def test_bdci_headers_are_recognised():
    cols = rules.column_map(["\ufeffR_ID", "R_Title", "R_Content"])
    assert cols == {"external_id": "\ufeffR_ID", "title": "R_Title", "text": "R_Content"}


def test_chinese_headers_with_full_width_brackets_are_recognised():
    cols = rules.column_map(["需求名称", "需求描述", "企业名称", "预算（万元）", "合作方式", "截止日期"])
    assert cols["budget"] == "预算（万元）" and cols["preferred_mode"] == "合作方式"


def test_a_file_without_a_title_column_is_refused_with_the_expected_names():
    with pytest.raises(rules.DemandRowError, match="no column for title"):
        rules.column_map(["编号", "内容"])


@pytest.mark.parametrize("raw,expected", [
    ("50", 50.0), ("50万", 50.0), ("50-100万元", 100.0), ("1.2亿", 12000.0), ("300000元", 30.0),
    ("面议", None), ("", None), (None, None), ("５０万", 50.0),
])
def test_budget_in_wan(raw, expected):
    assert rules.parse_budget_wan(raw) == expected


def test_budget_without_a_number_is_a_specific_error():
    with pytest.raises(rules.DemandRowError, match="not a number"):
        rules.parse_budget_wan("很多")


@pytest.mark.parametrize("raw,expected", [
    ("转让", "转让"), ("技术转让", "转让"), ("专利许可", "许可"), ("联合开发", "合作开发"), ("技术入股", "作价投资"),
    ("面议", "不限"), ("License", "许可"), (None, None),
])
def test_cooperation_modes_are_normalised(raw, expected):
    assert rules.normalise_mode(raw) == expected


def test_unknown_mode_names_the_allowed_ones():
    with pytest.raises(rules.DemandRowError, match="转让, 许可"):
        rules.normalise_mode("送给我们")


def test_a_row_with_a_bad_budget_keeps_the_demand_and_reports_the_value():
    cols = rules.column_map(["需求名称", "需求描述", "预算", "截止日期"])
    demand, problems = rules.parse_demand_row(
        {"需求名称": "高韧性立方氮化硼单晶", "需求描述": "提高韧性", "预算": "很多", "截止日期": "2026.12.31"}, cols)
    assert demand is not None and demand.title == "高韧性立方氮化硼单晶"
    assert demand.deadline == date(2026, 12, 31) and demand.budget_wan is None
    assert [(p.field, p.value) for p in problems] == [("budget", "很多")]


def test_a_row_without_a_title_is_rejected():
    cols = rules.column_map(["需求名称", "需求描述"])
    demand, problems = rules.parse_demand_row({"需求名称": " ", "需求描述": "x"}, cols)
    assert demand is None and problems[0].field == "title"


def test_demand_query_drops_form_labels_and_truncates():
    q = rules.demand_query("污水处理", "需求内容：\n  去除氨氮。\n预期目标：达标排放", limit=20)
    assert q.startswith("污水处理 去除氨氮。") and "需求内容" not in q and "预期目标" not in q


def test_industry_overlap_is_weighted_and_matches_code_prefixes():
    share, shared = rules.industry_overlap({"3841": 0.6, "C2614": 0.4}, ["C38"])
    assert share == pytest.approx(0.6) and shared == ["3841"]
    assert rules.industry_overlap({}, ["C38"]) == (0.0, [])


def test_enterprise_fit_combines_parts_with_weights_and_explains():
    fit = rules.enterprise_fit(text_similarity=0.5, industry=1.0, shared_industries=["C3841"], region_match=True,
                               weights={"text": 0.6, "industry": 0.3, "region": 0.1})
    assert fit.score == pytest.approx(0.6 * 0.5 + 0.3 + 0.1)
    assert fit.reasons == ["文本相似度 0.50", "共同行业 C3841", "位于目标地区"]


def test_routing_deadline_and_overdue():
    due = rules.respond_by(date(2026, 1, 1), 14)
    assert due == date(2026, 1, 15)
    assert rules.is_overdue(due, "waiting", date(2026, 1, 16))
    assert not rules.is_overdue(due, "answered", date(2026, 1, 16))
    assert not rules.is_overdue(due, "waiting", date(2026, 1, 15))


def test_response_hours():
    start = datetime(2026, 1, 1, 8, tzinfo=timezone.utc)
    assert rules.response_hours(start, datetime(2026, 1, 2, 20, tzinfo=timezone.utc)) == 36.0
    assert rules.response_hours(start, None) is None
