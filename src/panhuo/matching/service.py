"""Demands, their ranked patents, routing to institutions, and patent → enterprise push.

Keyword-only, ``db_session`` first, never commit.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from panhuo.db import utcnow
from panhuo.ingest import readers
from panhuo.matching import hooks, rules
from panhuo.matching.models import Demand, DemandMatch, DemandRoute, EnterpriseProfile
from panhuo.patents.models import Patent
from panhuo.search import service as search_service


class MatchingError(ValueError):
    """A matching request that cannot be carried out, with the reason."""


@dataclass
class DemandImport:
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)
    demand_ids: list[int] = field(default_factory=list)


# ---------------------------------------------------------------- demands


def get(*, db_session: Session, demand_id: int) -> Demand | None:
    return db_session.get(Demand, demand_id)


def list_demands(*, db_session: Session, status: str | None = None, enterprise_id: int | None = None,
                 limit: int = 100, offset: int = 0) -> list[Demand]:
    stmt = select(Demand).order_by(Demand.id.desc())
    if status:
        stmt = stmt.where(Demand.status == status)
    if enterprise_id is not None:
        stmt = stmt.where(Demand.enterprise_id == enterprise_id)
    return list(db_session.scalars(stmt.limit(limit).offset(offset)))


@dataclass(frozen=True)
class PatentMatch:
    """One stored demand match seen from the patent's side (for the patent page)."""

    demand_id: int
    title: str
    enterprise_name: str | None
    status: str
    rank: int
    score: float
    why: dict
    synthetic: bool


def matches_for_patent(*, db_session: Session, patent_id: int, limit: int = 10,
                       include_closed: bool = False) -> list[PatentMatch]:
    """The demands whose stored ranked matches include this patent, best score first (open demands only unless
    ``include_closed``); each carries the match explanation written by :func:`refresh`."""
    stmt = (select(DemandMatch, Demand).join(Demand, Demand.id == DemandMatch.demand_id)
            .where(DemandMatch.patent_id == patent_id)
            .order_by(DemandMatch.score.desc(), DemandMatch.demand_id).limit(limit))
    if not include_closed:
        stmt = stmt.where(Demand.status != "closed")
    return [PatentMatch(demand.id, demand.title, demand.enterprise_name, demand.status, match.rank, match.score,
                        match.why or {}, demand.synthetic)
            for match, demand in db_session.execute(stmt)]


def create(*, db_session: Session, demand_in: rules.DemandIn, enterprise_id: int | None = None,
           source: str | None = None, synthetic: bool = False) -> Demand:
    """A new demand, or the same external id updated in place."""
    demand = None
    if demand_in.external_id:
        demand = db_session.scalars(select(Demand).where(Demand.external_id == demand_in.external_id)).first()
    if demand is None:
        demand = Demand(title=demand_in.title, synthetic=synthetic)
        db_session.add(demand)
    for name in ("title", "text", "external_id", "enterprise_name", "region_code", "industry_codes", "budget_wan",
                 "preferred_mode", "deadline"):
        setattr(demand, name, getattr(demand_in, name))
    demand.enterprise_id = enterprise_id if enterprise_id is not None else demand.enterprise_id
    demand.source = source or demand.source
    demand.refreshed_at = None  # its matches are stale until refreshed
    db_session.flush()
    return demand


def import_demands(*, db_session: Session, path: Path | str, synthetic: bool = False) -> DemandImport:
    """Demands from a CSV or Excel file; a bad row or value is reported, every good one is kept."""
    path = Path(path)
    headers, rows = _read_table(path)
    columns = rules.column_map(headers)
    result = DemandImport()
    for number, row in rows:
        demand_in, problems = rules.parse_demand_row(row, columns)
        result.errors += [{"file": path.name, "row": number, "field": p.field, "value": p.value, "reason": p.reason}
                          for p in problems]
        if demand_in is None:
            continue
        existed = bool(demand_in.external_id) and db_session.scalars(
            select(Demand.id).where(Demand.external_id == demand_in.external_id)).first() is not None
        demand = create(db_session=db_session, demand_in=demand_in, source=path.name, synthetic=synthetic)
        result.updated += existed
        result.created += not existed
        result.demand_ids.append(demand.id)
    return result


