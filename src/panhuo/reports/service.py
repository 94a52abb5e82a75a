"""统计: the metrics of the whole 盘活 chain and the dashboards. Keyword-only, session first, never commits.

For other features (the web dashboards)::

    from panhuo.reports import service as reports_service
    reports_service.metrics(db_session=s, institution_id=3)                 # [Metric, …]
    reports_service.dashboard(db_session=s, scope=reports_service.Scope(institution_id=3))
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from panhuo.patents.models import Patent
from panhuo.reports import definitions, figures, rules
from panhuo.reports.facts import Facts, Scope, gather, scoped_patents
from panhuo.reports.rules import Metric

__all__ = ["Metric", "Scope", "metrics", "dashboard", "definition_rows"]


def metrics(*, db_session: Session, institution_id: int | None = None, department_id: int | None = None,
            as_of: date | None = None, metric_set: definitions.MetricSet | None = None) -> list[Metric]:
    """Every metric of the definition file for the scope, in file order (variants after their metric).

    A metric whose data is missing is returned with ``available=False`` and the reason, never as 0.
    """
    return _metrics(db_session, Scope(institution_id, department_id, as_of), metric_set or definitions.load())[0]


def _metrics(db_session: Session, scope: Scope, mset: definitions.MetricSet) -> tuple[list[Metric], Facts]:
    facts = gather(db_session, scope, min_grade=int(mset.parameters.get("good_prospect_min_grade", 4)))
    out: list[Metric] = []
    figs: dict[str, figures.Figure] = {}
    failed: dict[str, str] = {}
    window = int(mset.parameters.get("window_months", 12))
    for name, fn in (("transactions", lambda: figures.transactions(db_session, scope, facts.scope_ids)),
                     ("maintenance", lambda: figures.maintenance(db_session, scope, facts.scope_ids,
                                                                 facts.sets["lapsed"], window_months=window))):
        if any(d.figure and d.group == name for d in mset.metrics):
            try:
                figs.update(fn())
            except figures.Unavailable as exc:
                failed[name] = str(exc)
    for defn in mset.metrics:
        if not defn.figure:
            out.extend(rules.rate_metrics(defn, facts.sets, facts.reasons))
        elif defn.figure in figs:
            value, num, den, breakdown = figs[defn.figure]
            out.append(rules.figure_metric(defn, value, numerator=num, denominator=den, breakdown=breakdown))
        else:
            out.append(rules.unavailable(defn, failed.get(defn.group, f"no figure named {defn.figure!r}")))
    return out, facts


def definition_rows(metric_set: definitions.MetricSet | None = None) -> list[dict]:
    """The definitions as rows (for the definitions sheet and the docs)."""
    mset = metric_set or definitions.load()
    rows = []
    for d in mset.metrics:
        num = " ∪ ".join(d.numerator) if d.numerator else (d.figure or "")
        den = " ∩ ".join(d.denominator)
        rows.append({"id": d.id, "group": d.group, "zh": d.zh, "en": d.en, "kind": d.kind, "numerator": num,
                     "denominator": den, "variants": ", ".join(d.variants), "label": d.label, "source": d.source,
                     "notes": d.notes})
    return rows


# ------------------------------------------------------------------ dashboard

def dashboard(*, db_session: Session, scope: Scope | None = None,
              metric_set: definitions.MetricSet | None = None) -> dict:
    """What the operator (``Scope()``) and institution (``Scope(institution_id=…)``) dashboards show, in one
    call: the metrics by group, distributions (grade, disposition, industry, type, legal status), the fee
    calendar summary, the campaign funnel, and (operator view) 盘点率/入库率 per institution."""
    scope = scope or Scope()
    mset = metric_set or definitions.load()
    found, facts = _metrics(db_session, scope, mset)
    groups = [{**g, "metrics": [m.to_dict() for m in found if m.group == g["id"]]} for g in mset.groups]
    return {
        "scope": {"institution_id": scope.institution_id, "department_id": scope.department_id,
                  "as_of": scope.as_of},
        "definitions": mset.label,
        "patents": len(facts.scope_ids),
        "groups": groups,
        "distributions": _distributions(db_session, scope, facts),
        "fees": _fee_calendar(db_session, scope, facts.scope_ids),
        "funnel": _funnel(db_session, scope),
        "per_institution": _per_institution(db_session, facts) if scope.institution_id is None else [],
    }


def _distributions(db_session: Session, scope: Scope, facts: Facts) -> dict:
    rows = db_session.execute(scoped_patents(select(Patent.id, Patent.patent_type, Patent.legal_status), scope)).all()
    valid = facts.sets["valid"]
    out = {"patent_type": rules.distribution([r[1] for r in rows], missing="unknown"),
           "legal_status": rules.distribution([r[2] for r in rows], missing="unknown")}
    try:
        from panhuo.valuation import service as valuation_service

        latest = valuation_service.latest(db_session=db_session, patent_ids=sorted(valid))
        out["grade"] = rules.distribution([getattr(latest.get(p), "grade", None) for p in valid])
        out["disposition"] = rules.distribution([getattr(latest.get(p), "disposition", None) for p in valid])
    except ImportError as exc:
        out["grade"] = out["disposition"] = {"available": False, "reason": f"valuation not installed ({exc.name})"}
    out["industry"], out["industry_source"] = _industries(db_session, valid)
    return out


def _industries(db_session: Session, patent_ids: set[int]) -> tuple[dict, str]:
    """GB/T 4754 门类 (section letter) of each valid patent's first industry code."""
    try:
        from panhuo.licensing import adapters
    except ImportError as exc:
        return {"available": False, "reason": f"no industry bridge ({exc.name})"}, "none"
    patents = list(db_session.scalars(select(Patent).where(Patent.id.in_(sorted(patent_ids))))) if patent_ids else []
    codes, source = adapters.patent_industries(db_session, patents)
    return rules.distribution([(codes.get(p.id) or [None])[0] and codes[p.id][0][:1] for p in patents],
                              missing="未分类"), source


