"""Contracts as people see them: who may read or act on a contract, and the actions of the deal pages.

Authorisation lives here (not in the templates): every function takes the signed-in ``principal`` and checks
``contract.view`` / ``contract.manage`` / ``contract.rewards`` (:mod:`panhuo.accounts.permissions`) on the
contract's scope — the licensor's institution (the ``licensor_id`` organisation, else the institution of the
contract's patents) and the licensee enterprise (``licensee_id``). Contracts a person may not see are
reported as missing, so their existence does not leak. Keyword-only, session first, never commits; the
state machines, optimistic locks and audit events are those of :mod:`panhuo.licensing.contracts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from panhuo.accounts.enums import INSTITUTION_KINDS, Role
from panhuo.accounts.models import Organisation
from panhuo.accounts.permissions import Principal, can, require
from panhuo.licensing import contracts as contract_service
from panhuo.licensing import rewards
from panhuo.licensing.lifecycle import NotFound, check_version
from panhuo.licensing.models import Contract, ContractPatent, Distribution, Payment
from panhuo.licensing.rules import FieldError, LicensingError
from panhuo.patents.models import Patent

TRANSITIONS = ("publicity", "approve", "object", "sign", "record", "terminate", "cancel")
KINDS = ("licence", "transfer", "equity")


def scope(db_session: Session, contract: Contract) -> SimpleNamespace:
    """The permission resource of a contract: ``institution_id`` (licensor) and ``enterprise_id`` (licensee)."""
    institution_id = None
    if contract.licensor_id is not None:
        org = db_session.get(Organisation, contract.licensor_id)
        if org is not None and org.kind in INSTITUTION_KINDS:
            institution_id = org.id
    if institution_id is None:
        institution_id = db_session.scalar(
            select(Patent.institution_id).join(ContractPatent, ContractPatent.patent_id == Patent.id)
            .where(ContractPatent.contract_id == contract.id, Patent.institution_id.is_not(None)).limit(1))
    return SimpleNamespace(institution_id=institution_id, enterprise_id=contract.licensee_id)


def list_for(*, db_session: Session, principal: Principal, status: str | None = None, kind: str | None = None,
             q: str | None = None, limit: int = 200) -> list[Contract]:
    """Contracts the principal may see (all for the operator; an institution's admins its own; an enterprise
    the contracts it is the licensee of), newest first, filtered by status, kind and a name/title text."""
    stmt = select(Contract).order_by(Contract.id.desc()).limit(limit)
    if not principal.is_operator:
        institutions = sorted(principal.institution_ids(Role.INSTITUTION_ADMIN))
        enterprises = sorted(principal.enterprise_ids())
        by_patent = select(ContractPatent.contract_id).join(Patent, Patent.id == ContractPatent.patent_id) \
            .where(Patent.institution_id.in_(institutions))
        stmt = stmt.where(or_(Contract.licensor_id.in_(institutions), Contract.licensee_id.in_(enterprises),
                              Contract.id.in_(by_patent)))
    if status:
        stmt = stmt.where(Contract.status == status)
    if kind:
        stmt = stmt.where(Contract.kind == kind)
    if q and q.strip():
        like = f"%{q.strip()[:100]}%"
        stmt = stmt.where(or_(Contract.title.ilike(like), Contract.licensee_name.ilike(like),
                              Contract.licensor_name.ilike(like)))
    # The SQL narrows the rows; the permission table decides (one rule for pages, API and tests).
    return [c for c in db_session.scalars(stmt) if can(principal, "contract.view", scope(db_session, c))]


def get_for(*, db_session: Session, principal: Principal, contract_id: int, action: str = "contract.view") -> Contract:
    """The contract, when the principal may see it and perform ``action``.

    Raises :class:`NotFound` when it is missing or hidden from the principal, ``PermissionDenied`` when the
    principal may see it but not perform ``action``.
    """
    contract = db_session.get(Contract, contract_id)
    resource = scope(db_session, contract) if contract is not None else None
    if contract is None or not can(principal, "contract.view", resource):
        raise NotFound(f"contract {contract_id} does not exist")
    require(principal, action, resource)
    return contract


@dataclass
class DealView:
    """Everything the contract page shows, already filtered for the principal."""

    contract: Contract
    patents: list[Patent]
    payments: list[dict]
    received: Decimal
    due: Decimal
    distributions: list[Distribution] | None  # None: not for this principal
    reward_preview: list[dict] | None
    can_manage: bool
    next_states: tuple[str, ...]


def view_for(*, db_session: Session, principal: Principal, contract_id: int) -> DealView:
    """The contract page's data: parties, patents, payment schedule with receipts, and (inside the institution
    only) the income distributions and a preview of the reward split of the money received so far."""
    from panhuo.licensing import states

    contract = get_for(db_session=db_session, principal=principal, contract_id=contract_id)
    resource = scope(db_session, contract)
    patents = [db_session.get(Patent, cp.patent_id) for cp in contract.patents]
    payments = [{"payment": p, "receipts": list(p.receipts), "outstanding": contract_service.outstanding(p)}
                for p in contract.payments]
    received = sum((r.amount for p in contract.payments for r in p.receipts), Decimal(0))
    due = sum((p.amount_due or Decimal(0) for p in contract.payments if p.status not in ("waived", "cancelled")),
              Decimal(0))
    distributions = preview = None
    if can(principal, "contract.rewards", resource):
        distributions = list(db_session.scalars(select(Distribution).where(Distribution.contract_id == contract.id)
                                                .order_by(Distribution.id)))
        preview = reward_preview(db_session, contract, received)
    return DealView(contract=contract, patents=[p for p in patents if p], payments=payments, received=received,
                    due=due, distributions=distributions, reward_preview=preview,
                    can_manage=can(principal, "contract.manage", resource),
                    next_states=states.allowed("contract", contract.status))


def reward_preview(db_session: Session, contract: Contract, net_income: Decimal) -> list[dict] | None:
    """How ``net_income`` would be shared under the contract's rule (inventors equal, no staff listed)."""
    team = contract_service.inventors_of(db_session, contract)
    if not team or net_income <= 0:
        return None
    rule = rewards.DistributionRule(**{**rewards.DistributionRule.default().__dict__,
                                       **_rule_fields(contract.distribution_rule)})
    try:
        allocations = rewards.distribute(net_income, rule=rule, institution=contract.licensor_name, inventors=team,
                                         staff_points={}, kind="equity" if contract.kind == "equity" else "licence")
    except LicensingError:
        return None
    return [a.to_dict() for a in allocations]


