"""Judged retrieval on real enterprise demands: nDCG@10 of hybrid, lexical, dense and title-only lexical search.

Corpus: the real Chinese abstracts of ``kppatent-zh`` (id ``kpp:<line>``, 1-based line of the jsonl) and the
titles/abstracts of ``cn-export-samples`` (CNKI crawl: ``cnki:<publication no>``; 61-column export: its
application number), loaded into a scratch workspace and indexed with :func:`panhuo.search.service.reindex`.
Queries: a fixed sample of the real demands of ``bdci2019-demand-achievement/Requirements.csv`` (see
:func:`select_demands`). Judgments: ``benchmarks/judgments/bdci-demands-kppatent.jsonl`` (ids and grades only,
criteria in ``benchmarks/judgments/README.md``); a result nobody judged counts as 0 and coverage is reported.

``python -m benchmarks.bench_demand_judged --pool FILE`` writes the shuffled, method-blind pool to judge.
"""

from __future__ import annotations

import csv
import json
import math
import random
import re
import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import select

from benchmarks.harness import WORK
from panhuo.config import Settings
from panhuo.db import make_engine, migrate, session_scope
from panhuo.patents.models import Patent
from panhuo.search import service as search_service

JUDGMENTS = Path(__file__).resolve().parent / "judgments" / "bdci-demands-kppatent.jsonl"
SEED = 20191
SAMPLE = 40
QUERY_CHARS = 160
TOP = 10
# Fixed before any retrieval was run: technical words of the fields the corpus covers (chemistry, materials,
# metallurgy/mining, machinery, electronics, energy, environment, medicine, agriculture/food processing).
FIELD_WORDS = ("材料", "化学", "化工", "合金", "金属", "冶炼", "矿", "催化", "合成", "制备", "涂料", "涂层", "陶瓷",
               "纤维", "高分子", "聚合", "树脂", "电池", "电极", "半导体", "传感", "电路", "激光", "光学", "检测",
               "污水", "废水", "废气", "环保", "净化", "过滤", "药", "医", "生物", "发酵", "提取", "食品", "农",
               "机械", "装置", "设备", "加工", "焊", "铸", "模具", "发动机", "电机", "能源", "燃料", "太阳能")
METHODS = {  # name → (query part, search mode)
    "hybrid": ("full", "hybrid"),
    "lexical": ("full", "lexical"),
    "dense": ("full", "dense"),
    "lexical-title": ("title", "lexical"),
}


