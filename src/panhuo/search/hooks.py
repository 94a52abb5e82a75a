"""Optional signals from other features, read lazily so that search works without them.

- grade and disposition: ``panhuo.valuation.service.grades_for`` / ``latest_dispositions``
  (``{patent_id: "一级"…"五级"}``, ``{patent_id: "转化运用" …}``)
- industries: ``panhuo.library.service.codes_by_patent(db_session, ids, scheme="gbt4754")``
- availability: legal status here, plus ``panhuo.licensing.service.exclusive_licences_in_force`` and
  ``active_open_licence_since`` when the licensing feature is present.
A hook that is missing or fails leaves the signal out (the explanation then says nothing about it).
"""

from __future__ import annotations

import importlib
import logging
from datetime import date

from sqlalchemy.orm import Session

from panhuo.patents.models import Patent

log = logging.getLogger(__name__)
DEAD = frozenset({"lapsed", "expired", "withdrawn", "rejected", "invalidated"})


def _service(feature: str):
    try:
        return importlib.import_module(f"panhuo.{feature}.service")
    except ImportError:
        return None


def _call(feature: str, name: str, *args, **kwargs) -> dict:
    fn = getattr(_service(feature), name, None)
    if fn is None:
        return {}
    try:
        return dict(fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - an optional signal must not break search
        log.warning("%s.%s unavailable: %s", feature, name, exc)
        return {}


def grades(db_session: Session, patent_ids: list[int]) -> dict[int, str]:
    """Grades from the valuation feature, or {} when it offers none."""
    if not patent_ids:
        return {}
    return _call("valuation", "grades_for", db_session=db_session, patent_ids=patent_ids)


def dispositions(db_session: Session, patent_ids: list[int]) -> dict[int, str]:
    """Recommended dispositions (转化运用 / 开放许可 / 技术保护 / 终止维持) from the valuation feature."""
    if not patent_ids:
        return {}
    return _call("valuation", "latest_dispositions", db_session=db_session, patent_ids=patent_ids)


def industries(db_session: Session, patent_ids: list[int]) -> dict[int, dict[str, float]]:
    """GB/T 4754 industry codes with weights per patent, from the library feature."""
    if not patent_ids:
        return {}
    return _call("library", "codes_by_patent", db_session, patent_ids, scheme="gbt4754")


def _with_licensing_records(db_session: Session, patent_ids: list[int]) -> set[int]:
    """The patents that have any declaration, contract or recorded licence: only these need the per-patent
    licensing checks (one bulk query instead of two per patent)."""
    try:
        from panhuo.licensing.models import ContractPatent, Declaration
    except ImportError:
        return set(patent_ids)
    from sqlalchemy import select, union

    from panhuo.patents.models import LegalEvent

    stmt = union(
        select(Declaration.patent_id).where(Declaration.patent_id.in_(patent_ids)),
        select(ContractPatent.patent_id).where(ContractPatent.patent_id.in_(patent_ids)),
        select(LegalEvent.patent_id).where(LegalEvent.patent_id.in_(patent_ids), LegalEvent.kind == "licence"),
    )
    return set(db_session.scalars(stmt))


def availability(db_session: Session, patents: list[Patent], *, on: date) -> dict[int, dict]:
    """{patent_id: {"available": bool, "reasons": [...], "open_licence_since": date|None}}."""
    licensing = _service("licensing")
    exclusive = getattr(licensing, "exclusive_licences_in_force", None)
    open_since = getattr(licensing, "active_open_licence_since", None)
    active = _with_licensing_records(db_session, [p.id for p in patents]) if licensing and patents else set()
    out = {}
    for patent in patents:
        reasons = []
        if patent.legal_status in DEAD:
            reasons.append(f"legal status {patent.legal_status}")
        entry: dict = {}
        if patent.id not in active:
            entry.update(available=not reasons, reasons=reasons)
            out[patent.id] = entry
            continue
        try:
            if exclusive is not None:
                reasons += [f"exclusive licence in force: {ref}" for ref in
                            exclusive(db_session=db_session, patent_id=patent.id, on=on)]
            if open_since is not None:
                since = open_since(db_session=db_session, patent_id=patent.id, on=on)
                if since:
                    entry["open_licence_since"] = since.isoformat()
        except Exception as exc:  # noqa: BLE001
            log.warning("licensing availability unavailable: %s", exc)
        entry.update(available=not reasons, reasons=reasons)
        out[patent.id] = entry
    return out
