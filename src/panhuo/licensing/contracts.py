"""Licence, transfer and 作价投资 contracts, their payment schedules and receipts, and the distribution of
income. Keyword-only, session first, never commits; every transition is audited.

Contract lifecycle: draft → (publicity, for 协议定价) → approved → signed → recorded → terminated.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from panhuo.licensing import rewards, rules
from panhuo.licensing import service as declaration_service
from panhuo.licensing.lifecycle import audit, check_version, flush, get_or_raise, move
from panhuo.licensing.models import Contract, ContractPatent, Distribution, Payment, Receipt
from panhuo.licensing.policy import contract_policy
from panhuo.licensing.rules import FieldError, LicensingError
from panhuo.patents.models import Patent

PAYMENT_KINDS = ("lump_sum", "instalment", "milestone", "royalty")


def get(*, db_session: Session, contract_id: int) -> Contract | None:
    return db_session.get(Contract, contract_id)


def list_contracts(*, db_session: Session, status: str | None = None, limit: int = 200) -> list[Contract]:
    stmt = select(Contract).order_by(Contract.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Contract.status == status)
    return list(db_session.scalars(stmt))


def _block_exclusive(db_session: Session, patent_ids: list[int], licence_type: str | None) -> None:
    """Exclusive or sole licences are barred while an open-licence declaration stands (专利法 Art. 51)."""
    if licence_type not in declaration_service.EXCLUSIVE_TYPES:
        return
    for pid in patent_ids:
        standing = declaration_service.standing_declaration(db_session=db_session, patent_id=pid)
        if standing is not None:
            raise FieldError("licence_type", f"patent {standing.patent_number} has an open-licence declaration "
                                 f"({standing.status}, id {standing.id}): an {licence_type} licence is not allowed "
                                 f"until it is withdrawn (专利法 Art. 51)")


def contract_for_item(*, db_session: Session, push_item_id: int) -> Contract | None:
    """The live (not cancelled) contract drawn up from a campaign item: one item leads to one contract."""
    return db_session.scalars(select(Contract).where(Contract.push_item_id == push_item_id,
                                                     Contract.status != "cancelled")
                              .order_by(Contract.id.desc())).first()


def _check_item(db_session: Session, push_item_id: int, patent_ids: list[int], contract_id: int | None) -> None:
    """A contract from a campaign item: the item reached 'licensed', its patent is included, and it has no
    other live contract (complete or cancel that one instead)."""
    from panhuo.licensing.models import PushItem

    item = get_or_raise(db_session, PushItem, push_item_id, "push item")
    if item.status != "licensed":
        raise FieldError("item", f"push item {item.id} is '{item.status}': a contract is drawn up from an item "
                                 f"that reached 'licensed'")
    if item.patent_id not in patent_ids:
        raise FieldError("patents", f"the contract must include the campaign item's patent (id {item.patent_id})")
    existing = contract_for_item(db_session=db_session, push_item_id=item.id)
    if existing is not None and existing.id != contract_id:
        raise FieldError("item", f"push item {item.id} already has contract {existing.id} ({existing.status}): "
                                 f"complete that draft or cancel it first — one item, one contract")


def checked_fee_terms(fee_terms: dict | None) -> tuple[dict, list[rules.Problem]]:
    """Fee terms as stored and their guidance warnings (:func:`rules.check_contract_fee_terms`, caps as
    ``fee_caps`` in ``data/contracts.yaml`` says); refusals raise :class:`rules.RuleViolation`."""
    if not fee_terms:
        return {}, []
    try:
        terms = rules.FeeTerms.from_dict(fee_terms)
    except (LicensingError, ValueError) as exc:
        raise FieldError("fee_mode", str(exc)) from exc
    refusals, warnings = rules.check_contract_fee_terms(terms, caps=contract_policy().get("fee_caps", "warn"))
    if refusals:
        raise rules.RuleViolation("fee terms", refusals)
    return terms.to_dict(), warnings


def fee_warnings(contract: Contract) -> list[rules.Problem]:
    """What the contract page warns about in the stored fee terms (the guidance caps; terms stored before
    the check existed may show their refusals too)."""
    if not contract.fee_terms:
        return []
    try:
        terms = rules.FeeTerms.from_dict(contract.fee_terms)
    except (LicensingError, ValueError) as exc:
        return [rules.Problem("fee_standard", str(exc))]
    refusals, warnings = rules.check_contract_fee_terms(terms, caps=contract_policy().get("fee_caps", "warn"))
    return refusals + warnings


def _checked(db_session: Session, *, kind: str, licence_type: str | None, pricing_route: str,
             listing_ref: str | None, patent_ids: list[int], term_start: date | None, term_end: date | None,
             fee_terms: dict | None, distribution_rule: dict | None) -> dict:
    """Every rule of a contract's terms (new or edited draft); the normalised values to store."""
    pol = contract_policy()
    if kind not in pol["kinds"]:
        raise FieldError("kind", f"unknown contract kind '{kind}' (use {', '.join(pol['kinds'])})")
    licence_type = (licence_type or "ordinary") if kind == "licence" else None
    if licence_type and licence_type not in pol["licence_types"]:
        raise FieldError("licence_type",
                         f"unknown licence type '{licence_type}' (use {', '.join(pol['licence_types'])})")
    if pricing_route not in pol["pricing_routes"]:
        raise FieldError("pricing_route",
                         f"unknown pricing route '{pricing_route}' (use {', '.join(pol['pricing_routes'])})")
    if pricing_route != "agreement" and not listing_ref:
        raise FieldError("listing_ref", f"pricing route '{pricing_route}' needs the listing or auction reference")
    if not patent_ids:
        raise FieldError("patents", "a contract needs at least one patent")
    for pid in patent_ids:
        get_or_raise(db_session, Patent, pid, "patent")
    if term_start and term_end and term_end < term_start:
        raise FieldError("term", f"the term ends ({term_end}) before it starts ({term_start})")
    _block_exclusive(db_session, patent_ids, licence_type)
    stored_terms, _ = checked_fee_terms(fee_terms)
    rule = rewards.DistributionRule.default() if distribution_rule is None else _rule(distribution_rule)
    return {"licence_type": licence_type, "fee_terms": stored_terms, "distribution_rule": rule.to_dict()}