# -- data ----------------------------------------------------------------------------------------------------
def corpus(settings: Settings | None = None) -> list[dict]:
    """Every abstract of the corpus: ``{"id", "title", "abstract"}`` (kppatent train rows have no title)."""
    settings = settings or Settings()
    docs = []
    with settings.data_path("kppatent-zh", "kppatent_zh.jsonl").open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            row = json.loads(line)
            if (row.get("abstract") or "").strip():
                docs.append({"id": f"kpp:{line_no}", "title": row.get("title") or "", "abstract": row["abstract"]})
    with settings.data_path("cn-export-samples", "cnki_MaterialChemistry_18_19.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            number = re.search(r"filename=(CN\w+)", row.get("href") or "")
            if number and (row.get("ChDiv_summary") or "").strip():
                docs.append({"id": f"cnki:{number[1]}", "title": row["title"], "abstract": row["ChDiv_summary"]})
    with settings.data_path("cn-export-samples", "patent_table_sample_10rows.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row.get("申请摘要") or "").strip():
                docs.append({"id": f"cnexp:{row['申请号']}", "title": row["专利名称"], "abstract": row["申请摘要"]})
    return docs


def demands(settings: Settings | None = None) -> list[dict]:
    """All demands of Requirements.csv: ``{"id", "title", "content"}`` (content with its labels and spaces folded)."""
    settings = settings or Settings()
    with settings.data_path("bdci2019-demand-achievement", "Requirements.csv").open(encoding="utf-8") as fh:
        return [{"id": r["R_ID"], "title": (r["R_Title"] or "").strip(),
                 "content": re.sub(r"\s+", "", re.sub(r"需求内容[:：]", "", r["R_Content"] or ""))}
                for r in csv.DictReader(fh)]


def select_demands(all_demands: list[dict], n: int = SAMPLE, seed: int = SEED) -> list[dict]:
    """The fixed query sample: demands whose title or first 300 characters name a field word, in R_ID order,
    then ``n`` drawn with a seeded RNG. Chosen on the demand text alone, before any retrieval."""
    eligible = sorted((d for d in all_demands if any(w in d["title"] + d["content"][:300] for w in FIELD_WORDS)),
                      key=lambda d: d["id"])
    return random.Random(seed).sample(eligible, min(n, len(eligible)))


def query_text(demand: dict, part: str = "full") -> str:
    """The query of a demand: its title, or the title and the start of its content."""
    return demand["title"] if part == "title" else f"{demand['title']}。{demand['content'][:QUERY_CHARS]}"


# -- index ---------------------------------------------------------------------------------------------------
def build_index(workspace: Path, docs: list[dict]) -> dict[int, str]:
    """A fresh scratch workspace with the corpus as patents, indexed; returns patent id → corpus id."""
    if workspace.exists():
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{workspace / 'panhuo.db'}")
    migrate(engine)
    with session_scope(engine) as session:
        for n, doc in enumerate(docs, start=1):
            session.add(Patent(application_no=f"BENCH{n:06d}", title=doc["title"], abstract=doc["abstract"],
                               extra={"corpus_id": doc["id"]}))
        session.flush()
        search_service.reindex(session, workspace=workspace, incremental=False)
        ids = dict(session.execute(select(Patent.id, Patent.application_no)).all())
    engine.dispose()
    return {pid: docs[int(app[5:]) - 1]["id"] for pid, app in ids.items()}


def run_methods(workspace: Path, mapping: dict[int, str], queries: list[dict]) -> dict[str, dict[str, list[str]]]:
    """Top-10 corpus ids of each method for each demand: {method: {R_ID: [ids]}}."""
    engine = make_engine(f"sqlite:///{workspace / 'panhuo.db'}")
    out: dict[str, dict[str, list[str]]] = {m: {} for m in METHODS}
    with session_scope(engine) as session:
        for demand in queries:
            for method, (part, mode) in METHODS.items():
                hits = search_service.search(session, query_text(demand, part), top=TOP, mode=mode,
                                             workspace=workspace)
                out[method][demand["id"]] = [mapping[h.patent_id] for h in hits]
    engine.dispose()
    return out


# -- metrics (pure) --------------------------------------------------------------------------------------------
def dcg(grades: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at_k(ranked: list[str], judged: dict[str, int], k: int = TOP) -> float:
    """nDCG@k with graded gains 2^g − 1; the ideal ranking is drawn from all judged documents of the query."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    return dcg([judged.get(d, 0) for d in ranked[:k]]) / ideal if ideal else 0.0


def precision_at_k(ranked: list[str], judged: dict[str, int], k: int = 5, threshold: int = 2) -> float:
    return sum(1 for d in ranked[:k] if judged.get(d, 0) >= threshold) / k


def coverage(ranked: list[str], judged: dict[str, int], k: int = TOP) -> float:
    return sum(1 for d in ranked[:k] if d in judged) / k if ranked else 1.0


def load_judgments(path: Path = JUDGMENTS) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                found.setdefault(row["demand"], {})[row["doc"]] = int(row["grade"])
    return found


def score(runs: dict[str, dict[str, list[str]]], judged: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Mean nDCG@10, P@5 (grade ≥ 2) and judged coverage of the top 10 per method over the judged demands."""
    table = {}
    for method, per_query in runs.items():
        rows = [(ndcg_at_k(r, judged[q]), precision_at_k(r, judged[q]), coverage(r, judged[q]))
                for q, r in per_query.items() if q in judged]
        table[method] = {name: round(sum(x[i] for x in rows) / len(rows), 4) if rows else 0.0
                         for i, name in enumerate(("nDCG@10", "P@5", "coverage@10"))}
    return table


# -- benchmark -----------------------------------------------------------------------------------------------
def run(scale: str) -> dict:
    settings = Settings()
    docs = corpus(settings)
    queries = select_demands(demands(settings))
    if scale == "small":
        queries = queries[:10]
    workspace = WORK / "demand_judged"
    started = time.perf_counter()
    mapping = build_index(workspace, docs)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    runs = run_methods(workspace, mapping, queries)
    query_seconds = (time.perf_counter() - started) / (len(queries) * len(METHODS))
    table = score(runs, load_judgments())
    lexical = table["lexical"]["nDCG@10"]
    rows = []
    for method, values in table.items():
        for metric, value in values.items():
            base = table["lexical"][metric]
            rows.append({"metric": f"{method} {metric}", "value": value, "unit": "",
                         "goal": "> lexical" if method == "hybrid" and metric == "nDCG@10" else "",
                         "baseline": base, "ratio": round(value / base, 3) if base else None,
                         "note": "baseline = lexical (full query)"})
    rows.append({"metric": "index build", "value": round(index_seconds, 1), "unit": "s", "goal": "", "baseline": "",
                 "ratio": None, "note": f"{len(docs)} abstracts"})
    rows.append({"metric": "query latency (mean, all methods)", "value": round(query_seconds * 1000, 1),
                 "unit": "ms", "goal": "", "baseline": "", "ratio": None, "note": ""})
    hybrid = table["hybrid"]["nDCG@10"]
    return {"title": "Judged retrieval on real enterprise demands (BDCI 2019 → KPPatent-ZH abstracts)",
            "goal": "hybrid nDCG@10 above lexical-only",
            "rows": rows,
            "notes": [(f"{len(queries)} demands (seeded sample {SEED} of the demands naming a field word), "
                       f"{len(docs)} real abstracts; pool = top-10 of the four methods, judged 0–3 blind to the "
                       "method by one judge (criteria in benchmarks/judgments/README.md); unjudged = 0."),
                      (f"hybrid {'beats' if hybrid > lexical else 'does NOT beat'} lexical: "
                       f"nDCG@10 {hybrid:.4f} vs {lexical:.4f}."),
                      "Run on a shared, loaded 2-core machine: timings are indicative only."]}


def write_pool(target: Path) -> None:
    """The shuffled pool (demand, doc) of all methods, without method names, for blind judging."""
    settings = Settings()
    docs = corpus(settings)
    by_id = {d["id"]: d for d in docs}
    queries = select_demands(demands(settings))
    workspace = WORK / "demand_judged"
    runs = run_methods(workspace, build_index(workspace, docs), queries)
    rng = random.Random(SEED)
    with target.open("w", encoding="utf-8") as fh:
        for demand in queries:
            pooled = sorted({d for m in runs.values() for d in m[demand["id"]]})
            rng.shuffle(pooled)
            fh.write(json.dumps({"demand": demand["id"], "query": query_text(demand)[:300],
                                 "docs": [{"doc": d, "title": by_id[d]["title"], "abstract": by_id[d]["abstract"][:160]}
                                          for d in pooled]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--pool":
        write_pool(Path(sys.argv[2]))
    else:
        print("usage: python -m benchmarks.bench_demand_judged --pool FILE", file=sys.stderr)
