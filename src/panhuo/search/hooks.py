"""Optional signals from other features, read lazily so that search works without them.

- grade: ``panhuo.valuation.service.grades_for(db_session=, patent_ids=) -> {patent_id: "A"…"D"}``
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


def grades(db_session: Session, patent_ids: list[int]) -> dict[int, str]:
    """Grades from the valuation feature, or {} when it offers none."""
    fn = getattr(_service("valuation"), "grades_for", None)
    if fn is None or not patent_ids:
        return {}
    try:
        return dict(fn(db_session=db_session, patent_ids=patent_ids))
    except Exception as exc:  # noqa: BLE001 - an optional signal must not break search
        log.warning("valuation grades unavailable: %s", exc)
        return {}


def availability(db_session: Session, patents: list[Patent], *, on: date) -> dict[int, dict]:
    """{patent_id: {"available": bool, "reasons": [...], "open_licence_since": date|None}}."""
    licensing = _service("licensing")
    exclusive = getattr(licensing, "exclusive_licences_in_force", None)
    open_since = getattr(licensing, "active_open_licence_since", None)
    out = {}
    for patent in patents:
        reasons = []
        if patent.legal_status in DEAD:
            reasons.append(f"legal status {patent.legal_status}")
        entry: dict = {}
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
