"""A small, realistic portfolio built through the other features' services (no reference data).

Institution 山东示范大学 (department 材料学院 holds p1 and p2) and a second institution with one patent:

| patent | type | status | 盘点 | 资源库 | self-assessment | other |
|---|---|---|---|---|---|---|
| p1 | invention | valid | accepted | published | 转化前景较好 (4) | enterprise feedback; ordinary licence signed + recorded, lump sum received, royalty period with sales; income distributed (statutory 50 %) |
| p2 | invention | valid | accepted | published | 转化前景较差 (2), 已实施 | — |
| p3 | utility model | valid | accepted | — | 一般 (3) | — |
| p4 | invention | valid | submitted only | — | — | — |
| p5 | invention | lapsed | — | — | — | abandoned |
| p6 | invention | valid | — | — | — | transfer legal event; transfer contract signed, received, distributed by the institution's own rule (30 %) |
| q1 | invention | valid | (other institution) | | | |
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

from panhuo.accounts import service as accounts_service
from panhuo.accounts.enums import Role
from panhuo.accounts.models import Organisation
from panhuo.inventory import access as library_access
from panhuo.inventory import service as inventory_service
from panhuo.licensing import contracts as contract_service
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty
from panhuo.valuation import service as valuation_service

_seq = itertools.count(1)
ASSESSMENT = {"trl": "6", "willing": "是", "modes": "普通许可", "implemented": "否", "scenarios": "储能电站",
              "asking_price": "30"}


@dataclass
class World:
    university: Organisation
    department: Organisation
    other: Organisation
    patents: dict[str, Patent]
    contracts: dict[str, int]


def _org(session, name: str, kind: str, parent: Organisation | None = None) -> Organisation:
    org = Organisation(name=name, kind=kind, parent_id=parent.id if parent else None, region_code="370100")
    session.add(org)
    session.flush()
    return org


def _patent(session, key: str, inst: Organisation, *, dept: Organisation | None = None, ptype: str = "invention",
            status: str = "valid", events=()) -> Patent:
    n = next(_seq)
    patent = Patent(application_no=f"CN2019{n:07d}.{key[-1]}", patent_type=ptype, title=f"一种储能材料的制备方法{key}",
                    filing_date=date(2019, 3, 1 + n % 27), grant_date=date(2021, 6, 1), legal_status=status,
                    institution_id=inst.id, department_id=dept.id if dept else None,
                    extra={"industries": ["C3841"]})
    owner = Party(name=inst.name, key=f"{inst.name}-{n}", kind="university")
    inventor = Party(name=f"发明人{key}", key=f"inventor-{key}-{n}", kind="individual")
    patent.parties.append(PatentParty(party=owner, role="patentee", position=0, raw_name=inst.name))
    patent.parties.append(PatentParty(party=inventor, role="inventor", position=0, raw_name=inventor.name))
    for kind, day in events:
        patent.events.append(LegalEvent(kind=kind, event_date=day, counterparty="某科技有限公司"))
    session.add(patent)
    session.flush()
    return patent


def _admin(session, inst: Organisation):
    user = accounts_service.create_user(db_session=session, username=f"admin{next(_seq)}", password="correct-horse-9")
    accounts_service.add_membership(db_session=session, user=user, organisation=inst, role=Role.INSTITUTION_ADMIN)
    return accounts_service.principal_for(db_session=session, user=user)


def _inventory(session, admin, inst: Organisation, p: dict[str, Patent]) -> None:
    campaign = inventory_service.create_campaign(db_session=session, principal=admin, institution_id=inst.id,
                                                 name="2024 存量专利盘点")
    inventory_service.add_scope(db_session=session, principal=admin, campaign=campaign,
                                patent_ids=[p[k].id for k in ("p1", "p2", "p3", "p4")])
    items = {i.patent_id: i for i, _ in inventory_service.list_items(db_session=session, principal=admin,
                                                                      campaign=campaign)}
    grades = {"p1": ("转化前景较好", "否"), "p2": ("转化前景较差", "是"), "p3": ("转化前景一般", "否"),
              "p4": ("转化前景一般", "否")}
    for key, (grade, implemented) in grades.items():
        item = items[p[key].id]
        inventory_service.save_assessment(db_session=session, principal=admin, item=item,
                                          values={**ASSESSMENT, "value_grade": grade, "implemented": implemented})
        inventory_service.transition(db_session=session, principal=admin, item=item, name="submit")
        if key == "p4":
            continue
        inventory_service.transition(db_session=session, principal=admin, item=item, name="department_approve")
        inventory_service.transition(db_session=session, principal=admin, item=item, name="institution_approve")
    for key in ("p1", "p2"):
        library_access.publish(db_session=session, principal=admin, patent=p[key])


def _signed(session, kind: str, patent: Patent, price: D, **kw) -> int:
    con = contract_service.create_contract(db_session=session, kind=kind, patent_ids=[patent.id],
                                           licensor_name="山东示范大学", licensee_name="某科技有限公司", price=price,
                                           pricing_route="listing", listing_ref="SDTE-2025-001", **kw)
    contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 1))
    contract_service.sign_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 2))
    return con.id


def _licensing(session, p: dict[str, Patent]) -> dict[str, int]:
    lic = _signed(session, "licence", p["p1"], D(200000))
    contract_service.record_contract(db_session=session, contract_id=lic, on=date(2025, 2, 1))
    lump = contract_service.schedule_payment(db_session=session, contract_id=lic, kind="lump_sum",
                                             due_date=date(2025, 2, 1), amount_due=D(100000))
    receipt = contract_service.receive(db_session=session, payment_id=lump.id, amount=D(100000),
                                       received_on=date(2025, 2, 3))
    roy = contract_service.schedule_payment(db_session=session, contract_id=lic, kind="royalty",
                                            due_date=date(2025, 7, 31), period_start=date(2025, 1, 1),
                                            period_end=date(2025, 6, 30))
    contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(1000000),
                                    royalty_pct=D(5))
    contract_service.distribute_income(db_session=session, contract_id=lic, gross_income=D(100000),
                                       staff_points={"王五": 1}, receipt_id=receipt.id)
    tra = _signed(session, "transfer", p["p6"], D(50000),
                  distribution_rule={"team_share": "0.3", "staff_share_of_reward": "0.1",
                                     "institution_rule": True, "source": "山东示范大学成果转化办法 第12条"})
    pay = contract_service.schedule_payment(db_session=session, contract_id=tra, kind="lump_sum",
                                            due_date=date(2025, 3, 1), amount_due=D(50000))
    contract_service.receive(db_session=session, payment_id=pay.id, amount=D(50000), received_on=date(2025, 3, 1))
    contract_service.distribute_income(db_session=session, contract_id=tra, gross_income=D(50000),
                                       staff_points={"王五": 1})
    return {"licence": lic, "transfer": tra}


def build_world(session) -> World:
    """Create the portfolio above; flushes, never commits."""
    uni = _org(session, f"山东示范大学{next(_seq)}", "university")
    dept = _org(session, "材料学院", "department", uni)
    other = _org(session, f"另一研究所{next(_seq)}", "institute")
    p = {"p1": _patent(session, "p1", uni, dept=dept), "p2": _patent(session, "p2", uni, dept=dept),
         "p3": _patent(session, "p3", uni, ptype="utility_model"), "p4": _patent(session, "p4", uni),
         "p5": _patent(session, "p5", uni, status="lapsed"),
         "p6": _patent(session, "p6", uni, events=[("transfer", date(2025, 1, 10))]),
         "q1": _patent(session, "q1", other)}
    _inventory(session, _admin(session, uni), uni, p)
    valuation_service.save_enterprise_feedback(db_session=session, patent_id=p["p1"].id, author="企业用户",
                                               data={"enterprise_name": "某科技有限公司", "prospect": 4,
                                                     "cooperation": 5, "given_on": date(2025, 1, 5)})
    contracts = _licensing(session, p)
    return World(uni, dept, other, p, contracts)