def _rule_fields(data: dict | None) -> dict:
    if not data:
        return {}
    return {"team_share": Decimal(str(data["team_share"])),
            "staff_share_of_reward": Decimal(str(data["staff_share_of_reward"])),
            "source": str(data.get("source", "")), "institution_rule": bool(data.get("institution_rule", False))}


def transition(*, db_session: Session, principal: Principal, contract_id: int, action: str,
               expected_version: int | None, on: date, reason: str = "", days: int | None = None) -> Contract:
    """Move a contract: ``publicity`` (公示), ``approve``, ``object`` (back to draft), ``sign``, ``record`` (备案)
    or ``terminate``. The state machine refuses illegal moves; a stale version is a conflict."""
    if action not in TRANSITIONS:
        raise LicensingError(f"unknown contract action '{action}' (one of: {', '.join(TRANSITIONS)})")
    contract = get_for(db_session=db_session, principal=principal, contract_id=contract_id,
                       action="contract.manage")
    common = {"db_session": db_session, "contract_id": contract.id, "actor": principal.username,
              "expected_version": expected_version}
    if action == "publicity":
        return contract_service.start_publicity(**common, start=on, days=days)
    if action == "approve":
        return contract_service.approve_contract(**common, on=on)
    if action == "object":
        if not reason.strip():
            raise LicensingError("give the objection or the reason for sending the contract back to draft")
        return contract_service.object_to_contract(**common, reason=reason.strip())
    if action == "sign":
        return contract_service.sign_contract(**common, on=on)
    if action == "record":
        return contract_service.record_contract(**common, on=on)
    if action == "cancel":
        if not reason.strip():
            raise LicensingError("give the reason for cancelling the draft (e.g. drawn up by mistake)")
        return contract_service.cancel_contract(**common, on=on, reason=reason.strip())
    if not reason.strip():
        raise LicensingError("give the reason for terminating the contract")
    return contract_service.terminate_contract(**common, on=on, reason=reason.strip())


