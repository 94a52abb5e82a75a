"""Import throughput: synthetic 61-column CSV / xlsx → SQLite (and PostgreSQL with COPY when PANHUO_BENCH_PG is set).

Each import runs `panhuo import` in a child process (wall time and peak RSS measured from outside); the
baseline is polars.read_csv / fastexcel reading the same file in the same run.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
import uuid

from benchmarks.harness import WORK, run_measured

SCALES = {"small": (20_000, 5_000), "full": (1_000_000, 100_000)}


def _baseline_csv(path) -> float:
    import polars as pl

    start = time.perf_counter()
    pl.read_csv(path, infer_schema=False)
    return time.perf_counter() - start


def _baseline_xlsx(path) -> float:
    import fastexcel

    start = time.perf_counter()
    fastexcel.read_excel(path).load_sheet(0, dtypes="string").to_polars()
    return time.perf_counter() - start


def _pg_base() -> str | None:
    return os.environ.get("PANHUO_BENCH_PG") or os.environ.get("PANHUO_TEST_PG")


def _pg_database(base: str, name: str | None = None) -> str:
    """Create a fresh database (or drop ``name``) on the server of ``base``; returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if name:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        else:
            name = f"panhuo_bench_{uuid.uuid4().hex[:8]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _import(file, db: str | None, label: str) -> tuple[float, float, dict]:
    ws = WORK / f"ws-{label}"
    shutil.rmtree(ws, ignore_errors=True)
    panhuo = [sys.executable, "-c", "from panhuo.cli import main; main()"]  # `-m panhuo.cli` has no __main__
    base = panhuo + ["--workspace", str(ws)] + (["--db", db] if db else [])
    run_measured(base + ["init", str(ws)])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, rss, out = run_measured(base + ["import", str(file), "--json"])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(out.strip().splitlines()[-1])
    summary["cpu_seconds"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, rss, summary


def run(scale: str) -> dict:
    from panhuo.ingest.synthetic import write_export

    csv_rows, xlsx_rows = SCALES[scale]
    WORK.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = WORK / f"export61-{csv_rows}.csv", WORK / f"export61-{xlsx_rows}.xlsx"
    if not csv_path.exists():
        write_export(csv_path, rows=csv_rows, fmt="csv")
    if not xlsx_path.exists():
        write_export(xlsx_path, rows=xlsx_rows, fmt="xlsx")
    goal_csv = 60 * csv_rows / 1_000_000
    goal_xlsx = 30 * xlsx_rows / 100_000
    tiny = WORK / "export61-2.csv"  # the fixed cost of one `panhuo import` process (start, imports, report)
    with csv_path.open(encoding="utf-8") as src, tiny.open("w", encoding="utf-8") as dst:
        dst.writelines(line for _i, line in zip(range(3), src))
    start_seconds, _rss, start_summary = _import(tiny, None, "start")
    start_cpu = start_summary["cpu_seconds"]
    out = []
    load = os.getloadavg()[0]
    pg_base = _pg_base()
    targets = ["SQLite"] + (["PostgreSQL COPY"] if pg_base else [])
    for backend in targets:
        for kind, path, rows, goal, baseline in (("CSV", csv_path, csv_rows, goal_csv, _baseline_csv),
                                                 ("xlsx", xlsx_path, xlsx_rows, goal_xlsx, _baseline_xlsx)):
            db = _pg_database(pg_base) if backend != "SQLite" else None  # a fresh database per import
            seconds, rss, summary = _import(path, db, f"{backend[:2]}-{kind}")
            if summary.get("imported") != rows:  # a benchmark that imported nothing must not look fast
                raise RuntimeError(f"{backend} {kind}: imported {summary.get('imported')} of {rows} rows: {summary}")
            if db:
                _pg_database(pg_base, db.rsplit("/", 1)[1].split("?")[0])
            base = baseline(path)
            out.append({"metric": f"{kind} {rows:,} rows → {backend}", "value": round(seconds, 1), "unit": "s",
                        "goal": f"≤ {goal:g} s", "baseline": round(base, 2), "ratio": round(seconds / base, 1),
                        "note": f"peak RSS {rss:,.0f} MiB; {rows / seconds:,.0f} rows/s; import process CPU "
                                f"{summary['cpu_seconds']:.1f} s ({summary['cpu_seconds'] / rows * 1e6:,.0f} µs/row); "
                                f"net of process start ({start_seconds:.1f} s wall, {start_cpu:.1f} s CPU): "
                                f"{max(seconds - start_seconds, 0.01):.1f} s wall, "
                                f"{(summary['cpu_seconds'] - start_cpu) / rows * 1e6:,.0f} µs/row CPU; "
                                f"load average {os.getloadavg()[0]:.1f}"})
    return {
        "title": "Import: synthetic 61-column exports", "scale": scale,
        "goal": "CSV 1M rows → SQLite ≤ 60 s, peak RSS ≤ 3 GB; xlsx 100k rows ≤ 30 s (goals scaled linearly for "
                "--scale small); ratio = import time / polars.read_csv or fastexcel reading the same file",
        "rows": out,
        "notes": [f"Run on a shared, loaded 2-core machine (other engineers' tests and benchmarks running; load "
                  f"average {load:.1f} at the start), so wall times are upper bounds; the ratio to polars/fastexcel "
                  "is measured in the same run under the same load.",
                  "Bulk path: slices of 10,000 rows prepared without the database (ingest/prepare.py: cells parsed "
                  "column by column once per distinct value, clean new rows turned into insert columns in storage "
                  "form) — for a CSV of 24 MiB or more in a worker process (ingest/pipeline.py) on the other core — "
                  "and loaded by the main process (ingest/fastpath.py: stored numbers, reserved ids, parties, "
                  "organisations; executemany on SQLite or COPY on PostgreSQL on a writer thread). The seven "
                  "non-unique patents indexes are dropped for a load into an empty database and built once at the "
                  "end; a first SQLite import uses a rollback journal instead of WAL (pages written once). Rows "
                  "with any problem, repeats and stored numbers take the per-record upsert (same errors/merge).",
                  "CPU is the import process's user+system time over all its threads and its worker process (the "
                  "PostgreSQL server's work is not in it); preparing and writing overlap on two cores, so wall time "
                  "is below CPU time.",
                  "Wall time includes process start, migrations check, parsing, parties, events, record sources "
                  "(compact provenance) and the error report.",
                  "Provenance is one record_sources row per imported row with a field bit mask; one FieldProvenance "
                  "row per field (≈35 per record) would multiply the rows written by ~35."],
    }
