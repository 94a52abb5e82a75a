"""Pure push-list ranking for 区域定向许可 (the Shandong rule): per enterprise, patents from the participating
institutions ranked by fit, supplemented from the whole provincial library where they fall short.

Fit = industry overlap (GB/T 4754 codes, hierarchical) + text similarity (shared terms) + value grade.
Every ranked item carries the reasons a person can read.

Speed: a campaign scores every enterprise against the same candidates, so :func:`prepare` works out the
per-patent facts once (grade bonus, term counts, an inverted term index, the distinct industry-code sets) and
:func:`push_list` scores all candidates of one enterprise in numpy batches with exactly the arithmetic of
:func:`fit`; only the items that make the list go through :func:`fit` for their written reasons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# GB/T 4754-2017: 门类 letter of each 大类 (two-digit division).
_SECTIONS = (("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52), ("G", 53, 60),
             ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72), ("M", 73, 75), ("N", 76, 79),
             ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90), ("S", 91, 97), ("T", 98, 98))
LEVELS = ((4, 1.0, "小类"), (3, 0.8, "中类"), (2, 0.6, "大类"), (0, 0.3, "门类"))
GRADE_BONUS = {"一级": 1.0, "二级": 0.75, "三级": 0.5, "四级": 0.25, "五级": 0.1}  # valuation grade bands
DEFAULT_WEIGHTS = {"industry": 0.6, "text": 0.3, "grade": 0.1}


@lru_cache(maxsize=8192)
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


def in_target_industries(targets: Sequence[str], candidates: Sequence[Candidate], *, above: float = 0.3
                         ) -> list[Candidate]:
    """The candidates whose codes match a campaign's target industries better than ``above`` (0.3: the same
    门类 alone is not enough); each distinct code set is matched once."""
    targets = tuple(targets)
    keep: dict[tuple[str, ...], bool] = {}
    for cand in candidates:
        if cand.industries not in keep:
            keep[cand.industries] = industry_match(targets, cand.industries)[0] > above
    return [c for c in candidates if keep[c.industries]]


@dataclass(frozen=True, eq=False)
class CandidatePool:
    """Candidates with their per-patent facts worked out once (see :func:`prepare`); reused for every enterprise."""

    candidates: tuple[Candidate, ...]
    ids: np.ndarray  # patent ids (int64)
    participating: np.ndarray  # bool
    grade_bonus: np.ndarray  # GRADE_BONUS of each candidate's grade (0.3 when unknown)
    term_counts: np.ndarray  # len(terms) (int64)
    postings: dict[str, np.ndarray]  # term -> positions of the candidates that have it
    industry_sets: tuple[tuple[str, ...], ...]  # distinct industry-code tuples
    industry_set_of: np.ndarray  # position in industry_sets of each candidate's codes


def prepare(candidates: Sequence[Candidate]) -> CandidatePool:
    """Per-patent facts of ``candidates`` for :func:`push_list`, computed once per campaign."""
    cands = tuple(candidates)
    postings: dict[str, list[int]] = {}
    sets: dict[tuple[str, ...], int] = {}
    set_of = []
    for pos, cand in enumerate(cands):
        for term in cand.terms:
            postings.setdefault(term, []).append(pos)
        set_of.append(sets.setdefault(cand.industries, len(sets)))
    return CandidatePool(
        candidates=cands,
        ids=np.fromiter((c.patent_id for c in cands), dtype=np.int64, count=len(cands)),
        participating=np.fromiter((c.participating for c in cands), dtype=bool, count=len(cands)),
        grade_bonus=np.fromiter((GRADE_BONUS.get((c.grade or "").upper(), 0.3) for c in cands), dtype=np.float64,
                                count=len(cands)),
        term_counts=np.fromiter((len(c.terms) for c in cands), dtype=np.int64, count=len(cands)),
        postings={term: np.asarray(found, dtype=np.int64) for term, found in postings.items()},
        industry_sets=tuple(sets), industry_set_of=np.asarray(set_of, dtype=np.int64))


def scores(enterprise: EnterpriseProfile, pool: CandidatePool, weights: dict[str, float] | None = None
           ) -> np.ndarray:
    """:func:`fit`'s score of every candidate in ``pool`` (same operations in the same order, so the same
    floats), rounded to four decimals as :func:`fit` rounds."""
    w = weights or DEFAULT_WEIGHTS
    n = len(pool.candidates)
    levels = np.array([industry_match(enterprise.industries, codes)[0] for codes in pool.industry_sets],
                      dtype=np.float64)
    level = levels[pool.industry_set_of] if n else np.zeros(0)
    sim = np.zeros(n)
    hits = [pool.postings[t] for t in enterprise.terms if t in pool.postings]
    if hits:
        common = np.bincount(np.concatenate(hits), minlength=n)
        some = common > 0
        sim[some] = common[some] / np.sqrt(pool.term_counts[some] * len(enterprise.terms))
    raw = w["industry"] * level + w["text"] * sim + w["grade"] * pool.grade_bonus
    return round4(raw)


def round4(values: np.ndarray) -> np.ndarray:
    """``round(v, 4)`` of every value, as Python rounds (correctly rounded decimal, half to even).

    numpy's ``round`` (scale, round to integer, unscale) agrees except next to a half-way point of the scaled
    value, where the scaling's own rounding can tip it; those few values are rounded by Python."""
    with np.errstate(over="ignore", invalid="ignore"):  # huge values overflow here and go to Python below
        scaled = values * 10_000.0
        out = np.round(values, 4)
        unsure = (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6) | ~(np.abs(scaled) < 2.0 ** 40)
    for pos in np.flatnonzero(unsure).tolist():
        out[pos] = round(float(values[pos]), 4)
    return out


