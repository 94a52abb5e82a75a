"""Quality metrics (pure): keyphrase F1@k under the KPPatent-ZH protocol, and ranking MRR / Recall / nDCG.

KPPatent-ZH protocol (Tang et al., github.com/tanggongbo/KPPatent-ZH, ``f1_metrics_realK.py``), restated:
gold and predicted phrases are segmented with jieba; *exact* matching compares the segmentations, *subword*
matching accepts a prediction sharing at least one segment with a gold phrase.  Precision@k divides the
matched predictions among the first k by k (not by the number predicted); recall@k counts the distinct gold
phrases matched by the first k.  The macro average skips documents with no prediction and scores 0 for
documents with no present gold phrase.  Here rjieba (same dictionary as jieba) does the segmenting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import rjieba


def _seg(phrase: str) -> tuple[str, ...]:
    return tuple(t for t in rjieba.cut(phrase) if t.strip())


def f1_at_k(gold: Sequence[str], predicted: Sequence[str], k: int, match: str = "exact") -> float:
    """F1@k of one document."""
    if not gold or not predicted:
        return 0.0
    gold_seg = [_seg(g) for g in gold]
    matched_gold: set[int] = set()
    hits = 0
    for phrase in list(predicted)[:k]:
        p = _seg(phrase)
        for gi, g in enumerate(gold_seg):
            if (match == "exact" and p == g) or (match == "subword" and set(p) & set(g)):
                hits += 1
                matched_gold.add(gi)  # a prediction is credited to the first gold phrase it matches
                break
    precision = hits / k
    recall = len(matched_gold) / len(gold)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def macro_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], match: str = "exact",
             ks: Sequence[int] = (5, 10)) -> dict[str, float]:
    """Macro-averaged F1@k over documents (documents without predictions are skipped)."""
    out = {}
    for k in ks:
        scores = [f1_at_k(g, p, k, match) for g, p in zip(gold, predicted) if p]
        out[f"F1@{k}"] = round(sum(scores) / len(scores), 4) if scores else 0.0
    return out


def reciprocal_rank(ranked: Sequence, relevant, k: int = 10) -> float:
    """1/rank of the first relevant item within the first k, else 0."""
    for i, item in enumerate(list(ranked)[:k], start=1):
        if item == relevant or (isinstance(relevant, (set, frozenset)) and item in relevant):
            return 1.0 / i
    return 0.0


def recall_at_k(ranked: Sequence, relevant, k: int = 10) -> float:
    """Share of relevant items found within the first k (a single item: 1 or 0)."""
    rel = relevant if isinstance(relevant, (set, frozenset)) else {relevant}
    if not rel:
        return 0.0
    return len(rel & set(list(ranked)[:k])) / len(rel)


def ndcg_at_k(ranked: Sequence, grades: dict, k: int = 10) -> float:
    """nDCG@k with graded relevance (gain 2^g − 1); items without a grade count 0."""
    dcg = sum((2 ** grades.get(item, 0) - 1) / math.log2(i + 1) for i, item in enumerate(list(ranked)[:k], 1))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0
