"""Valuation services: people's indicators, evaluation runs and their history. Keyword-only, never commit.

For other features::

    from panhuo.valuation import service as valuation_service
    valuation_service.save_self_assessment(db_session=s, patent_id=1, data={"trl": 6, "modes": ["许可"]}, author="li")
    valuation_service.latest(db_session=s, patent_ids=[1, 2])            # {patent_id: Evaluation}
    valuation_service.latest_dispositions(db_session=s)                  # {patent_id: "开放许可", …}
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date

import polars as pl
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhuo.patents.models import Patent
from panhuo.valuation import audit as valuation_audit
from panhuo.valuation import engine, schemas
from panhuo.valuation.frame import build_frame
from panhuo.valuation.models import EnterpriseFeedback, Evaluation, ExpertScore, SelfAssessment

BATCH = 2000


class InputError(ValueError):
    """Bad input from a person or a file; the message says which field and why."""


def _check(model, data, what: str):
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or what}: {e['msg']}" for e in exc.errors())
        raise InputError(f"{what}: {problems}") from exc


def _patent_or_raise(db_session: Session, patent_id: int) -> None:
    if db_session.get(Patent, patent_id) is None:
        raise LookupError(f"no patent with id {patent_id}")


def _record(db_session: Session, model, schema, data, what: str, patent_id: int, date_field: str, **who):
    """Validate one input from people, date it (today unless given) and store it as a new row."""
    data_in = _check(schema, data, what)
    _patent_or_raise(db_session, patent_id)
    values = data_in.model_dump()
    values[date_field] = values[date_field] or date.today()
    row = model(patent_id=patent_id, **who, **values)
    db_session.add(row)
    db_session.flush()
    return row


def save_self_assessment(*, db_session: Session, patent_id: int, data: dict | schemas.SelfAssessmentIn,
                         author: str) -> SelfAssessment:
    """Record an inventor's 价值分级自评 (a new row; the latest one is used by evaluations)."""
    return _record(db_session, SelfAssessment, schemas.SelfAssessmentIn, data, "self-assessment", patent_id,
                   "assessed_on", author=author)


def save_enterprise_feedback(*, db_session: Session, patent_id: int, data: dict | schemas.EnterpriseFeedbackIn,
                             author: str) -> EnterpriseFeedback:
    """Record one enterprise's evaluation (产业化前景, 技术改进需求, 合作意愿)."""
    return _record(db_session, EnterpriseFeedback, schemas.EnterpriseFeedbackIn, data, "enterprise feedback",
                   patent_id, "given_on", author=author)


def save_expert_score(*, db_session: Session, patent_id: int, data: dict | schemas.ExpertScoreIn,
                      expert: str) -> ExpertScore:
    """Record an expert's 0–100 score for a tree input ``expert.<indicator>``."""
    return _record(db_session, ExpertScore, schemas.ExpertScoreIn, data, "expert score", patent_id, "scored_on",
                   expert=expert)


def list_self_assessments(*, db_session: Session, patent_id: int) -> list[SelfAssessment]:
    stmt = select(SelfAssessment).where(SelfAssessment.patent_id == patent_id).order_by(SelfAssessment.id.desc())
    return list(db_session.scalars(stmt))


def list_enterprise_feedback(*, db_session: Session, patent_id: int) -> list[EnterpriseFeedback]:
    stmt = select(EnterpriseFeedback).where(EnterpriseFeedback.patent_id == patent_id) \
        .order_by(EnterpriseFeedback.id.desc())
    return list(db_session.scalars(stmt))


def evaluate_portfolio(*, db_session: Session, method: engine.Method, as_of: date | None = None,
                       patent_ids: Iterable[int] | None = None, force: bool = False,
                       on_progress: Callable[[int, int], None] | None = None, actor: str = "system") -> dict:
    """Evaluate in-force patents and store one :class:`Evaluation` per patent whose inputs changed.

    A patent whose input hash equals its latest evaluation's (same data, tree, rules, date, scenario) is
    counted as unchanged and not stored again, unless ``force``. Each patent whose grade or disposition
    changed gets one audit event (``patent.evaluation``, by ``actor``, with the run id), written in bulk.
    Returns a summary of the run.
    """
    as_of = as_of or date.today()
    frame = build_frame(db_session, as_of=as_of, patent_ids=patent_ids)
    result = engine.evaluate_frame(frame, method, as_of=as_of) if frame.height else frame
    previous = valuation_audit.previous_results(db_session, scenario=method.scenario, patent_ids=patent_ids)
    run_id = uuid.uuid4().hex[:12]
    stored = unchanged = 0
    changes: dict[int, dict] = {}
    grades: Counter = Counter()
    dispositions: Counter = Counter()
    for start in range(0, result.height, BATCH):
        for row in result.slice(start, BATCH).iter_rows(named=True):
            grades[row["grade"]] += 1
            dispositions[row["disposition"]] += 1
            digest = engine.input_hash(row, method, as_of=as_of)
            before = previous.get(row["patent_id"])
            if not force and before is not None and before[0] == digest:
                unchanged += 1
                continue
            db_session.add(_evaluation(row, method, as_of=as_of, run_id=run_id, digest=digest))
            stored += 1
            if (changed := valuation_audit.change(before, row["grade"], row["disposition"])) is not None:
                changes[row["patent_id"]] = changed
        db_session.flush()
        if on_progress:
            on_progress(min(start + BATCH, result.height), result.height)
    audited = valuation_audit.record_changes(db_session, changes=changes, run_id=run_id,
                                             scenario=method.scenario, actor=actor)
    return {"run_id": run_id, "scenario": method.scenario, "method": method.fingerprint, "as_of": as_of,
            "evaluated": result.height, "stored": stored, "unchanged": unchanged, "changed": audited,
            "grades": dict(grades), "dispositions": dict(dispositions)}