def _best(score: np.ndarray, ids: np.ndarray, among: np.ndarray, k: int) -> list[int]:
    """Positions of the ``k`` best of ``among`` by (score descending, patent id ascending)."""
    pos = np.flatnonzero(among)
    if k <= 0 or not len(pos):
        return []
    if len(pos) > k:
        kth = np.partition(score[pos], len(pos) - k)[len(pos) - k]
        pos = pos[score[pos] >= kth]  # ties at the cut stay in; the sort below breaks them by patent id
    order = np.lexsort((ids[pos], -score[pos]))
    return pos[order[:k]].tolist()


def push_list(enterprise: EnterpriseProfile, candidates: Sequence[Candidate] | CandidatePool, *, size: int = 10,
              min_score: float = 0.2, weights: dict[str, float] | None = None) -> list[Ranked]:
    """Best ``size`` participating-institution patents scoring ≥ ``min_score``; if fewer qualify, the gap is
    filled from the provincial library (the Shandong rule), each item saying where it came from.

    ``candidates`` may be a :class:`CandidatePool` from :func:`prepare` (do that once when ranking many
    enterprises against the same candidates)."""
    pool = candidates if isinstance(candidates, CandidatePool) else prepare(candidates)
    score = scores(enterprise, pool, weights)
    passing = score >= min_score
    own = _best(score, pool.ids, passing & pool.participating, size)
    out = []
    for pos in own:
        s, r = fit(enterprise, pool.candidates[pos], weights)
        out.append(Ranked(pool.candidates[pos].patent_id, s, "institution", ["来源: 参与单位专利库", *r]))
    if len(out) < size:
        note = f"来源: 全省资源库补充(参与单位库仅 {len(own)} 件达标)"
        for pos in _best(score, pool.ids, passing & ~pool.participating, size - len(out)):
            s, r = fit(enterprise, pool.candidates[pos], weights)
            out.append(Ranked(pool.candidates[pos].patent_id, s, "provincial", [note, *r]))
    return out


def push_list_per_pair(enterprise: EnterpriseProfile, candidates: Sequence[Candidate], *, size: int = 10,
                       min_score: float = 0.2, weights: dict[str, float] | None = None) -> list[Ranked]:
    """The specification :func:`push_list` must equal: every pair scored by :func:`fit` with its reasons, then
    sorted. Slow (one Python call per pair); kept for tests and as the benchmark's baseline."""
    scored = [(fit(enterprise, c, weights), c) for c in candidates]
    ranked = sorted((x for x in scored if x[0][0] >= min_score), key=lambda x: (-x[0][0], x[1].patent_id))
    own = [x for x in ranked if x[1].participating][:size]
    out = [Ranked(c.patent_id, s, "institution", ["来源: 参与单位专利库", *r]) for (s, r), c in own]
    if len(out) < size:
        extra = [x for x in ranked if not x[1].participating][:size - len(out)]
        note = f"来源: 全省资源库补充(参与单位库仅 {len(own)} 件达标)"
        out += [Ranked(c.patent_id, s, "provincial", [note, *r]) for (s, r), c in extra]
    return out