def create_contract(*, db_session: Session, kind: str, patent_ids: list[int], licensor_name: str,
                    licensee_name: str, licence_type: str | None = None, title: str = "",
                    licensor_id: int | None = None, licensee_id: int | None = None, territory: str = "中国",
                    term_start: date | None = None, term_end: date | None = None, fee_terms: dict | None = None,
                    price: Decimal | None = None, pricing_route: str = "agreement", listing_ref: str | None = None,
                    distribution_rule: dict | None = None, push_item_id: int | None = None,
                    actor: str | None = None) -> Contract:
    """A draft contract. Licences default to 普通 (ordinary); listing and auction need their reference; fee
    terms are checked (:func:`checked_fee_terms`). A campaign item leads to one live contract: a second one
    for the same item is refused (edit the draft with :func:`update_contract`, or cancel it)."""
    patent_ids = list(dict.fromkeys(patent_ids))
    checked = _checked(db_session, kind=kind, licence_type=licence_type, pricing_route=pricing_route,
                       listing_ref=listing_ref, patent_ids=patent_ids, term_start=term_start, term_end=term_end,
                       fee_terms=fee_terms, distribution_rule=distribution_rule)
    if push_item_id is not None:
        _check_item(db_session, push_item_id, patent_ids, None)
    contract = Contract(
        kind=kind, title=title, licensor_id=licensor_id, licensor_name=licensor_name,
        licensee_id=licensee_id, licensee_name=licensee_name, territory=territory, term_start=term_start,
        term_end=term_end, price=price, pricing_route=pricing_route, listing_ref=listing_ref,
        push_item_id=push_item_id, status="draft", **checked,
        patents=[ContractPatent(patent_id=pid) for pid in patent_ids])
    db_session.add(contract)
    db_session.flush()
    audit(db_session, action="contract.create", entity="contract", entity_id=contract.id, actor=actor,
          after={"kind": kind, "licence_type": checked["licence_type"], "licensee": licensee_name, "price": price,
                 "push_item_id": push_item_id})
    return contract


