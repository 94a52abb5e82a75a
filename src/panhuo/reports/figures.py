"""Transaction and maintenance figures for the metrics, read through licensing, fees and valuation.

Each function returns ``{figure_id: (value, numerator, denominator, breakdown)}`` or raises
:class:`Unavailable` with the reason.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from panhuo.reports import rules
from panhuo.reports.facts import OPEN_LICENCE_IN_USE, SIGNED, Scope

Figure = tuple[float | Decimal | None, float | Decimal | None, float | Decimal | None, dict]


class Unavailable(RuntimeError):
    """The feature that owns a figure's data is missing; the message says which and why."""


def _on_or_before(value: date | None, day: date | None) -> bool:
    return day is None or value is None or value <= day


def transactions(db_session: Session, scope: Scope, patent_ids: set[int]) -> dict[str, Figure]:
    """Contracts by mode, value, recordal, cash received, income distributed and Art. 45 compliance."""
    try:
        from panhuo.licensing.models import Contract, ContractPatent, Distribution, OpenLicence, Payment
        from panhuo.licensing.policy import reward_policy
    except ImportError as exc:
        raise Unavailable(f"the licensing feature is not installed ({exc.name})") from exc
    contract_ids = set(db_session.scalars(select(ContractPatent.contract_id)
                                          .where(ContractPatent.patent_id.in_(patent_ids)))) if patent_ids else set()
    contracts = [c for c in db_session.scalars(select(Contract).where(Contract.id.in_(contract_ids)))
                 if c.status in SIGNED and _on_or_before(c.signed_on, scope.as_of)] if contract_ids else []
    opens = [o for o in db_session.scalars(select(OpenLicence).where(OpenLicence.patent_id.in_(patent_ids),
                                                                     OpenLicence.status.in_(OPEN_LICENCE_IN_USE)))
             if _on_or_before(o.effective_on, scope.as_of)] if patent_ids else []
    recorded = lambda day: day is not None and _on_or_before(day, scope.as_of)  # noqa: E731
    deals = [(rules.contract_mode(c.kind, c.licence_type), c.price, recorded(c.recorded_on)) for c in contracts]
    deals += [("open_licence", o.amount_paid, recorded(o.recorded_on)) for o in opens]
    modes = rules.by_mode(deals)
    licences = [d for d in deals if d[0].startswith("licence") or d[0] == "open_licence"]
    n_recorded = sum(1 for d in licences if d[2])
    overdue = sum(1 for c in contracts if c.kind == "licence" and not recorded(c.recorded_on)
                  and c.recordal_deadline and c.recordal_deadline < (scope.as_of or date.today()))
    signed_ids = {c.id for c in contracts}
    payments = list(db_session.scalars(select(Payment).where(Payment.contract_id.in_(signed_ids)))) if signed_ids else []
    received = sum((r.amount for p in payments for r in p.receipts if _on_or_before(r.received_on, scope.as_of)),
                   Decimal(0))
    due = sum((p.amount_due or Decimal(0) for p in payments
               if p.status not in ("waived", "cancelled") and _on_or_before(p.due_date, scope.as_of)), Decimal(0))
    ol_paid = sum((o.amount_paid or Decimal(0) for o in opens if _on_or_before(o.paid_on, scope.as_of)), Decimal(0))
    dists = [d for d in db_session.scalars(select(Distribution).where(Distribution.contract_id.in_(signed_ids)))
             if scope.cutoff is None or d.created_at is None or d.created_at < scope.cutoff] if signed_ids else []
    distributed = sum((d.net_income for d in dists), Decimal(0))
    pol, kinds = reward_policy(), {c.id: c.kind for c in contracts}
    classes = [rules.art45_class(rules.reward_share(d.allocations, d.net_income),
                                 floor=pol.equity_team_share_min if kinds.get(d.contract_id) == "equity"
                                 else pol.team_share_min, institution_rule=bool((d.rule or {}).get("institution_rule")))
               for d in dists]
    compliant, counted, art45 = rules.art45_summary(classes)
    return {
        "contracts_signed": (len(deals), None, None, {m: r["count"] for m, r in modes.items()}),
        "contract_value": (sum(r["value"] for r in modes.values()), None, None,
                           {m: r["value"] for m, r in modes.items()}),
        "recordal": (None, n_recorded, len(licences), {"recorded": n_recorded, "not_recorded": len(licences) - n_recorded,
                                                       "overdue": overdue}),
        "cash_received": (received + ol_paid, received + ol_paid, due + ol_paid,
                          {"contracts": float(received), "open_licences": float(ol_paid),
                           "outstanding": float(max(due - received, Decimal(0)))}),
        "income_distributed": (distributed, distributed, received, {"distributions": len(dists)}),
        "art45": (None, compliant, counted, art45),
    }


