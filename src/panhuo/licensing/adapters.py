"""Lazy bridges to other features (library industries, valuation grades, search text analysis, matching,
fees). Each degrades to a documented fallback when the feature is absent, and says which one it used."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from panhuo.patents.models import Patent

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9\-]{2,}")


def _codes(value: Any) -> list[str]:
    out = []
    for item in value or []:
        code = item if isinstance(item, str) else (getattr(item, "industry_code", None) or getattr(item, "code", None)
                                                    or (item.get("code") if isinstance(item, dict) else None))
        if code:
            out.append(str(code))
    return out


def patent_industries(db_session: Session, patents: list[Patent]) -> tuple[dict[int, list[str]], str]:
    """GB/T 4754 codes per patent: the library's assignments when present, else ``patent.extra['industries']``."""
    ids = [p.id for p in patents]
    try:
        from panhuo.library import service as library_service

        found = library_service.codes_by_patent(db_session, ids)
    except ImportError:
        found = {}
    if any(found.values()):
        return {pid: sorted(found.get(pid, {}), key=lambda c: -found[pid][c]) for pid in ids}, "library"
    return {p.id: _codes(p.extra.get("industries")) for p in patents}, "patent.extra"


def patent_grades(db_session: Session, patent_ids: list[int]) -> tuple[dict[int, str | None], str]:
    """Latest valuation grade per patent when the valuation service exists, else none."""
    try:
        from panhuo.valuation import service as valuation_service
    except ImportError:
        return {pid: None for pid in patent_ids}, "none"
    latest = valuation_service.latest(db_session=db_session, patent_ids=patent_ids)
    return {pid: getattr(latest.get(pid), "grade", None) for pid in patent_ids}, "valuation"


def text_terms(texts: Iterable[str | None]) -> list[frozenset[str]]:
    """Term sets with the search module's analyzer, else CJK bigrams and Latin words."""
    try:
        from panhuo.search.text import default_analyzer

        analyzer = default_analyzer()
        return [frozenset(t for t in analyzer.terms(text or "", search=False) if len(t) > 1) for text in texts]
    except ImportError:
        return [_fallback_terms(text or "") for text in texts]


def _fallback_terms(text: str) -> frozenset[str]:
    terms = {w.lower() for w in _LATIN.findall(text)}
    for run in _CJK.findall(text):
        terms.update(run[i:i + 2] for i in range(len(run) - 1))
    return frozenset(terms)


def annual_fee_effect(db_session: Session, patent: Patent, *, on: date) -> dict:
    """Annual fees to expiry and what an open licence saves (``panhuo.fees.service.fees_for``, which applies
    the 15 % reduction and the no-stacking rule); a note when the fee engine is absent or lacks facts."""
    try:
        from panhuo.fees import service as fees_service

        result = fees_service.fees_for(db_session=db_session, patent=patent, as_of=on)
    except (ImportError, AttributeError, TypeError) as exc:
        return {"available": False, "note": f"fee engine not available ({type(exc).__name__})"}
    facts = result.facts if hasattr(result, "facts") else None
    if facts is None:
        return {"available": False, "note": "; ".join(result.problems) or "no fee facts"}
    return {"available": True, "cost_to_expiry_yuan": facts.cost_to_expiry_fen / 100,
            "open_licence_saving_yuan": facts.open_licence_saving_fen / 100,
            "reduction_window_end": facts.reduction_window_end, "problems": list(result.problems)}