def _payment_for(db_session: Session, principal: Principal, payment_id: int) -> Payment:
    payment = db_session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(f"payment {payment_id} does not exist")
    get_for(db_session=db_session, principal=principal, contract_id=payment.contract_id, action="contract.manage")
    return payment


def record_receipt(*, db_session: Session, principal: Principal, payment_id: int, amount: Decimal,
                   received_on: date, reference: str | None = None, expected_version: int | None = None):
    """Record money received on a scheduled payment (institution admins and the operator)."""
    payment = _payment_for(db_session, principal, payment_id)
    if payment.contract.status not in ("signed", "recorded", "terminated"):
        raise LicensingError(f"contract {payment.contract_id} is '{payment.contract.status}': "
                             f"payments are received once it is signed")
    check_version(payment, expected_version, "payment")
    return contract_service.receive(db_session=db_session, payment_id=payment.id, amount=amount,
                                    received_on=received_on, reference=reference or None, actor=principal.username)


def schedule(*, db_session: Session, principal: Principal, contract_id: int, kind: str, due_date: date,
             amount_due: Decimal | None, milestone: str | None = None) -> Payment:
    """Add a scheduled payment to the contract (institution admins and the operator)."""
    contract = get_for(db_session=db_session, principal=principal, contract_id=contract_id,
                       action="contract.manage")
    if contract.status in ("terminated", "cancelled"):
        raise LicensingError(f"contract {contract.id} is {contract.status}: no new payments")
    return contract_service.schedule_payment(db_session=db_session, contract_id=contract.id, kind=kind,
                                             due_date=due_date, amount_due=amount_due, milestone=milestone or None,
                                             actor=principal.username)


def report_royalty(*, db_session: Session, principal: Principal, payment_id: int, reported_base: Decimal,
                   royalty_pct: Decimal | None = None, expected_version: int | None = None) -> Payment:
    """Enter the licensee's royalty report for a royalty period (base × rate sets the amount due); once per
    period, while the contract is signed or recorded (see :func:`contracts.report_royalty`)."""
    payment = _payment_for(db_session, principal, payment_id)
    return contract_service.report_royalty(db_session=db_session, payment_id=payment.id,
                                           reported_base=reported_base, royalty_pct=royalty_pct,
                                           actor=principal.username, expected_version=expected_version)


# -- new contracts and income distribution from the pages -----------------------------------------------------

def _manage_patents(db_session: Session, principal: Principal, patent_ids: list[int]) -> list[Patent]:
    """The patents, when the principal may manage contracts over each (their institution's admins, the
    operator); patents they may not see are reported as missing."""
    patents = []
    for pid in dict.fromkeys(patent_ids):
        patent = db_session.get(Patent, pid)
        resource = SimpleNamespace(institution_id=patent.institution_id if patent else None, enterprise_id=None)
        if patent is None or not (principal.is_operator or can(principal, "contract.view", resource)):
            raise FieldError("patents", f"patent {pid} does not exist")
        require(principal, "contract.manage", resource)
        patents.append(patent)
    institutions = {p.institution_id for p in patents}
    if len(institutions) > 1:
        raise FieldError("patents", "the patents belong to different institutions: one contract has one licensor")
    return patents


def licensed_item(db_session: Session, item_id: int):
    """The campaign push item a contract is drawn up from: it must have reached ``licensed``."""
    from panhuo.licensing.models import CampaignEnterprise, PushItem

    item = db_session.get(PushItem, item_id)
    if item is None:
        raise NotFound(f"push item {item_id} does not exist")
    if item.status != "licensed":
        raise FieldError("item", f"push item {item.id} is '{item.status}': a contract is drawn up from an item "
                                 f"that reached 'licensed'")
    return item, db_session.get(CampaignEnterprise, item.enterprise_id)