def maintenance(db_session: Session, scope: Scope, patent_ids: set[int], lapsed: set[int],
                *, window_months: int = 12) -> dict[str, Figure]:
    """Fees paid (estimate), due and saved by 终止维持, patents abandoned by disposition, fee cliffs."""
    try:
        from panhuo.fees import engine as fee_engine
        from panhuo.fees import service as fees_service
        from panhuo.fees.dates import add_months
        from panhuo.fees.schedule import schedule_for
    except ImportError as exc:
        raise Unavailable(f"the fees feature is not installed ({exc.name})") from exc
    as_of = scope.as_of or date.today()
    start, end, schedule = add_months(as_of, -window_months), add_months(as_of, window_months), schedule_for(as_of)
    dispositions = _dispositions(db_session)
    terminate = {pid for pid, d in dispositions.items() if d == "终止维持"}
    paid = due = due_all = saved = saved_all = counted = 0
    cliffs: Counter = Counter()
    step_up = 0
    in_force = fees_service.portfolio(db_session=db_session, patent_ids=sorted(patent_ids)) if patent_ids else []
    for patent in in_force:
        pf = fees_service.fees_for(db_session=db_session, patent=patent, as_of=as_of, schedule=schedule)
        if pf.facts is None:
            continue
        counted += 1
        paid += sum(y.fee_fen for y in fee_engine.fee_years(pf.case, schedule) if start <= y.due_date < as_of)
        soon = sum(y.fee_fen for y in pf.facts.remaining if y.due_date < end)
        due, due_all = due + soon, due_all + pf.facts.cost_to_expiry_fen
        if patent.id in terminate:
            saved, saved_all = saved + soon, saved_all + pf.facts.cost_to_expiry_fen
        for cliff in pf.facts.cliffs:
            if as_of <= cliff.due_date < end:
                cliffs.update(cliff.kinds or ("other",))
                cliffs["events"] += 1
                step_up += cliff.fee_after_fen - cliff.fee_before_fen
    events = cliffs.pop("events", 0)
    by_disp = rules.distribution([dispositions.get(pid) for pid in lapsed])
    window = {"window_months": window_months, "patents_with_fee_facts": counted}
    return {
        "fees_paid": (paid / 100, None, None, {**window, "assumption": "fees are taken as paid when due"}),
        "fees_due": (due / 100, None, None, {**window, "cost_to_expiry": due_all / 100}),
        "fees_saved": (saved / 100, None, None, {**window, "patents": len(terminate & {p.id for p in in_force}),
                                                 "saved_to_expiry": saved_all / 100}),
        "abandoned": (len(lapsed), None, None, by_disp),
        "cliffs": (events, None, None, {**dict(sorted(cliffs.items())), "extra_fees": step_up / 100}),
    }


def _dispositions(db_session: Session) -> dict[int, str]:
    try:
        from panhuo.valuation import service as valuation_service
    except ImportError:
        return {}
    return valuation_service.latest_dispositions(db_session=db_session)
