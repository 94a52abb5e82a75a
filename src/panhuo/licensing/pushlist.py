"""Pure push-list ranking for 区域定向许可 (the Shandong rule): per enterprise, patents from the participating
institutions ranked by fit, supplemented from the whole provincial library where they fall short.

Fit = industry overlap (GB/T 4754 codes, hierarchical) + text similarity (shared terms) + value grade.
Every ranked item carries the reasons a person can read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# GB/T 4754-2017: 门类 letter of each 大类 (two-digit division).
_SECTIONS = (("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52), ("G", 53, 60),
             ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72), ("M", 73, 75), ("N", 76, 79),
             ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90), ("S", 91, 97), ("T", 98, 98))
LEVELS = ((4, 1.0, "小类"), (3, 0.8, "中类"), (2, 0.6, "大类"), (0, 0.3, "门类"))
GRADE_BONUS = {"一级": 1.0, "二级": 0.75, "三级": 0.5, "四级": 0.25, "五级": 0.1}  # valuation grade bands
DEFAULT_WEIGHTS = {"industry": 0.6, "text": 0.3, "grade": 0.1}


def normalise_industry(code: str) -> tuple[str, str]:
    """(section letter, digits) of a GB/T 4754 code such as 'C3511', '3511', 'C35' or 'C'."""
    raw = code.strip().upper()
    letter = raw[0] if raw[:1].isalpha() else ""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not letter and len(digits) >= 2:
        division = int(digits[:2])
        letter = next((s for s, lo, hi in _SECTIONS if lo <= division <= hi), "")
    return letter, digits


def industry_match(enterprise: tuple[str, ...], patent: tuple[str, ...]) -> tuple[float, str, str, str]:
    """Best (level score, enterprise code, patent code, level name) over all code pairs; 0 when none."""
    best = (0.0, "", "", "")
    for e in enterprise:
        el, ed = normalise_industry(e)
        for p in patent:
            pl, pd = normalise_industry(p)
            for width, value, name in LEVELS:
                hit = (width and len(ed) >= width and len(pd) >= width and ed[:width] == pd[:width]) or (
                    not width and el and el == pl)
                if hit:
                    if value > best[0]:
                        best = (value, e, p, name)
                    break
    return best


def text_similarity(a: frozenset[str], b: frozenset[str]) -> tuple[float, list[str]]:
    """Cosine similarity of two term sets and the shared terms (longest first)."""
    if not a or not b:
        return 0.0, []
    common = a & b
    return len(common) / math.sqrt(len(a) * len(b)), sorted(common, key=lambda t: (-len(t), t))


@dataclass(frozen=True)
class EnterpriseProfile:
    key: int
    name: str
    industries: tuple[str, ...]
    terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    patent_id: int
    title: str
    industries: tuple[str, ...]
    terms: frozenset[str] = frozenset()
    grade: str | None = None
    participating: bool = True  # from a participating institution's library (else: provincial library)


@dataclass(frozen=True)
class Ranked:
    patent_id: int
    score: float
    source: str  # institution | provincial
    reasons: list[str] = field(default_factory=list)


def fit(enterprise: EnterpriseProfile, cand: Candidate, weights: dict[str, float] | None = None
        ) -> tuple[float, list[str]]:
    """Score in [0, 1] and the reasons behind it."""
    w = weights or DEFAULT_WEIGHTS
    level, ecode, pcode, lname = industry_match(enterprise.industries, cand.industries)
    sim, common = text_similarity(enterprise.terms, cand.terms)
    bonus = GRADE_BONUS.get((cand.grade or "").upper(), 0.3)
    reasons = []
    if level:
        reasons.append(f"行业匹配({lname}): 企业 {ecode} ↔ 专利 {pcode}")
    else:
        reasons.append("行业不重合")
    if common:
        reasons.append(f"文本相近 {sim:.2f}: 共同词 {'、'.join(common[:5])}")
    reasons.append(f"价值等级 {cand.grade}" if cand.grade else "未评级")
    score = w["industry"] * level + w["text"] * sim + w["grade"] * bonus
    return round(score, 4), reasons


def push_list(enterprise: EnterpriseProfile, candidates: list[Candidate], *, size: int = 10,
              min_score: float = 0.2, weights: dict[str, float] | None = None) -> list[Ranked]:
    """Best ``size`` participating-institution patents scoring ≥ ``min_score``; if fewer qualify, the gap is
    filled from the provincial library (the Shandong rule), each item saying where it came from."""
    scored = [(fit(enterprise, c, weights), c) for c in candidates]
    ranked = sorted((x for x in scored if x[0][0] >= min_score), key=lambda x: (-x[0][0], x[1].patent_id))
    own = [x for x in ranked if x[1].participating][:size]
    out = [Ranked(c.patent_id, s, "institution", ["来源: 参与单位专利库", *r]) for (s, r), c in own]
    if len(out) < size:
        short = size - len(out)
        extra = [x for x in ranked if not x[1].participating][:short]
        note = f"来源: 全省资源库补充(参与单位库仅 {len(own)} 件达标)"
        out += [Ranked(c.patent_id, s, "provincial", [note, *r]) for (s, r), c in extra]
    return out
