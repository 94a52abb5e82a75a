"""Bulk IPC → fields/industries/SEI/clusters classification (goal: 1M patents ≤ 60 s) and mapping coverage.

Inputs are synthetic patents (``synthetic=True``) whose IPC lists are drawn from real fragments: the IPC
main groups of ``cn-patent-titles-ipc/ipc_group_distribution.csv`` (with their frequencies) and the real
subclass label sets of the titles file.  Coverage is measured on the real titles themselves.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from panhuo.library import bulk
from panhuo.taxonomy import reference
from panhuo.taxonomy.catalog import get_catalog
from panhuo.taxonomy.clusters import load_clusters
from panhuo.taxonomy.coverage import coverage


def synthetic_patents(n: int, data_dir, seed: int = 7) -> pl.DataFrame:
    """``n`` synthetic patents, 1–4 real IPC main groups each, titles from real titles."""
    groups = pl.read_csv(data_dir / reference.TITLES / "ipc_group_distribution.csv", infer_schema=False)
    codes = groups["ipc_code"].to_list()
    weights = np.array([float(x) for x in groups["sample_count"].to_list()])
    titles = reference.titled_patents(data_dir)["title"].to_list()
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 5, size=n)
    flat = rng.choice(len(codes), size=int(counts.sum()), p=weights / weights.sum())
    offsets = np.concatenate([[0], np.cumsum(counts)])
    code_arr = np.array(codes, dtype=object)[flat]
    lists = [code_arr[offsets[i]:offsets[i + 1]].tolist() for i in range(n)]
    title_idx = rng.integers(0, len(titles), size=n)
    return pl.DataFrame({"patent_id": np.arange(1, n + 1), "codes": lists,
                         "title": np.array(titles, dtype=object)[title_idx].tolist(), "synthetic": [True] * n},
                        schema_overrides={"codes": pl.List(pl.Utf8)})


def sanity(catalog) -> tuple[float, int, list[str]]:
    """Share of hand-judged subclasses whose top mapped industry lies in an accepted 大类."""
    judged = yaml.safe_load((Path(__file__).parent / "taxonomy_sanity.yaml").read_text(encoding="utf-8"))["subclasses"]
    misses = []
    for sub, accepted in judged.items():
        top = catalog.industries_for([sub])
        if not top or top[0].target[:2] not in accepted:
            misses.append(f"{sub}→{top[0].target if top else '-'}")
    return 1 - len(misses) / len(judged), len(judged), misses


def db_build(patents: pl.DataFrame, catalog, clusters) -> tuple[float, int]:
    """`library.service.build` into a fresh SQLite workspace database (synthetic patents); seconds and rows."""
    from sqlalchemy import insert

    from panhuo.db import load_all_models, make_engine, migrate, session_scope
    from panhuo.library import service as library_service
    from panhuo.patents.models import Patent

    load_all_models()
    path = Path(__file__).parent / "out" / "taxonomy-build.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    rows = [{"application_no": f"SYN{pid:09d}", "title": title, "ipc_main": codes[0] if codes else None,
             "ipc_all": codes, "synthetic": True}
            for pid, codes, title in patents.select("patent_id", "codes", "title").iter_rows()]
    with session_scope(engine) as db:
        db.execute(insert(Patent), rows)
    t0 = time.perf_counter()
    with session_scope(engine) as db:
        result = library_service.build(db, catalog=catalog, clusters=clusters)
    seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds, result["rows"]


def run(scale: str) -> dict:
    data_dir = reference.resolve(None)
    n = 1_000_000 if scale == "full" else 50_000
    t0 = time.perf_counter()
    catalog = get_catalog(data_dir)
    clusters = load_clusters()
    load_s = time.perf_counter() - t0
    patents = synthetic_patents(n, data_dir)
    t0, c0 = time.perf_counter(), time.process_time()
    result = bulk.classify_frame(patents, catalog, clusters)
    classify_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    with_industry = result.filter(pl.col("scheme") == "gbt4754")["patent_id"].n_unique()
    cov = coverage(catalog)
    sane, judged, misses = sanity(catalog)
    n_db = 20_000 if scale == "full" else 2_000
    db_s, db_rows = db_build(patents.head(n_db), catalog, clusters)
    rows = [
        {"metric": f"classify {n:,} patents by IPC (all schemes + cluster fits)", "value": round(classify_s, 2),
         "unit": "s", "goal": "≤ 60 s for 1M" if scale == "full" else "", "baseline": "",
         "ratio": round(60 / classify_s, 2) if scale == "full" else "", "note": f"{len(result):,} assignment rows"},
        {"metric": "CPU time of the same run (all threads)", "value": round(cpu_s, 2), "unit": "s", "goal": "",
         "baseline": "", "ratio": "", "note": "wall time on an idle 2-core machine ≈ CPU time / 1–2"},
        {"metric": "throughput", "value": round(n / classify_s), "unit": "patents/s", "goal": "≥ 16,667/s",
         "baseline": "", "ratio": "", "note": ""},
        {"metric": f"`library build` of {n_db:,} patents into SQLite (classify + write + overrides)",
         "value": round(db_s, 2), "unit": "s", "goal": "", "baseline": "", "ratio": "",
         "note": f"{db_rows:,} rows written; ≈ {round(n_db / db_s):,} patents/s"},
        {"metric": "catalog build (load sets + interim mapping, once per process)", "value": round(load_s, 2),
         "unit": "s", "goal": "", "baseline": "", "ratio": "", "note": ""},
        {"metric": "synthetic patents with ≥ 1 industry", "value": round(with_industry / n, 4), "unit": "share",
         "goal": "", "baseline": "", "ratio": "", "note": ""},
        {"metric": "real patents mapped to an industry (cn-patent-titles-ipc)", "value": cov["patents_mapped"],
         "unit": "share", "goal": "", "baseline": "", "ratio": "", "note": f"{cov['patents']:,} real titles"},
        {"metric": "real patents mapped down to a 小类", "value": cov["patents_mapped_to_xiaolei"], "unit": "share",
         "goal": "", "baseline": "", "ratio": "", "note": "rest stop at 大类"},
        {"metric": "real patents with an SEI class", "value": cov["patents_with_sei"], "unit": "share",
         "goal": "", "baseline": "", "ratio": "", "note": "via 小类 → SEI 2018 tags"},
        {"metric": "hand-judged subclasses whose top industry is in an accepted 大类", "value": round(sane, 3),
         "unit": "share", "goal": "", "baseline": "", "ratio": "",
         "note": f"{judged} subclasses (benchmarks/taxonomy_sanity.yaml); misses: {', '.join(misses[:12])}"},
        {"metric": "IPC subclasses (of those in the titles) mapped", "value": cov["subclasses_mapped"],
         "unit": "share", "goal": "", "baseline": "", "ratio": "", "note": f"{cov['subclasses']} subclasses"},
        {"metric": "IPC subclasses mapped down to a 小类", "value": cov["subclasses_mapped_to_xiaolei"],
         "unit": "share", "goal": "", "baseline": "", "ratio": "", "note": str(cov["subclass_sources"])},
    ]
    return {"title": "Taxonomy: bulk IPC classification and mapping coverage", "goal": "1M patents ≤ 60 s",
            "rows": rows, "scale": scale,
            "notes": ["Shared, loaded machine (2 cores used by several engineers at once); single run.",
                      "Inputs are synthetic (synthetic=True) IPC lists drawn from real IPC main-group frequencies.",
                      ("Coverage uses the interim mapping (Fraunhofer NACE×IPC + Panhuo NACE→GB/T 4754 bridge + "
                       "title similarity); no official NBS/CNIPA table was loaded. Coverage is not accuracy.")]}
