"""Adapters from the pages to other features' services (search, valuation, fees, matching).

They shape service results for templates and turn the documented "no data yet" cases (no search index, no fee
schedule in force for a date) into "not available" on the page. The rules stay in their features.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.accounts.permissions import Principal, require
from panhuo.fees import service as fees_service
from panhuo.fees.schedule import NoScheduleInForce
from panhuo.inventory import access
from panhuo.matching import service as matching_service
from panhuo.patents.models import Patent
from panhuo.search import service as search_service
from panhuo.valuation import service as valuation_service

log = logging.getLogger(__name__)

FEEDBACK_SCALE = range(1, 6)  # 1–5 as valuation.EnterpriseFeedback (5 = best)


def search_ids(*, db_session: Session, q: str, workspace=None) -> list[int] | None:
    """Patent ids from the full-text search (``search.service.search``), best first; ``None`` when the
    workspace has no index yet (callers then fall back to a title/number filter)."""
    try:
        hits = search_service.search(db_session, q, top=500, workspace=workspace)
    except (ValueError, LookupError, OSError) as exc:  # empty query, IndexMissing, unreadable index
        log.info("search unavailable: %s", exc)
        return None
    return [h.patent_id for h in hits]


def valuation_for(*, db_session: Session, patent: Patent) -> dict | None:
    """The latest stored evaluation (grade, disposition, scores, explanation) from ``valuation.service.latest``."""
    found = valuation_service.latest(db_session=db_session, patent_ids=[patent.id]).get(patent.id)
    if found is None:
        return None
    return {"grade": found.grade, "disposition": found.disposition, "composite": found.composite,
            "confidence": found.confidence, "scores": found.scores, "explanation": found.explanation,
            "as_of": found.as_of, "scenario": found.scenario, "rule_id": found.rule_id}


# Fee projections per (patent, version, day), kept for a minute: the projection depends on the record (its
# version changes on every edit), the date, and slowly changing facts (owners' 费减 status, open licences).
FEES_TTL_SECONDS = 60
_fees_cache: dict[tuple, tuple[float, dict | None]] = {}


def fees_for(*, db_session: Session, patent: Patent, as_of: date) -> dict | None:
    """Next annual fee, cost to expiry and the 费减 decision from ``panhuo.fees.service`` (cached one minute)."""
    key = (str(db_session.get_bind().url), patent.id, patent.version_id, as_of)
    hit = _fees_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < FEES_TTL_SECONDS:
        return hit[1]
    value = _fees_for(db_session=db_session, patent=patent, as_of=as_of)
    if len(_fees_cache) > 10_000:
        _fees_cache.clear()
    _fees_cache[key] = (time.monotonic(), value)
    return value


def _fees_for(*, db_session: Session, patent: Patent, as_of: date) -> dict | None:
    try:
        pf = fees_service.fees_for(db_session=db_session, patent=patent, as_of=as_of)
    except NoScheduleInForce as exc:
        log.info("fees unavailable: %s", exc)
        return None
    facts = pf.facts
    out: dict[str, Any] = {"reduction_pct": pf.decision.pct, "reason": pf.decision.reason, "problems": pf.problems}
    if facts is not None:
        out.update({"patent_year": facts.patent_year, "cost_to_expiry": facts.cost_to_expiry_fen / 100,
                    "expiry_date": facts.expiry_date,
                    "next_due": facts.next_due and {"year": facts.next_due.year, "due_date": facts.next_due.due_date,
                                                    "fee": facts.next_due.fee_fen / 100},
                    "remaining": [{"year": y.year, "due_date": y.due_date, "fee": y.fee_fen / 100}
                                  for y in facts.remaining[:5]]})
    return out


def fee_calendar(*, db_session: Session, institution_id: int | None, months: int = 3, limit: int = 12) -> list:
    """The next fees falling due (dashboard calendar)."""
    try:
        entries = fees_service.payment_calendar(db_session=db_session, as_of=date.today(), months=months,
                                                institution_id=institution_id)
    except NoScheduleInForce as exc:
        log.info("fee calendar unavailable: %s", exc)
        return []
    return entries[:limit]


def matches_for(*, db_session: Session, patent: Patent) -> list:
    """The open enterprise demands whose ranked matches include this patent (best first, with explanations)."""
    return matching_service.matches_for_patent(db_session=db_session, patent_id=patent.id, limit=10)


def clean_feedback(values: dict) -> dict:
    """Validate enterprise feedback (市场评价): 产业化前景 and 合作意愿 on 1–5, 技术改进需求 as text."""
    out: dict[str, Any] = {}
    for key in ("prospect", "cooperation"):
        try:
            out[key] = int(str(values.get(key) or "").strip())
        except ValueError:
            out[key] = None
        if out[key] not in FEEDBACK_SCALE:
            raise ValueError(f"{key} must be a whole number from 1 to 5")
    out["improvement_need"] = str(values.get("improvement_need") or "").strip()[:2000] or None
    return out


def save_feedback(*, db_session: Session, principal: Principal, patent: Patent, values: dict) -> dict:
    """Record enterprise feedback through ``valuation.service.save_enterprise_feedback`` (and audit it)."""
    from panhuo.valuation import service as valuation_service

    require(principal, "patent.feedback", access.access_for(db_session=db_session, patent=patent))
    clean = clean_feedback(values)
    enterprise_id = min(principal.enterprise_ids(), default=None)
    org = accounts_service.get_organisation(db_session=db_session, organisation_id=enterprise_id) \
        if enterprise_id else None
    valuation_service.save_enterprise_feedback(
        db_session=db_session, patent_id=patent.id, author=principal.username,
        data={**clean, "enterprise_name": org.name if org else principal.display_name or principal.username,
              "organisation_id": enterprise_id, "provenance": "web feedback form"})
    accounts_service.record_audit(db_session=db_session, action="patent.feedback", actor=principal.username,
                                  entity="patent", entity_id=patent.id, organisation_id=enterprise_id, after=clean)
    return clean