def _rule(data: dict) -> rewards.DistributionRule:
    rule = rewards.DistributionRule(Decimal(str(data["team_share"])), Decimal(str(data["staff_share_of_reward"])),
                                    str(data.get("source", "institution rule")),
                                    bool(data.get("institution_rule", False)))
    problems = rewards.check_rule(rule)
    if problems:
        raise rules.RuleViolation("distribution rule", problems)
    return rule


def start_publicity(*, db_session: Session, contract_id: int, start: date, days: int | None = None,
                    actor: str | None = None, expected_version: int | None = None) -> Contract:
    """draft → publicity: the internal 公示 of the result's name and the proposed price (协议定价 only)."""
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    if contract.pricing_route != "agreement":
        raise LicensingError(f"contract {contract.id} is priced by {contract.pricing_route}: no 公示 is needed")
    if contract.price is None or not contract.title:
        raise LicensingError("公示 needs the result's name (title) and the proposed price")
    rules.check_date(start, "the 公示 start")
    if days is not None and not 1 <= days <= 366:
        raise LicensingError(f"the 公示 lasts {days} days: use 1 to 366")
    end = start + timedelta(days=days if days is not None else contract_policy()["publicity_days"])
    return move(db_session, contract, machine="contract", target="publicity", entity="contract", actor=actor,
                expected_version=expected_version, publicity_start=start, publicity_end=end)


def approve_contract(*, db_session: Session, contract_id: int, on: date, actor: str | None = None,
                     expected_version: int | None = None) -> Contract:
    """→ approved. 协议定价 only after the 公示 period has ended without objection."""
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    if contract.pricing_route == "agreement":
        if contract.status == "draft":
            raise LicensingError(f"contract {contract.id} is priced by agreement (协议定价): publish the 公示 "
                                 f"first (促进科技成果转化法 Art. 18)")
        if contract.status == "publicity" and on < contract.publicity_end:
            raise LicensingError(f"the 公示 of contract {contract.id} runs until {contract.publicity_end}")
    return move(db_session, contract, machine="contract", target="approved", entity="contract", actor=actor,
                expected_version=expected_version, approved_on=on)


def object_to_contract(*, db_session: Session, contract_id: int, reason: str, actor: str | None = None,
                       expected_version: int | None = None) -> Contract:
    """publicity or approved → draft: an objection or a change sends it back."""
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    return move(db_session, contract, machine="contract", target="draft", entity="contract", actor=actor,
                expected_version=expected_version, note=reason)


def sign_contract(*, db_session: Session, contract_id: int, on: date, actor: str | None = None,
                  expected_version: int | None = None) -> Contract:
    """approved → signed; licences get the 3-month recordal deadline."""
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    _block_exclusive(db_session, [p.patent_id for p in contract.patents], contract.licence_type)
    deadline = rules.add_months(rules.check_date(on, "the signing date"), contract_policy()["recordal_deadline_months"])
    return move(db_session, contract, machine="contract", target="signed", entity="contract", actor=actor,
                expected_version=expected_version, signed_on=on, recordal_deadline=deadline)


def record_contract(*, db_session: Session, contract_id: int, on: date, actor: str | None = None,
                    expected_version: int | None = None) -> Contract:
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    late = contract.recordal_deadline and on > contract.recordal_deadline
    return move(db_session, contract, machine="contract", target="recorded", entity="contract", actor=actor,
                expected_version=expected_version, recorded_on=on,
                note=f"recorded after the deadline {contract.recordal_deadline}" if late else None)