def create_for(*, db_session: Session, principal: Principal, patent_ids: list[int], item_id: int | None = None,
               publicity_start: date | None = None, publicity_days: int | None = None, **fields) -> Contract:
    """A draft contract drawn up by an institution's admin or the operator over patents they manage (the
    licensor is the patents' institution), optionally from a licensed campaign item, and optionally put
    straight into its 公示 (协议定价). ``fields`` are those of :func:`contracts.create_contract`."""
    patents = _manage_patents(db_session, principal, patent_ids)
    if item_id is not None:
        item, _ = licensed_item(db_session, item_id)
        if item.patent_id not in {p.id for p in patents}:
            raise FieldError("patents", f"the contract must include the campaign item's patent (id {item.patent_id})")
    institution_id = patents[0].institution_id if patents else None
    if institution_id is not None and not fields.get("licensor_id"):
        org = db_session.get(Organisation, institution_id)
        fields["licensor_id"] = institution_id
        fields["licensor_name"] = fields.get("licensor_name") or (org.name if org else "")
    if not (fields.get("licensor_name") or "").strip():
        raise FieldError("licensor_name", "name the licensor (the patentee)")
    if not (fields.get("licensee_name") or "").strip():
        raise FieldError("licensee", "choose or name the licensee (受让方/被许可方)")
    contract = contract_service.create_contract(db_session=db_session, patent_ids=[p.id for p in patents],
                                                push_item_id=item_id, actor=principal.username, **fields)
    if publicity_start is not None:
        contract_service.start_publicity(db_session=db_session, contract_id=contract.id, start=publicity_start,
                                         days=publicity_days, actor=principal.username)
    return contract


def update_for(*, db_session: Session, principal: Principal, contract_id: int, expected_version: int,
               patent_ids: list[int], publicity_start: date | None = None, publicity_days: int | None = None,
               **fields) -> Contract:
    """Complete or edit a draft contract (e.g. the one made when a campaign item reached 已许可) by an
    institution's admin or the operator, through :func:`contracts.update_contract` with the version the page
    was read at, and optionally start its 公示. The licensor follows the patents' institution."""
    contract = get_for(db_session=db_session, principal=principal, contract_id=contract_id,
                       action="contract.manage")
    patents = _manage_patents(db_session, principal, patent_ids)
    institution_id = patents[0].institution_id if patents else None
    if institution_id is not None:
        org = db_session.get(Organisation, institution_id)
        fields["licensor_id"] = institution_id
        fields["licensor_name"] = org.name if org else contract.licensor_name
    if not (fields.get("licensee_name") or "").strip():
        raise FieldError("licensee", "choose or name the licensee (受让方/被许可方)")
    contract = contract_service.update_contract(db_session=db_session, contract_id=contract.id,
                                                expected_version=expected_version, actor=principal.username,
                                                patent_ids=[p.id for p in patents], **fields)
    if publicity_start is not None:
        contract_service.start_publicity(db_session=db_session, contract_id=contract.id, start=publicity_start,
                                         days=publicity_days, actor=principal.username)
    return contract


def distribute_for(*, db_session: Session, principal: Principal, contract_id: int, gross_income: Decimal,
                   costs: Decimal, staff_points: dict[str, float], inventors: dict[str, float] | None = None,
                   owners: dict[str, float] | None = None, rule: dict | None = None) -> Distribution:
    """Record an income distribution (the institution's admins and the operator; the split is internal)."""
    contract = get_for(db_session=db_session, principal=principal, contract_id=contract_id,
                       action="contract.rewards")
    return contract_service.distribute_income(db_session=db_session, contract_id=contract.id,
                                              gross_income=gross_income, costs=costs, staff_points=staff_points,
                                              inventors=inventors or None, owners=owners or None, rule=rule,
                                              actor=principal.username)
