"""The audit hook of evaluation runs: writing one ``patent.evaluation`` event per patent whose grade or
disposition changed, at portfolio scale, on a SQLite file database (WAL) under ``benchmarks/out/``.

Synthetic patents (``synthetic=True``; numbers and institutions only, nothing else is needed) are inserted at
run time; the measured step is :func:`panhuo.valuation.audit.record_changes` — the institution lookup plus the
bulk INSERTs — for every patent (the worst case: a first run, where every patent gets its first grade).
Baseline: the per-row path (``accounts.service.record_audit``: one ORM object and one flush per event) on a
sample, extrapolated per event.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import insert

from panhuo.accounts import service as accounts_service
from panhuo.accounts.models import Organisation
from panhuo.db import get_engine, migrate, session_scope
from panhuo.patents.models import Patent
from panhuo.valuation import audit

SIZES = {"small": 100_000, "full": 1_000_000}
SAMPLE = 5_000
OUT = Path(__file__).resolve().parent / "out" / "valuation_audit"


def _database(n: int):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"audit-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = get_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(engine) as db:
        orgs = [Organisation(name=f"合成大学{i}", kind="university") for i in range(20)]
        db.add_all(orgs)
        db.flush()
        ids = [o.id for o in orgs]
        for start in range(0, n, 50_000):
            db.execute(insert(Patent), [{"application_no": f"CN2020{i:08d}.X", "synthetic": True,
                                         "institution_id": ids[i % len(ids)]}
                                        for i in range(start, min(n, start + 50_000))])
    return engine


def run(scale: str) -> dict:
    n = SIZES.get(scale, SIZES["small"])
    engine = _database(n)
    with session_scope(engine) as db:
        pids = sorted(db.scalars(Patent.__table__.select().with_only_columns(Patent.id)))
    changes = {pid: audit.change(None, "三级", "转化运用") for pid in pids}
    with session_scope(engine) as db:
        t0 = time.perf_counter()
        written = audit.record_changes(db, changes=changes, run_id="bench", scenario="分级管理", actor="bench")
        db.commit()
        bulk_s = time.perf_counter() - t0
    with session_scope(engine) as db:
        t0 = time.perf_counter()
        for pid in pids[:SAMPLE]:
            accounts_service.record_audit(db_session=db, action=audit.ACTION, actor="bench", entity="patent",
                                          entity_id=pid, before={"grade": None}, after={"grade": "三级"})
        db.commit()
        per_row_s = (time.perf_counter() - t0) / SAMPLE
    bulk_per_event = bulk_s / written
    return {
        "title": "Valuation: audit of grade and disposition changes",
        "goal": "auditing a 1M-patent evaluation adds seconds, not minutes (bulk INSERT, no per-row round trips)",
        "scale": scale,
        "rows": [
            {"metric": f"audit {written:,} changes (lookup + bulk INSERT + commit)", "value": bulk_s, "unit": "s",
             "goal": "< 60 s for 1M (full)", "baseline": per_row_s * written,
             "ratio": round(per_row_s / bulk_per_event, 1),
             "note": f"baseline: per-row record_audit (ORM object + flush), {SAMPLE:,}-event sample extrapolated"},
            {"metric": "events per second (bulk)", "value": round(written / bulk_s), "unit": "1/s"},
            {"metric": "events per second (per-row baseline)", "value": round(1 / per_row_s), "unit": "1/s"},
        ],
        "notes": ["SQLite file database (WAL) under benchmarks/out/; synthetic patents (synthetic=True).",
                  "Worst case: every patent changes (a first run). Re-runs write only the patents that changed.",
                  "Run on a shared, loaded machine (2 cores shared by several engineers)."],
    }