def terminate_contract(*, db_session: Session, contract_id: int, on: date, reason: str, actor: str | None = None,
                       expected_version: int | None = None) -> Contract:
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    return move(db_session, contract, machine="contract", target="terminated", entity="contract", actor=actor,
                expected_version=expected_version, terminated_on=on, termination_reason=reason, note=reason)


EDITABLE = ("kind", "licence_type", "title", "licensor_id", "licensor_name", "licensee_id", "licensee_name",
            "territory", "term_start", "term_end", "price", "pricing_route", "listing_ref", "fee_terms",
            "distribution_rule", "patent_ids")


def update_contract(*, db_session: Session, contract_id: int, expected_version: int, actor: str | None = None,
                    **fields) -> Contract:
    """Edit or complete a draft (any of :data:`EDITABLE`; ``patent_ids`` replaces the patents). The result is
    checked as a new contract would be; a stale ``expected_version`` is a conflict; the audit event keeps the
    values before and after."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise LicensingError(f"cannot edit {', '.join(sorted(unknown))} (editable: {', '.join(EDITABLE)})")
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    check_version(contract, expected_version, "contract")
    if contract.status != "draft":
        raise LicensingError(f"contract {contract.id} is '{contract.status}': only drafts can be edited")
    current = {key: getattr(contract, key) for key in EDITABLE if key != "patent_ids"}
    current["patent_ids"] = [cp.patent_id for cp in contract.patents]
    merged = {**current, **fields}
    merged["patent_ids"] = list(dict.fromkeys(merged["patent_ids"]))
    checked = _checked(db_session, kind=merged["kind"], licence_type=merged["licence_type"],
                       pricing_route=merged["pricing_route"], listing_ref=merged["listing_ref"],
                       patent_ids=merged["patent_ids"], term_start=merged["term_start"],
                       term_end=merged["term_end"], fee_terms=merged["fee_terms"],
                       distribution_rule=merged["distribution_rule"])
    if contract.push_item_id is not None:
        _check_item(db_session, contract.push_item_id, merged["patent_ids"], contract.id)
    merged.update(checked)
    if not (merged["licensor_name"] or "").strip() or not (merged["licensee_name"] or "").strip():
        raise FieldError("licensee", "a contract names its licensor and its licensee")
    changed = {k: v for k, v in merged.items() if v != current[k]}
    _set_patents(contract, merged.pop("patent_ids"))
    for key, value in merged.items():
        setattr(contract, key, value)
    flush(db_session, contract, "contract")
    audit(db_session, action="contract.update", entity="contract", entity_id=contract.id, actor=actor,
          before={k: current[k] for k in changed}, after=changed)
    return contract


def _set_patents(contract: Contract, patent_ids: list[int]) -> None:
    keep = [cp for cp in contract.patents if cp.patent_id in patent_ids]
    have = {cp.patent_id for cp in keep}
    contract.patents = keep + [ContractPatent(patent_id=pid) for pid in patent_ids if pid not in have]


def cancel_contract(*, db_session: Session, contract_id: int, on: date, reason: str, actor: str | None = None,
                    expected_version: int | None = None) -> Contract:
    """draft → cancelled: a draft made by mistake is withdrawn — kept with its date, reason and audit trail,
    never deleted; its scheduled payments are cancelled. A campaign item whose draft is cancelled may have a
    new contract drawn up."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "give the reason for cancelling the draft")
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    rules.check_date(on, "the cancellation date")
    move(db_session, contract, machine="contract", target="cancelled", entity="contract", actor=actor,
         expected_version=expected_version, cancelled_on=on, cancel_reason=reason[:500], note=reason[:500])
    for payment in contract.payments:
        if payment.status == "scheduled":
            move(db_session, payment, machine="payment", target="cancelled", entity="payment", actor=actor,
                 note=f"contract {contract.id} cancelled")
    return contract


