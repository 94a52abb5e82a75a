"""The disposition decision table: load, validate, decide (vectorised) and explain (one row). Pure.

A table is data (``valuation/data/dispositions-v1.yaml``): ordered rules, first match wins, the last rule
is the default. Conditions read the *decision facts* of :data:`FACTS`, derived by :func:`derive_facts`
from scores, fee facts, legal blockers, the owner's intent and enterprise interest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from panhuo.valuation.tree import DATA_DIR

DEFAULT_RULES = DATA_DIR / "dispositions-v1.yaml"
DISPOSITIONS = ("技术保护", "转化运用", "开放许可", "终止维持")
OPS = ("is_true", "is_false", "is_not_true", "==", "!=", ">=", ">", "<=", "<", "in", "not_in")

# Decision fact → meaning (zh / en). Rules may only name these.
FACTS: dict[str, str] = {
    "composite": "综合得分 / composite score", "legal": "法律价值 / legal score",
    "technical": "技术价值 / technical score", "economic": "经济价值 / economic score",
    "confidence": "置信度 / confidence", "grade_rank": "等级 1–5 (0 待定)",
    "remaining_years": "剩余年限 / years to expiry", "trl": "技术就绪水平 TRL",
    "implemented": "已实施", "intent": "转化意愿方式 / owner's intended mode", "willing": "转化意愿",
    "enterprise_interest": "企业有需求 (前景或合作意愿 ≥ 4)", "enterprise_feedback_count": "企业评价数",
    "pledge_active": "质押中", "exclusive_licence_active": "独占/排他许可履行中",
    "open_licence_active": "已开放许可", "funded_project": "财政资助项目", "strategic_hold": "战略保留",
    "hold": "不得放弃 (质押/独占许可/财政资助/战略保留)", "ol_eligible": "满足开放许可条件 (细则 Art. 86)",
    "next_fee": "下次年费 (元)", "cost_to_expiry": "至届满年费 (元)",
    "months_to_next_cliff": "距下一费用台阶月数", "cliff_ratio": "台阶倍数",
    "reduction_window_closing": "费减期12个月内届满", "high_value": "高价值发明专利",
    "patent_type": "专利类型",
}


class RulesError(ValueError):
    """A malformed decision table; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    disposition: str
    when: tuple
    zh: str
    en: str
    basis: str


@dataclass(frozen=True)
class RuleTable:
    id: str
    version: str
    rules: tuple[Rule, ...]
    dispositions: dict[str, dict]

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


def load_rules(path: Path | str | None = None) -> RuleTable:
    """Read and validate a decision table (the bundled one when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"cannot read decision table {path}: {exc}") from exc
    return parse_rules(raw)


def parse_rules(raw: Any) -> RuleTable:
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list) or not raw["rules"]:
        raise RulesError("decision table: needs a non-empty 'rules' list")
    seen: set[str] = set()
    rules = []
    for i, item in enumerate(raw["rules"], start=1):
        rid = item.get("id") if isinstance(item, dict) else None
        if not rid:
            raise RulesError(f"rule #{i}: missing id")
        if rid in seen:
            raise RulesError(f"rule '{rid}': duplicate id")
        seen.add(rid)
        if item.get("disposition") not in DISPOSITIONS:
            raise RulesError(f"rule '{rid}': disposition must be one of {', '.join(DISPOSITIONS)}")
        when = item.get("when") or []
        for cond in when:
            _check_condition(cond, rid)
        rules.append(Rule(id=rid, disposition=item["disposition"], when=tuple(when), zh=str(item.get("zh", "")),
                          en=str(item.get("en", "")), basis=str(item.get("basis", ""))))
    if rules[-1].when:
        raise RulesError(f"rule '{rules[-1].id}': the last rule must be the default (no conditions)")
    return RuleTable(id=str(raw.get("id", "rules")), version=str(raw.get("version", "1")), rules=tuple(rules),
                     dispositions=dict(raw.get("dispositions") or {}))


def _check_condition(cond: Any, rid: str) -> None:
    if isinstance(cond, dict) and "any" in cond:
        if not isinstance(cond["any"], list) or not cond["any"]:
            raise RulesError(f"rule '{rid}': 'any' needs a non-empty list of conditions")
        for sub in cond["any"]:
            _check_condition(sub, rid)
        return
    if not isinstance(cond, dict) or cond.get("field") not in FACTS:
        field = cond.get("field") if isinstance(cond, dict) else cond
        raise RulesError(f"rule '{rid}': unknown fact {field!r} (known: {', '.join(FACTS)})")
    if cond.get("op") not in OPS:
        raise RulesError(f"rule '{rid}': unknown operator {cond.get('op')!r} on {cond['field']}")
    if cond["op"] not in ("is_true", "is_false", "is_not_true") and "value" not in cond:
        raise RulesError(f"rule '{rid}': operator {cond['op']} on {cond['field']} needs a value")
    if cond.get("missing", "fail") not in ("fail", "pass"):
        raise RulesError(f"rule '{rid}': missing must be 'fail' or 'pass'")


def derive_facts(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the decision facts (scores renamed, interest, blockers, open-licence eligibility)."""
    fb = pl.col("enterprise_feedback_count").fill_null(0) > 0
    blocker = lambda c: pl.col(c).fill_null(False)
    return frame.with_columns(
        composite=pl.col("s:composite"), legal=pl.col("s:legal"), technical=pl.col("s:technical"),
        economic=pl.col("s:economic"), confidence=pl.col("c:composite"),
        enterprise_interest=pl.when(fb).then((pl.col("enterprise_prospect") >= 4)
                                             | (pl.col("enterprise_cooperation") >= 4)),
        hold=blocker("pledge_active") | blocker("exclusive_licence_active") | blocker("funded_project")
        | blocker("strategic_hold"),
        ol_eligible=(pl.col("legal_status") == "valid") & pl.col("grant_date").is_not_null()
        & ~blocker("exclusive_licence_active") & ~blocker("pledge_active"),
    )


