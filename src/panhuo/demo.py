"""`panhuo demo`: build a demo workspace and run the main job end to end.

Steps: workspace → demo organisations and accounts → import real sample exports and XML from the data directory
plus a synthetic export (marked synthetic) → 入库 (industry library) → 分级分类评估 → search index → text
classifier trained → real enterprise demands classified and matched to the library → inventory summary. Each step
reports what it did; a step whose reference data is absent says so and the demo goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from panhuo.config import Settings
from panhuo.db import get_engine, session_scope
from panhuo.patents.models import Patent
from panhuo.workspace import init_workspace

Say = Callable[[str, dict], None]

REAL_SAMPLES = [  # (data set, file pattern): real records read at run time from the data directory
    ("cn-export-samples", "patent_table_sample_10rows.csv"),
    ("cn-export-samples", "cnki_MaterialChemistry_18_19.xlsx"),
    ("cnipa-xml-samples", "*.xml"),
    ("cnipa-xml-samples", "*.XML"),
]
DEMANDS = ("bdci2019-demand-achievement", "Requirements.csv")


def real_sample_files(settings: Settings) -> list[Path]:
    files: list[Path] = []
    for dataset, pattern in REAL_SAMPLES:
        if settings.has_data(dataset):
            files += sorted(settings.data_path(dataset).glob(pattern))
    return files


def build_demo(settings: Settings, *, synthetic_rows: int = 1000, say: Say) -> dict:
    """Build (or refresh) the demo workspace; returns a summary with the demo accounts."""
    summary: dict = {}
    summary["workspace"] = init_workspace(settings.workspace, db_url=settings.db)
    engine = get_engine(settings.db_url)
    say("workspace", summary["workspace"])

    from panhuo.web.demo import seed_demo

    with session_scope(engine) as db:
        summary["accounts"] = seed_demo(db)
    say("accounts", {"accounts": len(summary["accounts"])})

    summary["import"] = _import(settings, engine, synthetic_rows)
    say("import", summary["import"])

    summary["library"] = _library(settings, engine)
    say("library", summary["library"])

    summary["evaluate"] = _evaluate(engine)
    say("evaluate", summary["evaluate"])

    from panhuo.search import service as search_service

    with session_scope(engine) as db:
        summary["index"] = search_service.reindex(db, workspace=settings.workspace).__dict__
    say("index", summary["index"])

    summary["classifier"] = _classifier(settings, say)
    say("classifier", summary["classifier"])

    summary["demands"] = _demands(settings, engine)
    say("demands", summary["demands"])

    with session_scope(engine) as db:
        summary["inventory"] = inventory_summary(db)
    say("inventory", summary["inventory"])
    return summary


def _import(settings: Settings, engine, synthetic_rows: int) -> dict:
    from panhuo.ingest import flows as ingest_flows
    from panhuo.ingest import synthetic

    out: dict = {}
    real = real_sample_files(settings)
    if real:
        result = ingest_flows.import_files(engine=engine, paths=real, workspace=settings.workspace, user="demo")
        out["real"] = {k: result.counts.get(k) for k in ("imported", "updated", "unchanged", "rejected")}
        out["real"]["files"] = len(real)
    else:
        out["real"] = {"skipped": f"no sample exports in {settings.data} (set PANHUO_DATA)"}
    if synthetic_rows:
        path = settings.workspace / "imports" / "synthetic-export.csv"
        synthetic.write_export(path, rows=synthetic_rows, fmt="csv", settings=settings)
        result = ingest_flows.import_files(engine=engine, paths=[path], workspace=settings.workspace, user="demo")
        out["synthetic"] = {k: result.counts.get(k) for k in ("imported", "updated", "unchanged", "rejected")}
    return out


def _library(settings: Settings, engine) -> dict:
    from panhuo.library import service as library_service
    from panhuo.taxonomy.catalog import get_catalog

    catalog = get_catalog(settings.data, settings.workspace)
    with session_scope(engine) as db:
        return library_service.build(db, catalog=catalog)


def _evaluate(engine) -> dict:
    from panhuo.valuation import engine as valuation_engine
    from panhuo.valuation import service as valuation_service

    with session_scope(engine) as db:
        result = valuation_service.evaluate_portfolio(db_session=db, method=valuation_engine.load_method())
        dispositions = Counter(valuation_service.latest_dispositions(db_session=db).values())
    return {**{k: v for k, v in result.items() if isinstance(v, int | float | str)},
            "dispositions": dict(dispositions)}


def _classifier(settings: Settings, say: Say) -> dict:
    """Train the text → IPC/WIPO/industry classifier once, so that demands get fields (kept when present).
    Training takes a few minutes; its stages are reported as ``classifier`` progress lines."""
    from panhuo.taxonomy import reference
    from panhuo.taxonomy import service as taxonomy_service

    try:
        taxonomy_service.load_model(settings.workspace)
        return {"kept": str(taxonomy_service.model_path(settings.workspace))}
    except taxonomy_service.ModelMissing:
        pass
    if not settings.has_data(reference.TITLES):
        return {"skipped": f"no {reference.TITLES} in {settings.data} (set PANHUO_DATA)"}
    metrics = taxonomy_service.train(data_dir=settings.data, workspace=settings.workspace,
                                     progress=lambda msg: say("classifier", {"progress": msg}))
    return {k: v for k, v in metrics.items() if isinstance(v, int | float | str)}


def _demands(settings: Settings, engine) -> dict:
    from panhuo.matching import service as matching_service

    if not settings.has_data(DEMANDS[0]):
        return {"skipped": f"no demand file in {settings.data} (set PANHUO_DATA)"}
    with session_scope(engine) as db:
        result = matching_service.import_demands(db_session=db, path=settings.data_path(*DEMANDS))
    with session_scope(engine) as db:
        refreshed = matching_service.refresh_stale(db_session=db, workspace=settings.workspace, top=10)
    return {"created": result.created, "updated": result.updated, "problems": len(result.errors), **refreshed}


def inventory_summary(db) -> dict:
    """Counts an institution's TTO wants first: by type, legal status, institution, and real vs synthetic."""
    def counts(column) -> dict:
        return {str(k): v for k, v in db.execute(select(column, func.count()).group_by(column)).all()}

    from panhuo.accounts.models import Organisation

    by_institution = db.execute(
        select(Organisation.name, func.count(Patent.id)).join(Patent, Patent.institution_id == Organisation.id)
        .group_by(Organisation.name).order_by(func.count(Patent.id).desc()).limit(10)).all()
    return {"patents": db.scalar(select(func.count(Patent.id))), "by_type": counts(Patent.patent_type),
            "by_status": counts(Patent.legal_status), "synthetic": counts(Patent.synthetic),
            "top_institutions": {name: n for name, n in by_institution}, "as_of": date.today().isoformat()}