# -- payments -----------------------------------------------------------------------------------------------

def schedule_payment(*, db_session: Session, contract_id: int, kind: str, due_date: date,
                     amount_due: Decimal | None = None, milestone: str | None = None,
                     period_start: date | None = None, period_end: date | None = None,
                     actor: str | None = None) -> Payment:
    """Add one scheduled payment. Royalty periods get their amount from the licensee's report."""
    if kind not in PAYMENT_KINDS:
        raise LicensingError(f"unknown payment kind '{kind}' (use {', '.join(PAYMENT_KINDS)})")
    if kind != "royalty" and (amount_due is None or Decimal(amount_due) <= 0):
        raise LicensingError(f"a {kind} payment needs a positive amount")
    if kind == "milestone" and not milestone:
        raise LicensingError("a milestone payment needs the milestone it depends on")
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    payment = Payment(contract_id=contract.id, kind=kind, due_date=due_date, amount_due=amount_due,
                      milestone=milestone, period_start=period_start, period_end=period_end, status="scheduled")
    db_session.add(payment)
    db_session.flush()
    audit(db_session, action="payment.schedule", entity="payment", entity_id=payment.id, actor=actor,
          after={"contract_id": contract.id, "kind": kind, "due_date": due_date, "amount_due": amount_due})
    return payment


REPORTABLE_CONTRACT_STATES = ("signed", "recorded")


def report_royalty(*, db_session: Session, payment_id: int, reported_base: Decimal, royalty_pct: Decimal | None = None,
                   basis: str | None = None, actor: str | None = None,
                   expected_version: int | None = None) -> Payment:
    """The licensee's royalty report for the period: base × rate sets the amount due.

    A period is reported once: it must still be ``scheduled`` with no amount, and its contract signed or
    recorded (in force). The rate must be above 0 and at most 100 %; a stale ``expected_version`` is a conflict.
    """
    payment = get_or_raise(db_session, Payment, payment_id, "payment")
    if payment.kind != "royalty":
        raise LicensingError(f"payment {payment.id} is a {payment.kind} payment, not a royalty period")
    check_version(payment, expected_version, "payment")
    if payment.status != "scheduled" or payment.amount_due is not None:
        raise LicensingError(f"royalty period {payment.id} is already reported ({payment.status}, amount due "
                             f"{payment.amount_due}): a report cannot be replaced")
    if payment.contract.status not in REPORTABLE_CONTRACT_STATES:
        raise LicensingError(f"contract {payment.contract_id} is '{payment.contract.status}': royalty reports "
                             f"are entered while it is signed or recorded")
    terms = payment.contract.fee_terms or {}
    if royalty_pct is None and not terms.get("royalty_pct"):
        raise LicensingError("no royalty rate: give one or set it in the contract's fee terms")
    pct = Decimal(str(royalty_pct if royalty_pct is not None else terms["royalty_pct"]))
    amount = rules.royalty_amount(reported_base, pct)
    payment.reported_base = Decimal(reported_base)
    payment.royalty_pct = pct
    payment.royalty_basis = basis or terms.get("royalty_basis") or "net_sales"
    payment.amount_due = amount
    flush(db_session, payment, "payment")
    audit(db_session, action="payment.royalty_report", entity="payment", entity_id=payment.id, actor=actor,
          after={"reported_base": reported_base, "royalty_pct": pct, "amount_due": payment.amount_due})
    return payment


def outstanding(payment: Payment) -> Decimal:
    return (payment.amount_due or Decimal(0)) - sum((r.amount for r in payment.receipts), Decimal(0))


