"""Retrieval quality on KPPatent-ZH: gold keyphrases as the query → the document they were written for.

Lexical (tantivy BM25 over rjieba terms of the abstract + Panhuo keyphrases), dense (USE multilingual v3),
and hybrid (reciprocal-rank fusion, equal weights and a tuned weighting) in one run, through the same
``panhuo.search.service.retrieve`` the product uses.  MRR@10 and Recall@10 over all queries.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from panhuo.config import Settings
from panhuo.search import keywords as kw
from panhuo.search.dense import VectorStore, dense_text, get_embedder
from panhuo.search.evaluation import recall_at_k, reciprocal_rank
from panhuo.search.index import SearchIndex
from panhuo.search.lexical import LexicalDoc, LexicalIndex
from panhuo.search.service import retrieve
from panhuo.search.text import default_analyzer

VARIANTS = {  # name: (mode, fusion, RRF weights)
    "lexical": ("lexical", "rrf", None),
    "dense": ("dense", "rrf", None),
    "hybrid, RRF k=60 equal weights": ("hybrid", "rrf", {"lexical": 1.0, "dense": 1.0}),
    "hybrid, RRF k=60 dense 0.1": ("hybrid", "rrf", {"lexical": 1.0, "dense": 0.1}),
    "hybrid, score fusion 0.6 BM25/max + 0.4 cosine (default)": ("hybrid", "score", None),
}
TUNED_QUERIES = 600  # the fusion share was chosen on queries 0–599


def _build(rows: list[dict]) -> tuple[SearchIndex, float, float]:
    analyzer = default_analyzer()
    texts = [r["abstract"] for r in rows]
    stats = kw.DocumentFrequency.from_texts(texts)
    embedder = get_embedder()
    idx = SearchIndex(root=Path("."), embedder=embedder, lexical=LexicalIndex(None),
                      vectors=VectorStore(None, embedder.dim, embedder.name), stats=stats)
    start = time.perf_counter()
    docs = []
    for i, text in enumerate(texts):
        keys = [k.phrase for k in kw.extract(text, top=10, stats=stats)]
        docs.append(LexicalDoc(i, {"abstract": analyzer.terms(text),
                                   "keywords": [t for k in keys for t in analyzer.terms(k)]}))
    idx.lexical.upsert(docs, replace=False)
    idx.lexical.commit()
    lexical_s = time.perf_counter() - start
    start = time.perf_counter()
    idx.vectors.upsert(list(range(len(texts))), embedder.embed([dense_text(None, t) for t in texts]))
    return idx, lexical_s, time.perf_counter() - start


def _workspace_path(rows: list[dict], queries: list[str]) -> dict:
    """The product path: patents in a SQLite workspace, `reindex`, then `search` end to end (DB + explanations)."""
    import shutil

    from benchmarks.harness import WORK, percentile
    from panhuo.db import make_engine, migrate, session_scope
    from panhuo.patents.models import Patent
    from panhuo.search import service as search_service
    from panhuo.search.index import forget

    root = WORK / "retrieval_workspace"
    shutil.rmtree(root, ignore_errors=True)
    (root / "index").mkdir(parents=True)
    engine = make_engine(f"sqlite:///{root / 'panhuo.db'}")
    migrate(engine)
    with session_scope(engine) as session:
        session.add_all(Patent(application_no=f"SYN{i:08d}", title="", abstract=r["abstract"], synthetic=True)
                        for i, r in enumerate(rows))
    with session_scope(engine) as session:
        report = search_service.reindex(session, workspace=root)
    times = []
    with session_scope(engine) as session:
        for q in queries[:10]:
            search_service.search(session, q, top=20, workspace=root)
        for q in queries:
            start = time.perf_counter()
            search_service.search(session, q, top=20, workspace=root)
            times.append((time.perf_counter() - start) * 1000)
    forget(root / "index")
    engine.dispose()
    return {"reindex_s": report.seconds, "docs": report.total, "p50": percentile(times, 50),
            "p95": percentile(times, 95)}


def run(scale: str = "full") -> dict:
    path = Settings().data_path("kppatent-zh", "kppatent_zh.jsonl")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    rows = rows if scale == "full" else rows[:800]
    idx, lexical_s, dense_s = _build(rows)
    queries = [(i, "，".join(k for k in r["keyphrases"].split(",") if k)) for i, r in enumerate(rows)]
    vectors = idx.embedder.embed([q for _, q in queries])
    results = {}
    for name, (mode, fusion, weights) in VARIANTS.items():
        rr, rec, times = [], [], []
        for (target, query), vector in zip(queries, vectors):
            start = time.perf_counter()
            fused, _, _ = retrieve(idx, query, mode=mode, weights=weights, depth=100, query_vector=vector,
                                   fusion=fusion)
            times.append(time.perf_counter() - start)
            ranked = [f.patent_id for f in fused]
            rr.append(reciprocal_rank(ranked, target, 10))
            rec.append(recall_at_k(ranked, target, 10))
        held_rr, held_rec = rr[TUNED_QUERIES:], rec[TUNED_QUERIES:]
        results[name] = {"MRR@10": round(sum(rr) / len(rr), 4), "Recall@10": round(sum(rec) / len(rec), 4),
                         "untuned MRR@10": round(sum(held_rr) / max(1, len(held_rr)), 4),
                         "untuned Recall@10": round(sum(held_rec) / max(1, len(held_rec)), 4),
                         "ms_per_query": round(1000 * sum(times) / len(times), 2)}
    product = _workspace_path(rows, [q for _, q in queries[:200]])
    base = results["lexical"]
    out_rows = []
    for name, res in results.items():
        for metric in ("MRR@10", "Recall@10"):
            out_rows.append({"metric": f"{name}: {metric}", "value": res[metric], "unit": "",
                             "baseline": base[metric] if name != "lexical" else None,
                             "ratio": round(res[metric] / base[metric], 3) if name != "lexical" else None,
                             "note": f"queries {TUNED_QUERIES}+ only: {res['untuned ' + metric]}; "
                                     f"{res['ms_per_query']} ms/query (query vector precomputed)"})
    out_rows += [
        {"metric": "workspace: panhuo index build (full)", "value": product["reindex_s"], "unit": "s",
         "note": f"{product['docs']} patents, {product['docs'] / product['reindex_s']:.0f} docs/s: keyphrases, "
                 "BM25, embeddings, search_documents rows"},
        {"metric": "workspace: search() p50, top 20 with explanations", "value": round(product["p50"], 1),
         "unit": "ms"},
        {"metric": "workspace: search() p95, top 20 with explanations", "value": round(product["p95"], 1),
         "unit": "ms", "goal": "≤ 50", "note": "SQLite; query embedding, fusion, DB fetch, hooks, highlights"},
    ]
    return {
        "title": "Retrieval quality (KPPatent-ZH: gold keyphrases → own abstract)",
        "goal": "hybrid beats lexical-only on MRR@10 and Recall@10",
        "rows": out_rows, "results": results,
        "notes": [
            f"{len(rows)} abstracts (KPPatent-ZH train split; test split held back), one query per abstract made "
            "of its gold keyphrases joined with '，' (about 55 % of them do not occur verbatim in the abstract).",
            "Title queries: this copy of the set has no titles for the train split, so the title → abstract "
            "run cannot be made here.",
            f"Index build for this run: lexical {lexical_s:.1f} s (with keyphrase extraction), "
            f"dense {dense_s:.1f} s ({len(rows) / dense_s:.0f} docs/s, title+abstract cut at 160 chars).",
            "Lexical baseline = the same tantivy BM25 the product uses (abstract + keyphrase fields). Candidates: "
            "top 100 of each retriever. Plain RRF lets the much weaker dense ranking pull good lexical hits down, "
            "so the product fuses scores instead: 0.6 × BM25/best BM25 + 0.4 × cosine. The 0.6 share (and the "
            f"RRF 0.1 variant) were chosen on queries 0–{TUNED_QUERIES - 1}; the note column gives the rest.",
            "Workspace rows: the same abstracts stored as patents (marked synthetic: no real numbers) in a "
            "SQLite workspace under benchmarks/out/, indexed and searched through panhuo.search.service.",
            "Shared, loaded machine (2 cores, other engineers' jobs running).",
        ],
    }
