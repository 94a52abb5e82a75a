"""Signals from other features that search ranks, filters and explains with.

- grade and disposition: ``panhuo.valuation.service.grades_for`` / ``latest_dispositions``
  (``{patent_id: "一级"…"五级"}``, ``{patent_id: "转化运用" …}``); empty for patents never evaluated
- industries: ``panhuo.library.service.codes_by_patent(db_session, ids, scheme="gbt4754")``; empty before
  ``panhuo library build``
- availability: legal status here, plus ``panhuo.licensing.service.exclusive_licences_in_force`` and
  ``active_open_licence_since``.
A patent without a signal simply has none in its explanation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from panhuo.library import service as library_service
from panhuo.licensing import service as licensing_service
from panhuo.licensing.models import ContractPatent, Declaration
from panhuo.patents.models import LegalEvent, Patent
from panhuo.valuation import service as valuation_service

DEAD = frozenset({"lapsed", "expired", "withdrawn", "rejected", "invalidated"})


def grades(db_session: Session, patent_ids: list[int]) -> dict[int, str]:
    """Latest valuation grades (patents never evaluated are absent)."""
    if not patent_ids:
        return {}
    return valuation_service.grades_for(db_session=db_session, patent_ids=patent_ids)


def dispositions(db_session: Session, patent_ids: list[int]) -> dict[int, str]:
    """Recommended dispositions (转化运用 / 开放许可 / 技术保护 / 终止维持) from the valuation feature."""
    if not patent_ids:
        return {}
    return valuation_service.latest_dispositions(db_session=db_session, patent_ids=patent_ids)


def industries(db_session: Session, patent_ids: list[int]) -> dict[int, dict[str, float]]:
    """GB/T 4754 industry codes with weights per patent, from the library feature."""
    if not patent_ids:
        return {}
    return library_service.codes_by_patent(db_session, patent_ids, scheme="gbt4754")


def _with_licensing_records(db_session: Session, patent_ids: list[int]) -> set[int]:
    """The patents that have any declaration, contract or recorded licence: only these need the per-patent
    licensing checks (one bulk query instead of two per patent)."""
    stmt = union(
        select(Declaration.patent_id).where(Declaration.patent_id.in_(patent_ids)),
        select(ContractPatent.patent_id).where(ContractPatent.patent_id.in_(patent_ids)),
        select(LegalEvent.patent_id).where(LegalEvent.patent_id.in_(patent_ids), LegalEvent.kind == "licence"),
    )
    return set(db_session.scalars(stmt))


def availability(db_session: Session, patents: list[Patent], *, on: date) -> dict[int, dict]:
    """{patent_id: {"available": bool, "reasons": [...], "open_licence_since": date|None}}."""
    active = _with_licensing_records(db_session, [p.id for p in patents]) if patents else set()
    out = {}
    for patent in patents:
        reasons = [f"legal status {patent.legal_status}"] if patent.legal_status in DEAD else []
        entry: dict = {}
        if patent.id in active:
            reasons += [f"exclusive licence in force: {ref}" for ref in
                        licensing_service.exclusive_licences_in_force(db_session=db_session, patent_id=patent.id,
                                                                      on=on)]
            since = licensing_service.active_open_licence_since(db_session=db_session, patent_id=patent.id, on=on)
            if since:
                entry["open_licence_since"] = since.isoformat()
        entry.update(available=not reasons, reasons=reasons)
        out[patent.id] = entry
    return out
