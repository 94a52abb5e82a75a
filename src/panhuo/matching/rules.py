"""Pure matching rules: reading demand rows, cooperation modes, enterprise fit scores, routing deadlines."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from panhuo.ingest import values

MODES = ("转让", "许可", "合作开发", "作价投资", "不限")
MODE_SYNONYMS = {
    "技术转让": "转让", "专利转让": "转让", "购买": "转让", "transfer": "转让", "assignment": "转让",
    "专利许可": "许可", "技术许可": "许可", "实施许可": "许可", "开放许可": "许可", "licence": "许可", "license": "许可",
    "合作研发": "合作开发", "联合开发": "合作开发", "委托开发": "合作开发", "技术合作": "合作开发", "产学研合作": "合作开发",
    "co-development": "合作开发", "collaboration": "合作开发",
    "作价入股": "作价投资", "技术入股": "作价投资", "equity": "作价投资",
    "面议": "不限", "均可": "不限", "any": "不限",
}
ROUTE_KINDS = ("proposal", "collaboration", "decline")


class DemandRowError(ValueError):
    def __init__(self, field_name: str | None, value: Any, reason: str):
        self.field = field_name
        self.value = value
        self.reason = reason
        super().__init__(reason)


@dataclass
class DemandIn:
    title: str
    text: str = ""
    external_id: str | None = None
    enterprise_name: str | None = None
    region_code: str | None = None
    industry_codes: list[str] = field(default_factory=list)
    budget_wan: float | None = None
    preferred_mode: str | None = None
    deadline: date | None = None


@lru_cache(maxsize=4)
def _data(name: str) -> dict:
    return yaml.safe_load(resources.files("panhuo.matching").joinpath("data", name).read_text(encoding="utf-8"))


def push_settings() -> dict:
    return _data("push-weights.yaml")


def _key(header: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header)).lstrip("\ufeff")).lower()


def column_map(headers: list[str]) -> dict[str, str]:
    """Demand field → the header that holds it; raises when a required field has no column."""
    spec = _data("demand-columns.yaml")
    by_key = {_key(h): h for h in headers}
    found = {}
    for name, aliases in spec["fields"].items():
        for alias in aliases:
            if _key(alias) in by_key:
                found[name] = by_key[_key(alias)]
                break
    missing = [f for f in spec["required"] if f not in found]
    if missing:
        raise DemandRowError(None, headers, f"no column for {', '.join(missing)}: expected one of "
                             + "; ".join(", ".join(spec["fields"][m]) for m in missing))
    return found


def normalise_mode(raw: Any) -> str | None:
    text = values.clean_text(raw)
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    if text in MODES:
        return text
    mode = MODE_SYNONYMS.get(text) or MODE_SYNONYMS.get(text.lower())
    if mode is None:
        raise DemandRowError("preferred_mode", raw, f"unknown cooperation mode {text!r}: use one of {', '.join(MODES)}")
    return mode


_BUDGET = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万|元)?")


def parse_budget_wan(raw: Any) -> float | None:
    """Budget in 万元 from '50', '50万', '50-100万元' (upper end), '1.2亿', '面议' (None)."""
    text = values.clean_text(raw)
    if not text or text in {"面议", "不限", "待定"}:
        return None
    text = unicodedata.normalize("NFKC", text).replace(",", "")
    numbers = _BUDGET.findall(text)
    if not numbers:
        raise DemandRowError("budget", raw, f"budget {text!r} is not a number of 万元 (e.g. 50, 50万, 1.2亿, 面议)")
    amount, unit = numbers[-1]
    unit = unit or next((u for _, u in numbers if u), "")
    value = float(amount)
    return value * 10000 if unit == "亿" else value / 10000 if unit == "元" else value


def parse_demand_row(row: dict[str, Any], columns: dict[str, str]) -> tuple[DemandIn | None, list[DemandRowError]]:
    """One demand from one row; a bad optional value is reported and left out, the demand is kept."""
    def get(name: str) -> Any:
        return row.get(columns[name]) if name in columns else None

    title = values.clean_text(get("title"))
    if not title:
        return None, [DemandRowError("title", get("title"), "a demand needs a title")]
    demand = DemandIn(title=title[:500], text=(values.clean_text(get("text")) or "").strip(),
                      external_id=values.clean_text(get("external_id")),
                      enterprise_name=values.clean_text(get("enterprise_name")),
                      region_code=values.clean_text(get("region_code")))
    problems: list[DemandRowError] = []
    for name, parse, attr in (("industry_codes", values.parse_codes, "industry_codes"),
                              ("budget", parse_budget_wan, "budget_wan"),
                              ("preferred_mode", normalise_mode, "preferred_mode"),
                              ("deadline", values.parse_date, "deadline")):
        raw = get(name)
        try:
            parsed = parse(raw)
        except (DemandRowError, values.ValueProblem) as exc:
            problems.append(exc if isinstance(exc, DemandRowError) else DemandRowError(name, raw, str(exc)))
            continue
        if parsed is not None:
            setattr(demand, attr, parsed)
    return demand, problems


def demand_query(title: str, text: str, limit: int = 600) -> str:
    """The retrieval query for a demand: the title, then the start of the text without form labels."""
    body = re.sub(r"(需求内容|预期目标|现有工作基础|需求描述)\s*[:：]", " ", text or "")
    body = re.sub(r"\s+", " ", body).strip()
    return f"{title} {body[:limit]}".strip()


def industry_overlap(patent_industries: dict[str, float], enterprise_codes: list[str]) -> tuple[float, list[str]]:
    """Weighted share of a patent's industries that the enterprise works in (prefix match on GB/T 4754 codes)."""
    if not patent_industries or not enterprise_codes:
        return 0.0, []
    total = sum(patent_industries.values()) or 1.0
    wanted = [_digits(c) for c in enterprise_codes if _digits(c)]
    shared, score = [], 0.0
    for code, weight in patent_industries.items():
        digits = _digits(code)
        if digits and any(digits.startswith(c) or c.startswith(digits) for c in wanted):
            shared.append(code)
            score += weight
    return min(1.0, score / total), shared