def receive(*, db_session: Session, payment_id: int, amount: Decimal, received_on: date,
            reference: str | None = None, actor: str | None = None) -> Receipt:
    """Record money received; the payment becomes partial or paid. Over-payment is refused."""
    payment = get_or_raise(db_session, Payment, payment_id, "payment")
    amount = Decimal(amount)
    if payment.amount_due is None:
        raise LicensingError(f"payment {payment.id} has no amount yet (royalty report missing)")
    if amount <= 0:
        raise LicensingError("a receipt must be a positive amount")
    left = outstanding(payment)
    if amount > left:
        raise LicensingError(f"receipt of {amount} exceeds the {left} still due on payment {payment.id}")
    receipt = Receipt(payment_id=payment.id, received_on=received_on, amount=amount, reference=reference)
    db_session.add(receipt)
    payment.receipts.append(receipt)
    db_session.flush()
    move(db_session, payment, machine="payment", target="paid" if amount == left else "partial", entity="payment",
         actor=actor, note=f"received {amount} on {received_on}")
    return receipt


def reminders(*, db_session: Session, on: date, within_days: int | None = None) -> list[dict]:
    """Payments due within ``within_days`` (default from data) or overdue, not yet paid."""
    days = within_days if within_days is not None else contract_policy()["reminder_days"]
    stmt = (select(Payment).where(Payment.status.in_(("scheduled", "partial")),
                                  Payment.due_date <= on + timedelta(days=days)).order_by(Payment.due_date))
    return [{"payment_id": p.id, "contract_id": p.contract_id, "licensee": p.contract.licensee_name,
             "kind": p.kind, "due_date": p.due_date, "outstanding": outstanding(p),
             "overdue_days": max((on - p.due_date).days, 0), "milestone": p.milestone}
            for p in db_session.scalars(stmt)]


# -- income distribution ------------------------------------------------------------------------------------

def inventors_of(db_session: Session, contract: Contract) -> dict[str, float]:
    """Inventors of the contract's patents, equal weights (a person may override them)."""
    names: dict[str, float] = {}
    for cp in contract.patents:
        patent = db_session.get(Patent, cp.patent_id)
        for pp in patent.parties_in("inventor"):
            names[pp.party.name] = 1.0
    return names


def distribute_income(*, db_session: Session, contract_id: int, gross_income: Decimal, costs: Decimal = Decimal(0),
                      staff_points: dict[str, float], inventors: dict[str, float] | None = None,
                      owners: dict[str, float] | None = None, receipt_id: int | None = None,
                      rule: dict | None = None, actor: str | None = None) -> Distribution:
    """Share net income (gross − costs) by ``rule`` (default: the contract's rule): inventors, transfer staff
    by 贡献积分, the institution; individual owners under 赋权 first take their ownership share. The rule is
    checked against the statutory floors (:func:`rewards.check_rule`)."""
    contract = get_or_raise(db_session, Contract, contract_id, "contract")
    if contract.status not in ("signed", "recorded", "terminated"):
        raise LicensingError(f"contract {contract.id} is '{contract.status}': income is distributed once signed")
    if Decimal(gross_income) < 0:
        raise FieldError("gross_income", "gross income cannot be negative")
    if Decimal(costs) < 0:
        raise FieldError("costs", "costs cannot be negative")
    net = Decimal(gross_income) - Decimal(costs)
    if net < 0:
        raise FieldError("costs", f"costs {costs} exceed the gross income {gross_income}: nothing to distribute")
    team = inventors or inventors_of(db_session, contract)
    data = rule or contract.distribution_rule
    rule = _rule(data) if data else rewards.DistributionRule.default()
    allocations = rewards.distribute(net, rule=rule, institution=contract.licensor_name, inventors=team,
                                     staff_points=staff_points, owners=owners,
                                     kind="equity" if contract.kind == "equity" else "licence")
    dist = Distribution(contract_id=contract.id, receipt_id=receipt_id, gross_income=Decimal(gross_income),
                        costs=Decimal(costs), net_income=net, rule=rule.to_dict(), created_by=actor,
                        allocations=[a.to_dict() for a in allocations])
    db_session.add(dist)
    db_session.flush()
    audit(db_session, action="contract.distribute", entity="contract", entity_id=contract.id, actor=actor,
          after={"net_income": net, "allocations": len(allocations)})
    return dist


