"""What licensing reads from other features (library industries, valuation grades, search text analysis, fees),
shaped for campaigns, push lists and contract notes. Where the data is not there yet (library not built, patent
never evaluated, no fee facts) each says which source it used."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from panhuo.library import service as library_service
from panhuo.patents.models import Patent
from panhuo.search.text import default_analyzer
from panhuo.valuation import service as valuation_service


def _codes(value: Any) -> list[str]:
    out = []
    for item in value or []:
        code = item if isinstance(item, str) else (getattr(item, "industry_code", None) or getattr(item, "code", None)
                                                    or (item.get("code") if isinstance(item, dict) else None))
        if code:
            out.append(str(code))
    return out


def patent_industries(db_session: Session, patents: list[Patent]) -> tuple[dict[int, list[str]], str]:
    """GB/T 4754 codes per patent: the library's assignments when present, else ``patent.extra['industries']``.
    ``patents``: Patent objects or rows with ``id`` and ``extra``."""
    ids = [p.id for p in patents]
    found = library_service.codes_by_patent(db_session, ids)
    if any(found.values()):
        return {pid: sorted(found.get(pid, {}), key=lambda c: -found[pid][c]) for pid in ids}, "library"
    return {p.id: _codes(p.extra.get("industries")) for p in patents}, "patent.extra"


ID_CHUNK = 5000  # ids per IN list: PostgreSQL takes at most 65,535 bound parameters per statement


def patent_grades(db_session: Session, patent_ids: list[int]) -> tuple[dict[int, str | None], str]:
    """Latest valuation grade per patent (None for a patent never evaluated), read ``ID_CHUNK`` ids at a time
    (a provincial campaign has 8万+ candidates)."""
    latest = {}
    for start in range(0, len(patent_ids), ID_CHUNK):
        latest.update(valuation_service.latest(db_session=db_session,
                                               patent_ids=patent_ids[start:start + ID_CHUNK]))
    return {pid: getattr(latest.get(pid), "grade", None) for pid in patent_ids}, "valuation"


def text_terms(texts: Iterable[str | None]) -> list[frozenset[str]]:
    """Term sets (two characters or more) with the search feature's analyzer."""
    analyzer = default_analyzer()
    return [frozenset(t for t in analyzer.terms(text or "", search=False) if len(t) > 1) for text in texts]


def annual_fee_effect(db_session: Session, patent: Patent, *, on: date) -> dict:
    """Annual fees to expiry and what an open licence saves (``panhuo.fees.service.fees_for``, which applies
    the 15 % reduction and the no-stacking rule); a note when the fee engine lacks facts."""
    from panhuo.fees import service as fees_service  # here: fees reads licensing's open licences
    from panhuo.fees.schedule import NoScheduleInForce

    try:
        result = fees_service.fees_for(db_session=db_session, patent=patent, as_of=on)
    except NoScheduleInForce as exc:
        return {"available": False, "note": str(exc)}
    facts = result.facts
    if facts is None:
        return {"available": False, "note": "; ".join(result.problems) or "no fee facts"}
    return {"available": True, "cost_to_expiry_yuan": facts.cost_to_expiry_fen / 100,
            "open_licence_saving_yuan": facts.open_licence_saving_fen / 100,
            "reduction_window_end": facts.reduction_window_end, "problems": list(result.problems)}
