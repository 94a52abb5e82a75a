"""The interim IPC → GB/T 4754-2017 mapping, built from what is available offline (pure).

Path per IPC subclass:
1. **derived** — Fraunhofer ISI P(NACE division | IPC class) × the NACE → GB/T 4754 大类 bridge
   (``data/nace_gbt4754_bridge.yaml``) gives a prior over 大类.  The class level is coarse (H01 holds both
   batteries and semiconductors), so the prior is multiplied by the text evidence of each 大类 —
   ``(EPS + best 小类 similarity in it / best overall)⁴`` — and renormalised; 大类 under ``MIN_SHARE`` are
   dropped.
2. **text refinement** — within each kept 大类 the weight is spread over the 小类 whose name/说明/重点产品
   are most similar (TF-IDF cosine) to the subclass title and its main-group titles; when no 小类 is similar
   enough the weight stays on the 大类.
3. **text only** — subclasses whose class the Fraunhofer table does not cover (e.g. H10, G16) take the most
   similar 小类 over the whole standard, with source ``text``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping as MappingT

import numpy as np

from panhuo.taxonomy.concordance import ConcordanceRow
from panhuo.taxonomy.textvec import SparseRows, Tfidf, tokens

MIN_SHARE = 0.08  # 大类 below this share of a class are noise in a probabilistic concordance
MIN_SIM = 0.06  # cosine below this is no evidence
EPS = 0.05  # text evidence floor, so that a 大类 without similar 小类 keeps part of its prior
POWER = 4
TOP_XIAOLEI = 3
DERIVED = "derived:fraunhofer-nace-ipc+panhuo-bridge"
DERIVED_TEXT = "derived:fraunhofer-nace-ipc+panhuo-bridge+text"
TEXT = "text:ipc-title~gbt4754-similarity"


def dalei_weights(ipc_class: str, nace_by_class: MappingT[str, MappingT[str, float]],
                  bridge: MappingT[str, MappingT[str, float]]) -> dict[str, float]:
    """GB/T 4754 大类 → weight for one IPC class (sums to 1; empty when the class is not covered)."""
    out: dict[str, float] = defaultdict(float)
    for nace, p in nace_by_class.get(ipc_class, {}).items():
        for dalei, w in bridge.get(nace, {}).items():
            out[dalei] += p * w
    kept = {d: w for d, w in out.items() if w >= MIN_SHARE}
    if not kept and out:
        best = max(out, key=out.get)
        kept = {best: out[best]}
    total = sum(kept.values()) or 1.0
    return {d: w / total for d, w in sorted(kept.items(), key=lambda kv: -kv[1])}


def posterior(prior: dict[str, float], sims: np.ndarray, leaf_dalei: np.ndarray) -> dict[str, float]:
    """Prior 大类 weights × relative text evidence of each 大类, renormalised and pruned."""
    if not prior:
        return {}
    best = float(sims.max(initial=0.0)) or 1.0
    scored = {d: w * (EPS + float(sims[leaf_dalei == d].max(initial=0.0)) / best) ** POWER
              for d, w in prior.items()}
    total = sum(scored.values()) or 1.0
    kept = {d: v / total for d, v in scored.items() if v / total >= MIN_SHARE}
    total = sum(kept.values()) or 1.0
    return {d: v / total for d, v in sorted(kept.items(), key=lambda kv: -kv[1])}


def industry_text(code: str, industries: MappingT, products: MappingT[str, list[str]]) -> str:
    """What a 小类 is about: its name twice, its 说明, its 中类 name and its 重点产品."""
    node = industries[code]
    parent = industries.get(node.parent) if node.parent else None
    parts = [node.name, node.name, node.remark, parent.name if parent else "", " ".join(products.get(code, []))]
    return " ".join(p for p in parts if p)


def build_rows(subclass_texts: MappingT[str, str], industries: MappingT, products: MappingT[str, list[str]],
               nace_by_class: MappingT[str, MappingT[str, float]],
               bridge: MappingT[str, MappingT[str, float]], edition: str = "interim") -> list[ConcordanceRow]:
    """Concordance rows (scheme ``gbt4754``) for every IPC subclass in ``subclass_texts``."""
    leaves = sorted(c for c, n in industries.items() if n.level == 4)
    leaf_tokens = [tokens(industry_text(c, industries, products)) for c in leaves]
    sub_codes = sorted(subclass_texts)
    sub_tokens = [tokens(subclass_texts[s]) for s in sub_codes]
    model = Tfidf.fit(leaf_tokens + sub_tokens, min_df=1)
    matrix = SparseRows([model.vector(t) for t in leaf_tokens], len(model.vocab))
    leaf_dalei = np.array([c[:2] for c in leaves])
    rows: list[ConcordanceRow] = []
    for sub, toks in zip(sub_codes, sub_tokens):
        sims = matrix.dot(*model.vector(toks))
        weights = posterior(dalei_weights(sub[:3], nace_by_class, bridge), sims, leaf_dalei)
        if weights:
            rows += _refine(sub, weights, sims, leaves, leaf_dalei, edition)
        else:
            rows += _text_only(sub, sims, leaves, edition)
    return rows


def _refine(sub, weights, sims, leaves, leaf_dalei, edition) -> list[ConcordanceRow]:
    rows = []
    for dalei, w in weights.items():
        local = np.flatnonzero(leaf_dalei == dalei)
        ranked = [i for i in local[np.argsort(-sims[local])][:TOP_XIAOLEI] if sims[i] >= MIN_SIM]
        if not ranked:
            rows.append(ConcordanceRow(sub, dalei, round(w, 6), DERIVED, edition))
            continue
        total = float(sum(sims[i] ** 2 for i in ranked))
        rows += [ConcordanceRow(sub, leaves[i], round(w * float(sims[i] ** 2) / total, 6), DERIVED_TEXT, edition)
                 for i in ranked]
    return rows


def _text_only(sub, sims, leaves, edition) -> list[ConcordanceRow]:
    ranked = [i for i in np.argsort(-sims)[:TOP_XIAOLEI] if sims[i] >= MIN_SIM]
    total = float(sum(sims[i] for i in ranked)) or 1.0
    return [ConcordanceRow(sub, leaves[i], round(float(sims[i]) / total, 6), TEXT, edition) for i in ranked]