def _read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """Headers and (data row number, {header: value}) of a CSV or Excel file, all values as text."""
    import polars as pl

    if not path.is_file():
        raise MatchingError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        encoding = readers.detect_encoding(path)
        source = path if encoding.startswith("utf-8") else io.BytesIO(path.read_bytes().decode(encoding).encode())
        frame = pl.read_csv(source, infer_schema=False, separator="\t" if suffix == ".tsv" else ",",
                            truncate_ragged_lines=True)
    elif suffix in (".xlsx", ".xls", ".xlsm"):
        frame = pl.read_excel(path, infer_schema_length=0)
    else:
        raise MatchingError(f"{path.name}: unsupported file type {suffix or '(none)'} (CSV, TSV, xlsx)")
    headers = [h.lstrip("\ufeff") for h in frame.columns]
    frame.columns = headers
    return headers, ((i, row) for i, row in enumerate(frame.iter_rows(named=True), start=1))


# ---------------------------------------------------------------- demand → patents


def index_stamp(workspace: Path | None = None) -> str:
    """Identifies the current state of the search index (changes whenever the library is re-indexed)."""
    manifest = search_service.index_root(workspace) / "manifest.json"
    if not manifest.exists():
        return "no-index"
    stat = manifest.stat()
    return hashlib.sha1(f"{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:16]


def rank_patents(*, db_session: Session, title: str, text: str, top: int = 20, workspace: Path | None = None,
                 fields: dict | None = None, filters: search_service.SearchFilters | None = None) -> list[dict]:
    """Ranked patents for a demand text, each with ``why`` (terms, similarity, shared fields, grade …)."""
    hits = search_service.search(db_session, rules.demand_query(title, text), top=top, filters=filters,
                                 workspace=workspace)
    demand_ipc = [code for code, _ in (fields or {}).get("ipc", [])][:5]
    out = []
    for hit in hits:
        why = dict(hit.why)
        if demand_ipc:
            why["demand_fields"] = demand_ipc
            why["shared_fields"] = [c for c in why.get("ipc", []) if c[:4] in {d[:4] for d in demand_ipc}]
        out.append({"patent_id": hit.patent_id, "patent": why.get("application_no"), "score": round(hit.score, 6),
                    "why": why})
    return out


def refresh(*, db_session: Session, demand: Demand, top: int = 20, workspace: Path | None = None) -> Demand:
    """Recompute a demand's keywords, fields and ranked patents against the current library."""
    demand.keywords = search_service.keywords_for(demand.text or demand.title, title=demand.title, top=10,
                                                  workspace=workspace)
    demand.fields = hooks.classify(f"{demand.title} {demand.text}", workspace=workspace)
    ranked = rank_patents(db_session=db_session, title=demand.title, text=demand.text, top=top,
                          workspace=workspace, fields=demand.fields)
    demand.matches.clear()
    db_session.flush()
    for rank, item in enumerate(ranked, start=1):
        demand.matches.append(DemandMatch(patent_id=item["patent_id"], rank=rank, score=item["score"],
                                          why=item["why"]))
    demand.refreshed_at = utcnow()
    demand.index_stamp = index_stamp(workspace)
    db_session.flush()
    return demand


def refresh_stale(*, db_session: Session, top: int = 20, workspace: Path | None = None,
                  force: bool = False) -> dict:
    """Refresh every open demand whose matches predate the current library index."""
    stamp = index_stamp(workspace)
    refreshed = skipped = 0
    for demand in db_session.scalars(select(Demand).where(Demand.status == "open").order_by(Demand.id)):
        if not force and demand.refreshed_at is not None and demand.index_stamp == stamp:
            skipped += 1
            continue
        refresh(db_session=db_session, demand=demand, top=top, workspace=workspace)
        refreshed += 1
    return {"refreshed": refreshed, "unchanged": skipped, "index": stamp}


def match_records(*, db_session: Session, records: Iterable[dict], top: int = 20,
                  workspace: Path | None = None) -> Iterator[dict]:
    """`panhuo match`: {"id","title","text"} in, {"id","results":[{"patent","score","why"}]} out."""
    for record in records:
        title = str(record.get("title") or "").strip()
        text = str(record.get("text") or "").strip()
        if not (title or text):
            yield {"id": record.get("id"), "error": "a demand needs a title or a text", "results": []}
            continue
        fields = hooks.classify(f"{title} {text}", workspace=workspace)
        ranked = rank_patents(db_session=db_session, title=title, text=text, top=top, workspace=workspace,
                              fields=fields)
        yield {"id": record.get("id"),
               "results": [{"patent": r["patent"], "score": r["score"], "why": r["why"]} for r in ranked]}


# ---------------------------------------------------------------- 企业出题、高校答题


def route(*, db_session: Session, demand: Demand, max_institutions: int = 3, days: int | None = None,
          today: date | None = None) -> list[DemandRoute]:
    """Send a demand to the institutions whose library patents match it best (by their matched patents)."""
    if not demand.matches:
        raise MatchingError(f"demand {demand.id} has no matches yet: refresh it first")
    by_institution: dict[int, list[int]] = defaultdict(list)
    scores: dict[int, float] = defaultdict(float)
    patents = {p.id: p for p in db_session.scalars(
        select(Patent).where(Patent.id.in_([m.patent_id for m in demand.matches])))}
    for match in demand.matches:
        patent = patents.get(match.patent_id)
        if patent is None or patent.institution_id is None:
            continue
        by_institution[patent.institution_id].append(patent.id)
        scores[patent.institution_id] += match.score
    existing = {r.institution_id for r in demand.routes}
    chosen = sorted(by_institution, key=lambda i: -scores[i])[:max_institutions]
    due = rules.respond_by(today or date.today(), days)
    created = []
    for institution_id in chosen:
        if institution_id in existing:
            continue
        r = DemandRoute(institution_id=institution_id, respond_by=due,
                        suggested_patent_ids=by_institution[institution_id][:10])
        demand.routes.append(r)
        created.append(r)
    db_session.flush()
    return created


def answer(*, db_session: Session, route_id: int, kind: str, responder: str, patent_ids: Iterable[int] = (),
           message: str | None = None) -> DemandRoute:
    """An institution answers a routed demand: proposed patents, a collaboration offer, or a decline with reason."""
    r = db_session.get(DemandRoute, route_id)
    if r is None:
        raise MatchingError(f"no routed demand {route_id}")
    if r.status != "waiting":
        raise MatchingError(f"routed demand {route_id} was already answered ({r.response_kind})")
    if kind not in rules.ROUTE_KINDS:
        raise MatchingError(f"unknown answer {kind!r}: use one of {', '.join(rules.ROUTE_KINDS)}")
    ids = [int(i) for i in patent_ids]
    if kind == "proposal" and not ids:
        raise MatchingError("a proposal names at least one patent")
    if kind == "decline" and not (message or "").strip():
        raise MatchingError("a decline needs a reason")
    if ids:
        owned = set(db_session.scalars(select(Patent.id).where(Patent.id.in_(ids),
                                                               Patent.institution_id == r.institution_id)))
        foreign = sorted(set(ids) - owned)
        if foreign:
            raise MatchingError(f"patents {foreign} do not belong to the answering institution")
    r.status, r.response_kind, r.proposed_patent_ids = "answered", kind, ids
    r.message, r.responder, r.responded_at = message, responder, utcnow()
    demand = r.demand
    if all(x.status == "answered" for x in demand.routes):
        demand.status = "answered"
    db_session.flush()
    return r


def route_stats(routes: Iterable[DemandRoute], *, today: date | None = None) -> dict:
    """Waiting, answered, overdue and the median response time in hours."""
    today = today or date.today()
    routes = list(routes)
    hours = sorted(h for r in routes if (h := rules.response_hours(r.routed_at, r.responded_at)) is not None)
    return {"routed": len(routes), "answered": sum(r.status == "answered" for r in routes),
            "overdue": sum(rules.is_overdue(r.respond_by, r.status, today) for r in routes),
            "median_response_hours": hours[len(hours) // 2] if hours else None}


# ---------------------------------------------------------------- patent → enterprises


def upsert_profile(*, db_session: Session, organisation_id: int, name: str, business_scope: str | None = None,
                   industry_codes: list[str] | None = None, region_code: str | None = None,
                   synthetic: bool = False) -> EnterpriseProfile:
    profile = db_session.scalars(select(EnterpriseProfile).where(
        EnterpriseProfile.organisation_id == organisation_id)).first()
    if profile is None:
        profile = EnterpriseProfile(organisation_id=organisation_id, name=name, synthetic=synthetic)
        db_session.add(profile)
    profile.name = name
    profile.business_scope = business_scope
    profile.industry_codes = list(industry_codes or [])
    profile.region_code = region_code
    db_session.flush()
    return profile


@dataclass
class _Candidate:
    key: str
    name: str
    organisation_id: int | None
    region_code: str | None
    industry_codes: list[str]
    texts: list[str]
    demand_ids: list[int]


def _candidates(db_session: Session) -> list[_Candidate]:
    found: dict[str, _Candidate] = {}
    for p in db_session.scalars(select(EnterpriseProfile)):
        found[f"org:{p.organisation_id}"] = _Candidate(f"org:{p.organisation_id}", p.name, p.organisation_id,
                                                       p.region_code, list(p.industry_codes),
                                                       [p.business_scope or ""], [])
    for d in db_session.scalars(select(Demand).where(Demand.status != "closed")):
        key = f"org:{d.enterprise_id}" if d.enterprise_id else f"name:{d.enterprise_name or d.id}"
        c = found.setdefault(key, _Candidate(key, d.enterprise_name or f"需求 #{d.id}", d.enterprise_id,
                                             d.region_code, list(d.industry_codes), [], []))
        c.texts.append(f"{d.title} {d.text[:400]}")
        c.demand_ids.append(d.id)
        c.industry_codes = sorted({*c.industry_codes, *d.industry_codes})
    return [c for c in found.values() if any(t.strip() for t in c.texts)]


def enterprises_for_patents(*, db_session: Session, patent_ids: list[int], top: int = 10,
                            region_prefix: str | None = None) -> list[dict]:
    """Ranked enterprises for a patent (or a set, e.g. a department's 转化运用 batch), with reasons."""
    patents = list(db_session.scalars(select(Patent).where(Patent.id.in_(patent_ids))))
    if not patents:
        raise MatchingError("no such patents")
    candidates = _candidates(db_session)
    if not candidates:
        return []
    settings = rules.push_settings()
    patent_vecs = search_service.embed_texts([f"{p.title} {p.abstract or ''}"[:800] for p in patents])
    cand_vecs = search_service.embed_texts([" ".join(c.texts)[:1500] for c in candidates])
    sims = np.asarray(cand_vecs @ patent_vecs.T)  # candidates × patents
    industries = hooks.patent_industries(db_session, [p.id for p in patents])
    results = []
    for ci, cand in enumerate(candidates):
        best_j = int(np.argmax(sims[ci]))
        patent = patents[best_j]
        overlap, shared = rules.industry_overlap(industries.get(patent.id, {}), cand.industry_codes)
        region = None if region_prefix is None else bool(cand.region_code and
                                                          cand.region_code.startswith(region_prefix))
        fit = rules.enterprise_fit(text_similarity=float(sims[ci, best_j]), industry=overlap,
                                   shared_industries=shared, region_match=region, weights=settings["weights"])
        if fit.parts["text"] < settings["min_text_similarity"] and not shared:
            continue
        results.append({"enterprise": cand.name, "organisation_id": cand.organisation_id, "score": fit.score,
                        "why": {"best_patent": patent.application_no, "parts": fit.parts, "reasons": fit.reasons,
                                "demand_ids": cand.demand_ids, "industries_known": bool(industries.get(patent.id))}})
    results.sort(key=lambda r: -r["score"])
    return results[:top]
