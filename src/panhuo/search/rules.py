"""Pure ranking rules: reciprocal-rank fusion, rerank factors and the explanation of one hit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

RRF_K = 60
# Weights of the two retrievers in the fusion (tuned on KPPatent-ZH, see docs/search.md).
DEFAULT_WEIGHTS = {"lexical": 1.0, "dense": 1.0}
# Score fusion (the hybrid default): share of the max-normalised BM25 against the raw cosine similarity.
LEXICAL_SHARE = 0.6
GRADE_FACTORS = {"一级": 1.15, "二级": 1.07, "三级": 1.0, "四级": 0.96, "五级": 0.93}  # valuation grade bands
GRADE_RANK = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "五级": 5}
UNAVAILABLE_FACTOR = 0.6  # lapsed, withdrawn or under an exclusive licence: kept, ranked lower


@dataclass
class Fused:
    patent_id: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


def rrf(runs: dict[str, Sequence[tuple[int, float]]], *, k: int = RRF_K,
        weights: dict[str, float] | None = None) -> list[Fused]:
    """Weighted reciprocal-rank fusion of ranked runs {name: [(id, score), …]}; best first."""
    weights = weights or DEFAULT_WEIGHTS
    fused: dict[int, Fused] = {}
    for name, run in runs.items():
        weight = weights.get(name, 1.0)
        for rank, (pid, score) in enumerate(run, start=1):
            item = fused.setdefault(pid, Fused(pid, 0.0))
            item.score += weight / (k + rank)
            item.ranks[name] = rank
            item.scores[name] = score
    return sorted(fused.values(), key=lambda f: (-f.score, f.patent_id))


def combine(runs: dict[str, Sequence[tuple[int, float]]], *, lexical_share: float = LEXICAL_SHARE) -> list[Fused]:
    """Score fusion: ``share × bm25 / best bm25 + (1 − share) × cosine``; a run a document is missing from adds 0.

    BM25 is divided by the query's best BM25 (so the top lexical hit scores 1); cosine similarity is already on
    a fixed scale.  On KPPatent-ZH this beats RRF, which over-weights the weaker dense ranking (docs/search.md).
    """
    fused: dict[int, Fused] = {}
    shares = {"lexical": lexical_share, "dense": 1.0 - lexical_share}
    for name, run in runs.items():
        if not run:
            continue
        scale = max(s for _, s in run) if name == "lexical" else 1.0
        scale = scale or 1.0
        for rank, (pid, score) in enumerate(run, start=1):
            item = fused.setdefault(pid, Fused(pid, 0.0))
            item.score += shares.get(name, 0.5) * score / scale
            item.ranks[name] = rank
            item.scores[name] = score
    return sorted(fused.values(), key=lambda f: (-f.score, f.patent_id))


def rerank_factor(*, grade: str | None = None, available: bool | None = None,
                  industry_overlap: int = 0) -> float:
    """Multiplier applied after fusion: better grades, available patents and shared industries rise."""
    factor = GRADE_FACTORS.get(grade or "", 1.0)
    if available is False:
        factor *= UNAVAILABLE_FACTOR
    if industry_overlap:
        factor *= 1.0 + 0.05 * min(industry_overlap, 3)
    return factor


def grade_rank(grade: str | None) -> int | None:
    """1 (一级, best) … 5 (五级), or None for no grade or 待定."""
    if not grade:
        return None
    return GRADE_RANK.get(grade.strip())


def terms_in_text(query_terms: Iterable[str], texts: dict[str, str]) -> dict[str, list[str]]:
    """Query terms occurring in each (normalised, lower-cased) field text, in query order.

    A substring test: cheaper than re-segmenting every hit, and a stemmed English term (batteri) still
    finds its surface forms (batteries).
    """
    wanted = list(dict.fromkeys(t for t in query_terms if t))
    out = {}
    for name, text in texts.items():
        hits = [t for t in wanted if t in text]
        if hits:
            out[name] = hits
    return out


def highlight(text: str, terms: Iterable[str], *, width: int = 120, open_mark: str = "【",
              close_mark: str = "】") -> str:
    """A snippet of ``text`` around the first match with every matched term wrapped in marks."""
    words = sorted({t for t in terms if t and len(t) > 0}, key=len, reverse=True)
    if not text or not words:
        return (text or "")[:width]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 4)
    snippet = text[start:start + width]
    marked = pattern.sub(lambda m: f"{open_mark}{m.group(0)}{close_mark}", snippet)
    return ("…" if start else "") + marked + ("…" if start + width < len(text) else "")


def ipc_subclasses(codes: Iterable[str | None]) -> list[str]:
    """IPC subclasses (first four characters, e.g. H01M) of a list of codes, in order, unique."""
    out = []
    for code in codes:
        sub = (code or "").replace(" ", "").upper()[:4]
        if len(sub) == 4 and sub not in out:
            out.append(sub)
    return out