def _cond_expr(cond: dict) -> pl.Expr:
    if "any" in cond:
        return pl.any_horizontal([_cond_expr(c) for c in cond["any"]])
    col, op, value = pl.col(cond["field"]), cond["op"], cond.get("value")
    expr = {
        "is_true": lambda: col.cast(pl.Boolean), "is_false": lambda: ~col.cast(pl.Boolean),
        "is_not_true": lambda: ~col.cast(pl.Boolean).fill_null(False),
        "==": lambda: col == value, "!=": lambda: col != value, ">=": lambda: col >= value,
        ">": lambda: col > value, "<=": lambda: col <= value, "<": lambda: col < value,
        "in": lambda: col.is_in(list(value)), "not_in": lambda: ~col.is_in(list(value)),
    }[op]()
    return expr.fill_null(cond.get("missing", "fail") == "pass")


def decide(frame: pl.DataFrame, table: RuleTable) -> pl.DataFrame:
    """Add ``rule_id`` and ``disposition``: the first rule whose conditions all hold."""
    rule_id: Any = None
    disp: Any = None
    for rule in reversed(table.rules):
        if not rule.when:
            rule_id, disp = pl.lit(rule.id), pl.lit(rule.disposition)
            continue
        cond = pl.all_horizontal([_cond_expr(c) for c in rule.when])
        rule_id = pl.when(cond).then(pl.lit(rule.id)).otherwise(rule_id)
        disp = pl.when(cond).then(pl.lit(rule.disposition)).otherwise(disp)
    return frame.with_columns(rule_id.alias("rule_id"), disp.alias("disposition"))


def check_row(cond: dict, row: dict) -> tuple[bool, list[dict]]:
    """Evaluate one condition on one row in Python; returns (held, [{field, op, value, actual, held}])."""
    if "any" in cond:
        parts = [check_row(c, row) for c in cond["any"]]
        return any(p[0] for p in parts), [{"any": [d for p in parts for d in p[1]], "held": any(p[0] for p in parts)}]
    actual = row.get(cond["field"])
    held = _held(cond["op"], actual, cond.get("value"))
    if held is None:
        held = cond.get("missing", "fail") == "pass"
    return held, [{"field": cond["field"], "op": cond["op"], "value": cond.get("value"), "actual": actual,
                   "held": held}]


def _held(op: str, actual: Any, value: Any) -> bool | None:
    if op == "is_not_true":
        return actual is not True
    if actual is None:
        return None
    return {
        "is_true": lambda: bool(actual), "is_false": lambda: not actual, "==": lambda: actual == value,
        "!=": lambda: actual != value, ">=": lambda: actual >= value, ">": lambda: actual > value,
        "<=": lambda: actual <= value, "<": lambda: actual < value, "in": lambda: actual in value,
        "not_in": lambda: actual not in value,
    }[op]()


def explain_decision(row: dict, table: RuleTable) -> dict:
    """The rule that fired with each condition's actual value, and why each earlier rule did not."""
    skipped = []
    for rule in table.rules:
        checks = [check_row(c, row) for c in rule.when]
        details = [d for _, ds in checks for d in ds]
        if all(held for held, _ in checks):
            return {"rule": rule.id, "disposition": rule.disposition, "zh": rule.zh, "en": rule.en,
                    "basis": rule.basis, "conditions": details, "not_fired": skipped}
        first_fail = next(d for (held, ds) in checks if not held for d in ds)
        skipped.append({"rule": rule.id, "disposition": rule.disposition, "failed": first_fail})
    raise RulesError("no rule matched: the decision table has no default rule")