def _digits(code: str) -> str:
    """GB/T 4754 code without its 门类 letter: "C3841" and "3841" compare equal."""
    code = str(code).strip().upper()
    return code[1:] if code[:1].isalpha() and code[1:].isdigit() else code if code.isdigit() else ""


@dataclass
class Fit:
    score: float
    parts: dict[str, float]
    reasons: list[str]


def enterprise_fit(*, text_similarity: float, industry: float, shared_industries: list[str],
                   region_match: bool | None, weights: dict[str, float] | None = None) -> Fit:
    """Score one patent → enterprise pair and say why, in words a TTO officer can check."""
    w = weights or push_settings()["weights"]
    parts = {"text": round(max(0.0, text_similarity), 4), "industry": round(industry, 4),
             "region": 1.0 if region_match else 0.0}
    score = sum(w[k] * parts[k] for k in w)
    reasons = [f"文本相似度 {parts['text']:.2f}"]
    if shared_industries:
        reasons.append("共同行业 " + "、".join(shared_industries))
    if region_match:
        reasons.append("位于目标地区")
    return Fit(score=round(score, 4), parts=parts, reasons=reasons)


def respond_by(routed_on: date, days: int | None = None) -> date:
    return routed_on + timedelta(days=days if days is not None else push_settings()["route_response_days"])


def is_overdue(respond_by_date: date, status: str, today: date) -> bool:
    return status == "waiting" and today > respond_by_date


def response_hours(routed_at: datetime, responded_at: datetime | None) -> float | None:
    if responded_at is None:
        return None
    return round((responded_at - routed_at).total_seconds() / 3600, 1)