def _evaluation(row: dict, method: engine.Method, *, as_of: date, run_id: str, digest: str) -> Evaluation:
    tree = method.tree
    node_ids = [d.id for d in tree.dimensions] + [i.id for i in tree.indicators()]
    full = engine.explain_row(row, method)
    compact = {
        "leaves": {leaf.id: [engine._plain(row.get(leaf.input)), engine._r(row.get(f"s:{leaf.id}")),
                             engine._r(row.get(f"c:{leaf.id}"), 3)] for leaf in tree.leaves()},
        "missing": full["missing"], "fees": full["fees"], "high_value_flags": full["high_value_flags"],
        "decision": {**full["decision"], "not_fired": [s["rule"] for s in full["decision"]["not_fired"]]},
    }
    return Evaluation(
        patent_id=row["patent_id"], run_id=run_id, scenario=method.scenario, tree_id=tree.id,
        tree_version=tree.version, tree_digest=tree.digest, rules_version=method.rules.label, as_of=as_of,
        input_hash=digest, composite=engine._r(row["s:composite"], 2), confidence=round(row["c:composite"], 3),
        scores={n: [engine._r(row.get(f"s:{n}")), engine._r(row.get(f"c:{n}"), 3)] for n in node_ids},
        grade=row["grade"], disposition=row["disposition"], rule_id=row["rule_id"],
        next_fee=row.get("next_fee"), cost_to_expiry=row.get("cost_to_expiry"), explanation=compact,
    )


def latest(*, db_session: Session, patent_ids: Iterable[int] | None = None,
           scenario: str | None = None) -> dict[int, Evaluation]:
    """The latest evaluation of each patent (of one scenario, or of any scenario), keyed by patent id."""
    newest = select(func.max(Evaluation.id)).group_by(Evaluation.patent_id)
    if scenario:
        newest = newest.where(Evaluation.scenario == scenario)
    if patent_ids is not None:
        newest = newest.where(Evaluation.patent_id.in_(list(patent_ids)))
    return {e.patent_id: e for e in db_session.scalars(select(Evaluation).where(Evaluation.id.in_(newest)))}


def latest_dispositions(*, db_session: Session, patent_ids: Iterable[int] | None = None,
                        scenario: str | None = None) -> dict[int, str]:
    """``{patent_id: disposition}`` from the latest evaluations (技术保护 / 转化运用 / 开放许可 / 终止维持)."""
    newest = select(func.max(Evaluation.id)).group_by(Evaluation.patent_id)
    if scenario:
        newest = newest.where(Evaluation.scenario == scenario)
    if patent_ids is not None:
        newest = newest.where(Evaluation.patent_id.in_(list(patent_ids)))
    stmt = select(Evaluation.patent_id, Evaluation.disposition).where(Evaluation.id.in_(newest))
    return {pid: disp for pid, disp in db_session.execute(stmt)}


def grades_for(*, db_session: Session, patent_ids: Iterable[int] | None = None,
               scenario: str | None = None) -> dict[int, str]:
    """``{patent_id: grade}`` (一级 … 五级, or 待定) from the latest evaluations."""
    return {pid: ev.grade for pid, ev in latest(db_session=db_session, patent_ids=patent_ids,
                                                scenario=scenario).items() if ev.grade}


def patent_ids_with_disposition(*, db_session: Session, disposition: str, institution_id: int | None = None,
                                scenario: str | None = None) -> list[int]:
    """Patents whose latest evaluation recommends ``disposition`` (e.g. 终止维持), optionally of one institution."""
    ids = [pid for pid, disp in latest_dispositions(db_session=db_session, scenario=scenario).items()
           if disp == disposition]
    if institution_id is None or not ids:
        return sorted(ids)
    stmt = select(Patent.id).where(Patent.id.in_(ids), Patent.institution_id == institution_id)
    return sorted(db_session.scalars(stmt))


def history(*, db_session: Session, patent_id: int, scenario: str | None = None) -> list[Evaluation]:
    """Every stored evaluation of a patent, newest first."""
    stmt = select(Evaluation).where(Evaluation.patent_id == patent_id).order_by(Evaluation.id.desc())
    if scenario:
        stmt = stmt.where(Evaluation.scenario == scenario)
    return list(db_session.scalars(stmt))


def explain(*, db_session: Session, patent_id: int, method: engine.Method, as_of: date | None = None) -> dict:
    """Re-evaluate one patent now and return the full explanation; says whether it matches the stored result."""
    as_of = as_of or date.today()
    own = build_frame(db_session, as_of=as_of, patent_ids=[patent_id], statuses=None)
    if own.height == 0:
        raise LookupError(f"no patent with id {patent_id}")
    frame = build_frame(db_session, as_of=as_of)  # the portfolio: cohort percentiles need the whole cohort
    if patent_id not in set(frame["patent_id"].to_list()):
        frame = pl.concat([frame, own], how="diagonal_relaxed")
    result = engine.evaluate_frame(frame, method, as_of=as_of)
    row = result.filter(pl.col("patent_id") == patent_id).row(0, named=True)
    out = engine.explain_row(row, method)
    out["application_no"] = row["application_no"]
    out["input_hash"] = engine.input_hash(row, method, as_of=as_of)
    stored = latest(db_session=db_session, patent_ids=[patent_id], scenario=method.scenario).get(patent_id)
    out["stored"] = None if stored is None else {
        "evaluation_id": stored.id, "created_at": stored.created_at, "grade": stored.grade,
        "disposition": stored.disposition, "same_inputs": stored.input_hash == out["input_hash"]}
    return out
