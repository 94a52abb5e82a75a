"""The audit hook of evaluation runs: one audit event per patent whose grade or disposition changed.

An evaluation run compares each newly stored result with the patent's previous latest evaluation of the same
scenario; when the grade or the disposition differs (or the patent had none), one ``patent.evaluation`` event
records ``before`` → ``after``, the actor and the run id. Events are written with one bulk INSERT per batch
(no per-row round trips), so a million-patent run stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.db import utcnow
from panhuo.patents.models import Patent
from panhuo.valuation.models import Evaluation

ACTION = "patent.evaluation"
LOOKUP_CHUNK = 10_000


def previous_results(db_session: Session, *, scenario: str,
                     patent_ids: Iterable[int] | None = None) -> dict[int, tuple[str, str, str]]:
    """``{patent_id: (input_hash, grade, disposition)}`` of each patent's latest evaluation of ``scenario``.

    Columns only (no ORM objects, no explanations): cheap on large portfolios.
    """
    newest = select(func.max(Evaluation.id)).where(Evaluation.scenario == scenario).group_by(Evaluation.patent_id)
    if patent_ids is not None:
        newest = newest.where(Evaluation.patent_id.in_(list(patent_ids)))
    stmt = select(Evaluation.patent_id, Evaluation.input_hash, Evaluation.grade, Evaluation.disposition) \
        .where(Evaluation.id.in_(newest))
    return {pid: (digest, grade, disp) for pid, digest, grade, disp in db_session.execute(stmt)}


def change(previous: tuple[str, str, str] | None, grade: str, disposition: str) -> dict | None:
    """``{"before": …, "after": …}`` when grade or disposition differ from ``previous`` (pure)."""
    before = {"grade": previous[1], "disposition": previous[2]} if previous else {"grade": None, "disposition": None}
    after = {"grade": grade, "disposition": disposition}
    return None if before == after else {"before": before, "after": after}


def _institutions(db_session: Session, patent_ids: list[int]) -> dict[int, int | None]:
    found: dict[int, int | None] = {}
    for start in range(0, len(patent_ids), LOOKUP_CHUNK):
        chunk = patent_ids[start:start + LOOKUP_CHUNK]
        found.update(db_session.execute(select(Patent.id, Patent.institution_id).where(Patent.id.in_(chunk))).all())
    return found


def record_changes(db_session: Session, *, changes: dict[int, dict], run_id: str, scenario: str,
                   actor: str | None, at: datetime | None = None) -> int:
    """Write one ``patent.evaluation`` audit event per entry of ``changes`` (``{patent_id: change(...)}``)."""
    if not changes:
        return 0
    when = at or utcnow()
    institutions = _institutions(db_session, sorted(changes))
    note = f"evaluation run {run_id} ({scenario})"
    rows = [{"at": when, "actor": actor or "system", "organisation_id": institutions.get(pid), "action": ACTION,
             "entity": "patent", "entity_id": str(pid), "before": c["before"],
             "after": {**c["after"], "run_id": run_id, "scenario": scenario}, "note": note}
            for pid, c in changes.items()]
    return accounts_service.record_audit_many(db_session=db_session, rows=rows)
