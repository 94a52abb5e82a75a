"""A 区域定向许可 campaign end to end: enterprises → push list → interest → trial → licence → payment → reward."""

import io
from datetime import date
from decimal import Decimal

import pytest

from panhuo.accounts import service as accounts_service
from panhuo.licensing import campaigns as campaign_service
from panhuo.licensing import contracts as contract_service
from panhuo.licensing.rules import LicensingError
from panhuo.licensing.states import IllegalTransition

CSV = """name,region_code,industry_codes,needs,contact
济南重工机械有限公司,370112,C3511;C3513,液压挖掘机节能控制,王经理
,370112,C3511,,
青岛食品公司,3702,C1391,,
烟台软件公司,370602,,,
淄博阀门公司,370303,C3443,液压阀门密封,李工
"""


@pytest.fixture
def world(session, factory):
    uni = factory.org(session, "山东某大学")
    other = factory.org(session, "外省大学", region_code="110000")
    prov = factory.org(session, "山东另一学院", region_code="370200")
    own = [factory.patent(session, institution=uni, title="一种液压挖掘机的节能控制方法"),
           factory.patent(session, institution=uni, title="软件测试方法", industries=("I6513",))]
    extra = [factory.patent(session, institution=prov, title="液压阀门密封结构", industries=("C3443",),
                            region_code="370200"),
             factory.patent(session, institution=other, title="挖掘机", industries=("C3511",), region_code="110000"),
             factory.patent(session, institution=uni, title="失效的液压专利", status="lapsed")]
    return {"uni": uni, "own": own, "extra": extra}


def test_campaign_end_to_end(session, world):
    camp = campaign_service.create_campaign(db_session=session, name="济南高端装备定向许可", region_codes=["370100"],
                                            institution_ids=[world["uni"].id], trial_months=6, push_size=2)
    rows = campaign_service.read_enterprise_csv(io.StringIO(CSV))
    result = campaign_service.add_enterprises(db_session=session, campaign_id=camp.id, rows=rows)
    assert result["added"] == 2
    assert [(e["row"], e["error"][:14]) for e in result["errors"]] == [
        (3, "name is empty"), (4, "region_code '3"), (5, "industry_codes")]
    pushed = campaign_service.build_push_lists(db_session=session, campaign_id=camp.id, on=date(2025, 3, 1))
    items = campaign_service.push_items(db_session=session, campaign_id=camp.id)
    by_ent = {}
    for it in items:
        by_ent.setdefault(it.enterprise_id, []).append(it)
    heavy, valve = (by_ent[i] for i in result["enterprise_ids"])
    assert heavy[0].patent_id == world["own"][0].id and heavy[0].source == "institution"
    assert any("液压" in r for r in heavy[0].reasons)
    # the university has one weak fit for the valve maker; the gap is filled from the provincial library
    assert [(i.patent_id, i.source) for i in valve] == [(world["own"][0].id, "institution"),
                                                        (world["extra"][0].id, "provincial")]
    assert "全省资源库补充" in valve[1].reasons[0]
    assert world["extra"][1].id not in {i.patent_id for i in items}  # other province
    assert world["extra"][2].id not in {i.patent_id for i in items}  # lapsed
    again = campaign_service.build_push_lists(db_session=session, campaign_id=camp.id, on=date(2025, 3, 2))
    assert again["created"] == 0 and pushed["created"] == len(items)

    item = heavy[0]
    campaign_service.mark_interested(db_session=session, item_id=item.id, on=date(2025, 3, 10))
    campaign_service.start_trial(db_session=session, item_id=item.id, start=date(2025, 4, 1))
    assert item.trial_end == date(2025, 9, 30)
    campaign_service.check_in(db_session=session, item_id=item.id, on=date(2025, 5, 1), note="样机节能 12%")
    _, contract = campaign_service.license_item(db_session=session, item_id=item.id, on=date(2025, 8, 1),
                                                licensor_name="山东某大学", price=Decimal(200000))
    assert item.status == "licensed" and item.trial_status == "completed" and contract.push_item_id == item.id
    contract_service.start_publicity(db_session=session, contract_id=contract.id, start=date(2025, 8, 2))
    contract_service.approve_contract(db_session=session, contract_id=contract.id, on=date(2025, 8, 20))
    contract_service.sign_contract(db_session=session, contract_id=contract.id, on=date(2025, 8, 21))
    pay = contract_service.schedule_payment(db_session=session, contract_id=contract.id, kind="lump_sum",
                                            due_date=date(2025, 9, 1), amount_due=Decimal(200000))
    receipt = contract_service.receive(db_session=session, payment_id=pay.id, amount=Decimal(200000),
                                       received_on=date(2025, 9, 1))
    dist = contract_service.distribute_income(db_session=session, contract_id=contract.id, receipt_id=receipt.id,
                                              gross_income=Decimal(200000), staff_points={"王老师": 1})
    assert sum(Decimal(a["amount"]) for a in dist.allocations) == Decimal(200000)

    campaign_service.decline_item(db_session=session, item_id=heavy[1].id, on=date(2025, 3, 5), reason="不属主业")
    [row] = campaign_service.funnel_metrics(db_session=session, campaign_id=camp.id)
    assert (row["pushed"], row["interested"], row["trial"], row["licensed"], row["declined"]) == (
        len(items), 1, 1, 1, 1)
    assert row["median_days_to_licence"] == (date(2025, 8, 1) - date(2025, 3, 1)).days
    by_inst = {r["group"]: r for r in campaign_service.funnel_metrics(db_session=session, by="institution")}
    assert by_inst["山东某大学"]["licensed"] == 1
    trail = accounts_service.audit_trail(db_session=session, entity="push_item", entity_id=item.id)
    assert [e.action for e in trail] == ["push_item.interested", "push_item.trial", "push_item.checkin",
                                         "push_item.completed", "push_item.licensed"]


