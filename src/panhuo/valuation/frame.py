"""Build the evaluation input frame (``indicators.FRAME_SCHEMA``) from the database. Reads only."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhuo.accounts.models import Organisation
from panhuo.fees.engine import reduction_for_owners
from panhuo.fees.schedule import schedule_for
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty
from panhuo.valuation import indicators
from panhuo.valuation.models import EnterpriseFeedback, ExpertScore, SelfAssessment

IN_FORCE = ("valid", "unknown")
EXCLUSIVE = {"exclusive", "sole", "独占", "排他", "独占许可", "排他许可", "独占实施许可", "排他实施许可"}
_PATENT_COLS = (Patent.id, Patent.application_no, Patent.title, Patent.patent_type, Patent.legal_status, Patent.filing_date,
                Patent.grant_date, Patent.expiry_date, Patent.claims_count, Patent.independent_claims_count,
                Patent.first_claim, Patent.ipc_main, Patent.ipc_all, Patent.family_size, Patent.family_countries,
                Patent.backward_citation_count, Patent.npl_citation_count, Patent.forward_citation_count,
                Patent.transfer_count, Patent.licence_count, Patent.pledge_count, Patent.department_id, Patent.extra)


def build_frame(db_session: Session, *, as_of: date, patent_ids: Iterable[int] | None = None,
                statuses: Iterable[str] | None = IN_FORCE) -> pl.DataFrame:
    """One row per patent with everything the evaluation reads; unknown values stay null."""
    ids = select(Patent.id)  # the scope, as a sub-query (no parameter limits on large portfolios)
    if patent_ids is not None:
        ids = ids.where(Patent.id.in_(list(patent_ids)))
    if statuses is not None:
        ids = ids.where(Patent.legal_status.in_(list(statuses)))
    rows = [dict(r._mapping) for r in db_session.execute(select(*_PATENT_COLS).where(Patent.id.in_(ids))
                                                         .order_by(Patent.id))]
    if not rows:
        return indicators.empty_frame()
    owners = _owners(db_session, ids)
    events = _events(db_session, ids, as_of)
    selfs = _self_assessments(db_session, ids)
    feedback = _feedback(db_session, ids)
    experts = _expert_scores(db_session, ids)
    departments = _departments(db_session, {r["department_id"] for r in rows if r["department_id"]})
    sei = _sei_flags(db_session, [r["id"] for r in rows])
    records = []
    for r in rows:
        pid = r["id"]
        rec = _bibliographic(r)
        rec.update(owners.get(pid, {}))
        rec.update(_event_columns(events.get(pid), r))
        rec.update(selfs.get(pid, {}))
        rec.update(feedback.get(pid, {}))
        rec.update(experts.get(pid, {}))
        rec["department"] = departments.get(r["department_id"])
        rec["sei"] = sei.get(pid)
        records.append(rec)
    expert_cols = sorted({k for rec in records for k in rec if k.startswith("expert.")})
    schema = {**indicators.FRAME_SCHEMA, "title": pl.Utf8, **{c: pl.Float64 for c in expert_cols}}
    return pl.DataFrame(records, schema=schema)


def _bibliographic(r: dict) -> dict:
    extra = r["extra"] or {}
    subclasses = sorted({s for s in (indicators.ipc_subclass(c) for c in (r["ipc_all"] or [])) if s}
                        | ({indicators.ipc_subclass(r["ipc_main"])} if r["ipc_main"] else set()))
    return {
        "patent_id": r["id"], "application_no": r["application_no"], "title": r["title"], "patent_type": r["patent_type"],
        "legal_status": r["legal_status"], "filing_date": r["filing_date"], "grant_date": r["grant_date"],
        "expiry_date": r["expiry_date"], "claims_count": r["claims_count"],
        "independent_claims_count": r["independent_claims_count"],
        "first_claim_chars": len(r["first_claim"]) if r["first_claim"] else None,
        "ipc_main": r["ipc_main"], "ipc_subclasses": subclasses, "family_size": r["family_size"],
        "overseas_family": indicators.overseas_from_countries(r["family_countries"], r["family_size"]),
        "backward_citations": r["backward_citation_count"], "npl_citations": r["npl_citation_count"],
        "forward_citations": r["forward_citation_count"],
        "cited_subclasses": _subclasses(extra.get("cited_ipc")), "citing_subclasses": _subclasses(extra.get("citing_ipc")),
        "national_award": extra.get("national_award"),
    }


def _subclasses(codes) -> list[str] | None:
    if not codes:
        return None
    return [s for s in (indicators.ipc_subclass(c) for c in codes) if s] or None


def _owners(db_session: Session, ids) -> dict[int, dict]:
    """Owner count, enterprise co-owner, and the 费减 rate the owners qualify for (patentees, else applicants)."""
    stmt = (select(PatentParty.patent_id, PatentParty.role, Party.kind, Organisation.fee_reduction_eligible)
            .join(Party, Party.id == PatentParty.party_id)
            .outerjoin(Organisation, Organisation.id == Party.organisation_id)
            .where(PatentParty.patent_id.in_(ids), PatentParty.role.in_(["patentee", "applicant"])))
    by_patent: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for pid, role, kind, eligible in db_session.execute(stmt):
        by_patent[pid][role].append((kind, eligible))
    schedule = schedule_for(date.today())
    out = {}
    for pid, roles in by_patent.items():
        owners = roles.get("patentee") or roles.get("applicant") or []
        flags = [e if e is not None else (True if k in schedule.eligible_kinds else None) for k, e in owners]
        out[pid] = {"owner_count": len(owners), "enterprise_coowner": any(k == "enterprise" for k, _ in owners),
                    "reduction_pct": reduction_for_owners(flags, schedule).pct}
    return out


def _events(db_session: Session, ids, as_of: date) -> dict[int, dict]:
    stmt = select(LegalEvent.patent_id, LegalEvent.kind, LegalEvent.event_date, LegalEvent.details) \
        .where(LegalEvent.patent_id.in_(ids))
    out: dict[int, dict] = defaultdict(lambda: {"counts": Counter(), "exclusive": False, "ol_since": None})
    for pid, kind, when, details in db_session.execute(stmt):
        rec = out[pid]
        rec["counts"][kind] += 1
        details = details or {}
        if kind == "licence" and str(details.get("type", "")).lower() in EXCLUSIVE:
            until = details.get("expiry") or details.get("until")
            if until is None or str(until) >= as_of.isoformat():
                rec["exclusive"] = True
        if kind == "open_licence":
            rec["ol_since"] = when
    return out


def _event_columns(ev: dict | None, r: dict) -> dict:
    vendor = (r["transfer_count"], r["licence_count"], r["pledge_count"])
    if ev is None and all(v is None for v in vendor):
        return {"events_known": False}
    counts = ev["counts"] if ev else Counter()
    pick = lambda kind, vendor_count: max(counts.get(kind, 0), vendor_count or 0)
    pledges = pick("pledge", r["pledge_count"])
    return {
        "events_known": True, "invalidation_events": counts.get("invalidation", 0),
        "reexamination_events": counts.get("reexamination", 0), "transfer_events": pick("transfer", r["transfer_count"]),
        "licence_events": pick("licence", r["licence_count"]), "pledge_events": pledges,
        "pledge_active": counts.get("pledge", 0) > counts.get("pledge_release", 0),
        "exclusive_licence_active": bool(ev and ev["exclusive"]),
        "open_licence_active": bool(ev and ev["ol_since"]), "open_licence_since": ev["ol_since"] if ev else None,
    }


def _self_assessments(db_session: Session, ids) -> dict[int, dict]:
    latest = select(func.max(SelfAssessment.id)).where(SelfAssessment.patent_id.in_(ids)) \
        .group_by(SelfAssessment.patent_id)
    out = {}
    for sa in db_session.scalars(select(SelfAssessment).where(SelfAssessment.id.in_(latest))):
        modes = list(sa.modes or [])
        out[sa.patent_id] = {
            "self_value_grade": sa.value_grade, "trl": sa.trl, "implemented": sa.implemented,
            "scenario_count": len(sa.scenarios) if sa.scenarios is not None else None, "willing": sa.willing,
            "intent": modes[0] if modes else None, "free_trial": sa.free_trial,
            "funded_project": sa.funded_project, "strategic_hold": sa.strategic_hold,
            "asking_price": sa.asking_price,
        }
    return out


def _feedback(db_session: Session, ids) -> dict[int, dict]:
    stmt = (select(EnterpriseFeedback.patent_id, func.avg(EnterpriseFeedback.prospect),
                   func.max(EnterpriseFeedback.cooperation), func.count(EnterpriseFeedback.id))
            .where(EnterpriseFeedback.patent_id.in_(ids)).group_by(EnterpriseFeedback.patent_id))
    return {pid: {"enterprise_prospect": float(p) if p is not None else None,
                  "enterprise_cooperation": float(c) if c is not None else None, "enterprise_feedback_count": n}
            for pid, p, c, n in db_session.execute(stmt)}


def _expert_scores(db_session: Session, ids) -> dict[int, dict]:
    stmt = (select(ExpertScore.patent_id, ExpertScore.indicator, func.avg(ExpertScore.score))
            .where(ExpertScore.patent_id.in_(ids)).group_by(ExpertScore.patent_id, ExpertScore.indicator))
    out: dict[int, dict] = defaultdict(dict)
    for pid, key, score in db_session.execute(stmt):
        out[pid][f"expert.{key}"] = float(score)
    return out


def _departments(db_session: Session, dept_ids: set[int]) -> dict[int, str]:
    if not dept_ids:
        return {}
    stmt = select(Organisation.id, Organisation.name).where(Organisation.id.in_(dept_ids))
    return {oid: name for oid, name in db_session.execute(stmt)}


def _sei_flags(db_session: Session, ids) -> dict[int, bool | None]:
    """战略性新兴产业 flags from the industry library (``panhuo.library.service.sei_flags``); unknown when the
    library has not classified a patent."""
    from panhuo.library import service as library_service

    return library_service.sei_flags(db_session, list(ids))
