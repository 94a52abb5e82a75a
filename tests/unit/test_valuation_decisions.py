"""Every path through the disposition table, each with its explanation; malformed tables are rejected."""

import copy

import polars as pl
import pytest
import yaml

from panhuo.valuation.decisions import (
    DEFAULT_RULES,
    FACTS,
    RulesError,
    decide,
    explain_decision,
    load_rules,
    parse_rules,
)

TABLE = load_rules()
SCHEMA = {f: pl.Float64 for f in FACTS}
SCHEMA.update({f: pl.Boolean for f in ("implemented", "willing", "enterprise_interest", "pledge_active",
                                       "exclusive_licence_active", "open_licence_active", "funded_project",
                                       "strategic_hold", "hold", "ol_eligible", "reduction_window_closing",
                                       "high_value")})
SCHEMA.update({"intent": pl.Utf8, "patent_type": pl.Utf8})

# A medium patent, eligible for open licensing, with no interest, no blockers and no fee cliff soon.
BASE = {"composite": 50.0, "legal": 50.0, "technical": 50.0, "economic": 40.0, "confidence": 0.7,
        "remaining_years": 10.0, "ol_eligible": True, "hold": False, "months_to_next_cliff": 30.0}

CASES = [
    ("pledged", {"pledge_active": True, "hold": True, "composite": 10.0}, "R01-pledged", "技术保护"),
    ("exclusive licence", {"exclusive_licence_active": True, "hold": True}, "R02-exclusive-licence", "转化运用"),
    ("enterprise interest", {"enterprise_interest": True}, "R03-enterprise-interest", "转化运用"),
    ("interest but expiring", {"enterprise_interest": True, "remaining_years": 2.0}, "R11-medium-open-licence",
     "开放许可"),
    ("owner wants licence", {"intent": "许可"}, "R04-owner-intent-transfer", "转化运用"),
    ("high economic", {"economic": 70.0, "trl": 6.0}, "R05-high-economic", "转化运用"),
    ("high economic, TRL unknown", {"economic": 70.0}, "R05-high-economic", "转化运用"),
    ("high economic, TRL 2", {"economic": 70.0, "trl": 2.0}, "R11-medium-open-licence", "开放许可"),
    ("too little evidence", {"composite": 10.0, "confidence": 0.2}, "R06-insufficient-evidence", "技术保护"),
    ("strategic", {"strategic_hold": True, "hold": True}, "R07-strategic", "技术保护"),
    ("high composite", {"composite": 75.0}, "R08-high-value", "技术保护"),
    ("high legal only", {"legal": 80.0}, "R08-high-value", "技术保护"),
    ("owner chose open licence", {"intent": "开放许可", "composite": 30.0}, "R09-owner-intent-open-licence",
     "开放许可"),
    ("funded project", {"funded_project": True, "hold": True, "composite": 20.0}, "R10-funded-project", "开放许可"),
    ("medium", {}, "R11-medium-open-licence", "开放许可"),
    ("low before a cliff", {"composite": 30.0, "months_to_next_cliff": 5.0}, "R12-drop-before-cliff", "终止维持"),
    ("low, 费减 window closing", {"composite": 30.0, "reduction_window_closing": True}, "R12-drop-before-cliff",
     "终止维持"),
    ("very low", {"composite": 15.0}, "R13-drop-low", "终止维持"),
    ("very low but funded, not eligible", {"composite": 15.0, "funded_project": True, "hold": True,
                                           "ol_eligible": False}, "R99-default", "技术保护"),
    ("low, no cliff", {"composite": 30.0}, "R14-low-open-licence", "开放许可"),
    ("low, not eligible, no cliff", {"composite": 30.0, "ol_eligible": False}, "R99-default", "技术保护"),
    ("low but wanted", {"composite": 15.0, "enterprise_interest": True, "remaining_years": 1.0,
                        "ol_eligible": False}, "R99-default", "技术保护"),
]


def _frame(rows):
    return pl.DataFrame([{**{f: None for f in FACTS}, **r} for r in rows], schema=SCHEMA)


@pytest.mark.parametrize("name,facts,rule,disposition", CASES, ids=[c[0] for c in CASES])
def test_rule_path_and_explanation(name, facts, rule, disposition):
    row = {**BASE, **facts}
    out = decide(_frame([row]), TABLE)
    assert (out["rule_id"][0], out["disposition"][0]) == (rule, disposition)
    why = explain_decision(_frame([row]).row(0, named=True), TABLE)
    assert why["rule"] == rule and why["disposition"] == disposition
    assert why["zh"] and why["basis"]
    assert all(c["held"] for c in why["conditions"])
    assert [s["rule"] for s in why["not_fired"]] == [r.id for r in TABLE.rules[:len(why["not_fired"])]]
    assert all(not s["failed"]["held"] for s in why["not_fired"])


def test_vectorised_and_row_explanations_agree_on_all_cases():
    rows = [{**BASE, **c[1]} for c in CASES]
    out = decide(_frame(rows), TABLE)
    frame = _frame(rows)
    assert out["rule_id"].to_list() == [explain_decision(frame.row(i, named=True), TABLE)["rule"]
                                        for i in range(len(rows))]


def test_missing_values_never_trigger_abandonment():
    out = decide(_frame([{"ol_eligible": False}]), TABLE)  # nothing known
    assert out["disposition"][0] == "技术保护"


RAW = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
BROKEN = [
    ("no rules", lambda r: r.update({"rules": []}), "needs a non-empty 'rules' list"),
    ("bad disposition", lambda r: r["rules"][0].update({"disposition": "出售"}), "rule 'R01-pledged': disposition"),
    ("unknown fact", lambda r: r["rules"][0]["when"][0].update({"field": "mood"}), "unknown fact 'mood'"),
    ("unknown op", lambda r: r["rules"][0]["when"][0].update({"op": "~="}), "unknown operator '~='"),
    ("no value", lambda r: r["rules"][2]["when"][1].pop("value"), "operator >= on remaining_years needs a value"),
    ("no default", lambda r: r["rules"].pop(), "the last rule must be the default"),
    ("duplicate", lambda r: r["rules"][1].update({"id": "R01-pledged"}), "rule 'R01-pledged': duplicate id"),
    ("bad missing", lambda r: r["rules"][0]["when"][0].update({"missing": "maybe"}), "missing must be"),
]


@pytest.mark.parametrize("name,edit,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_malformed_table_is_rejected(name, edit, message):
    raw = copy.deepcopy(RAW)
    edit(raw)
    with pytest.raises(RulesError, match=None) as err:
        parse_rules(raw)
    assert message in str(err.value)