def test_item_rejections(session, world):
    camp = campaign_service.create_campaign(db_session=session, name="c", region_codes=["370100"],
                                            institution_ids=[world["uni"].id])
    res = campaign_service.add_enterprises(db_session=session, campaign_id=camp.id,
                                           rows=[{"name": "甲", "industry_codes": "C3511"}])
    campaign_service.build_push_lists(db_session=session, campaign_id=camp.id, on=date(2025, 1, 1))
    item = campaign_service.push_items(db_session=session, campaign_id=camp.id)[0]
    with pytest.raises(IllegalTransition, match="'pushed' to 'trial'"):
        campaign_service.start_trial(db_session=session, item_id=item.id, start=date(2025, 1, 2))
    with pytest.raises(LicensingError, match="no active trial"):
        campaign_service.check_in(db_session=session, item_id=item.id, on=date(2025, 1, 2), note="x")
    with pytest.raises(LicensingError, match="reason"):
        campaign_service.decline_item(db_session=session, item_id=item.id, on=date(2025, 1, 2), reason=" ")
    campaign_service.mark_interested(db_session=session, item_id=item.id, on=date(2025, 1, 2))
    with pytest.raises(LicensingError, match="at least one month"):
        campaign_service.start_trial(db_session=session, item_id=item.id, start=date(2025, 1, 2), months=0)
    campaign_service.start_trial(db_session=session, item_id=item.id, start=date(2025, 1, 3))
    with pytest.raises(LicensingError, match="before the trial started"):
        campaign_service.check_in(db_session=session, item_id=item.id, on=date(2025, 1, 1), note="x")
    campaign_service.decline_item(db_session=session, item_id=item.id, on=date(2025, 2, 1), reason="成本高")
    assert item.trial_status == "abandoned" and "成本高" in item.trial_outcome
    with pytest.raises(IllegalTransition, match="'declined' to 'licensed'"):
        campaign_service.license_item(db_session=session, item_id=item.id, on=date(2025, 3, 1), licensor_name="U")
    dup = campaign_service.add_enterprises(db_session=session, campaign_id=camp.id,
                                           rows=[{"name": "甲", "industry_codes": "C3511"}])
    assert dup["errors"][0]["error"] == "already in the campaign" and res["added"] == 1


@pytest.mark.parametrize("kw, error", [
    ({"region_codes": ["37"]}, "6-digit GB/T 2260"), ({"region_codes": []}, "none given"),
    ({"name": " "}, "needs a name"), ({"institution_ids": [999999]}, "999999 does not exist"),
    ({"push_size": 0}, "push_size"),
])
def test_campaign_rejections(session, kw, error):
    args = dict(name="c", region_codes=["370100"], institution_ids=[])
    args.update(kw)
    with pytest.raises(LicensingError, match=error):
        campaign_service.create_campaign(db_session=session, **args)


def test_csv_without_required_columns_is_refused():
    with pytest.raises(LicensingError, match="lacks column"):
        campaign_service.read_enterprise_csv(io.StringIO("company,region\nA,370100\n"))


def test_funnel_group_key_is_checked(session):
    with pytest.raises(LicensingError, match="cannot group"):
        campaign_service.funnel_metrics(db_session=session, by="colour")