def _fee_calendar(db_session: Session, scope: Scope, patent_ids: set[int], months: int = 12) -> dict:
    try:
        from panhuo.fees import service as fees_service
    except ImportError as exc:
        return {"available": False, "reason": f"the fees feature is not installed ({exc.name})"}
    as_of = scope.as_of or date.today()
    entries = [e for e in fees_service.payment_calendar(db_session=db_session, as_of=as_of, months=months,
                                                         institution_id=scope.institution_id)
               if e.patent_id in patent_ids]
    return {"available": True, "as_of": as_of, "months": months, "fees": len(entries),
            "total": sum(e.fee_fen for e in entries) / 100,
            "by_month": {m: f / 100 for m, f in fees_service.monthly_totals(entries).items()},
            "next": [{"patent_id": e.patent_id, "application_no": e.application_no, "title": e.title,
                      "year": e.year, "due_date": e.due_date, "fee": e.fee_fen / 100} for e in entries[:10]]}


def _funnel(db_session: Session, scope: Scope) -> dict:
    try:
        from panhuo.licensing import campaigns
    except ImportError as exc:
        return {"available": False, "reason": f"the licensing feature is not installed ({exc.name})"}
    if scope.institution_id is None:
        return {"available": True, "all": campaigns.funnel_metrics(db_session=db_session)[0],
                "by_campaign": campaigns.funnel_metrics(db_session=db_session, by="campaign")}
    from panhuo.accounts.models import Organisation

    org = db_session.get(Organisation, scope.institution_id)
    rows = campaigns.funnel_metrics(db_session=db_session, by="institution")
    mine = next((r for r in rows if org is not None and r["group"] == org.name), None)
    return {"available": True, "all": mine, "by_campaign": [],
            "note": None if mine else "no patents of this institution were pushed in a campaign yet"}


def _per_institution(db_session: Session, facts: Facts) -> list[dict]:
    """盘点率 and 入库率 of each institution (operator view), from the same facts as the metrics."""
    from panhuo.accounts.models import Organisation

    owner = dict(db_session.execute(select(Patent.id, Patent.institution_id)
                                    .where(Patent.institution_id.is_not(None))).all())
    members: dict[int, set[int]] = {}
    for pid in facts.scope_ids:
        if owner.get(pid) is not None:
            members.setdefault(owner[pid], set()).add(pid)
    names = dict(db_session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_(list(members)))).all()) if members else {}
    wanted = [d for d in definitions.load().metrics if d.id in ("inventory_rate", "library_rate")]
    out = []
    for inst in sorted(members, key=lambda i: (names.get(i, ""), i)):
        own = {k: (None if v is None else v & members[inst]) for k, v in facts.sets.items()}
        row = {"institution_id": inst, "name": names.get(inst, f"#{inst}"), "patents": len(members[inst])}
        for d in wanted:
            m = rules.rate_metric(d, own, facts.reasons)
            row[d.id], row[f"{d.id}_counts"] = m.value, [m.numerator, m.denominator]
        out.append(row)
    return out