def kpis(*, db_session: Session) -> dict:
    """Contract and payment KPIs for the 统计 page: counts and value by kind/type, recorded, cash received."""
    contracts = list(db_session.scalars(select(Contract).where(Contract.status != "cancelled")))
    by_mode: dict[str, dict] = {}
    for c in contracts:
        key = c.kind if c.kind != "licence" else f"licence:{c.licence_type}"
        row = by_mode.setdefault(key, {"contracts": 0, "signed": 0, "recorded": 0, "value": Decimal(0)})
        row["contracts"] += 1
        row["signed"] += c.status in ("signed", "recorded", "terminated")
        row["recorded"] += c.status == "recorded" or c.recorded_on is not None
        row["value"] += c.price or Decimal(0)
    received = db_session.scalars(select(Receipt.amount)).all()
    distributed = db_session.scalars(select(Distribution.net_income)).all()
    overdue = [r for r in reminders(db_session=db_session, on=date.today(), within_days=0) if r["overdue_days"]]
    return {"by_mode": by_mode, "cash_received": sum(received, Decimal(0)),
            "net_income_distributed": sum(distributed, Decimal(0)), "payments_overdue": len(overdue)}


def price_proposal(*, db_session: Session, patent_id: int, on: date | None = None) -> dict:
    """Pricing assistant: fee terms from the patent's grade, industry and comparable signed or recorded
    deals and published declarations in the workspace, checked against the caps, with the annual-fee effect."""
    from panhuo.licensing import adapters, pricing
    from panhuo.licensing.models import Declaration

    patent = get_or_raise(db_session, Patent, patent_id, "patent")
    industries, ind_source = adapters.patent_industries(db_session, [patent])
    grades, grade_source = adapters.patent_grades(db_session, [patent.id])
    comps = []
    deals = db_session.scalars(select(Contract).where(Contract.status.in_(("signed", "recorded", "terminated")),
                                                      Contract.kind == "licence"))
    for con in deals:
        pats = [db_session.get(Patent, cp.patent_id) for cp in con.patents]
        codes = adapters.patent_industries(db_session, pats)[0]
        terms = con.fee_terms or {}
        lump = con.price if con.price is not None else terms.get("lump_sum")
        comps.append(pricing.Comparable(f"contract {con.id}", tuple(c for p in pats for c in codes.get(p.id, [])),
                                        Decimal(str(lump)) if lump is not None else None,
                                        Decimal(str(terms["royalty_pct"])) if terms.get("royalty_pct") else None))
    for decl in db_session.scalars(select(Declaration).where(Declaration.published_on.is_not(None))):
        if decl.patent_id == patent.id:
            continue
        codes = adapters.patent_industries(db_session, [db_session.get(Patent, decl.patent_id)])[0]
        terms = decl.fee_terms
        comps.append(pricing.Comparable(f"declaration {decl.id}", tuple(codes.get(decl.patent_id, [])),
                                        Decimal(terms["lump_sum"]) if terms.get("lump_sum") else None,
                                        Decimal(terms["royalty_pct"]) if terms.get("royalty_pct") else None))
    proposal = pricing.propose(grade=grades.get(patent.id), industries=tuple(industries.get(patent.id, [])),
                               comparables=comps)
    proposal.update({"patent": patent.application_no, "grade": grades.get(patent.id),
                     "industries": industries.get(patent.id, []), "sources": {"industries": ind_source,
                                                                              "grades": grade_source},
                     "annual_fee_effect": adapters.annual_fee_effect(db_session, patent, on=on or date.today())})
    return proposal
