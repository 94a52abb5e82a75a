"""The 盘点 campaign on real databases: scope, assessment, the review chain, progress, permissions."""

from datetime import date, timedelta

import pytest

from panhuo.accounts.models import AuditEvent
from panhuo.accounts.permissions import PermissionDenied
from panhuo.inventory import rules
from panhuo.inventory import service as inventory_service

COMPLETE = {"value_grade": "转化前景较好", "trl": "6", "willing": "是", "modes": "许可", "implemented": "否",
            "scenarios": "储能电站", "asking_price": "30"}
COMPLETE["modes"] = "普通许可"


def _campaign_and_item(session, demo):
    admin = demo("uni-admin")
    campaign = inventory_service.list_campaigns(db_session=session, principal=admin)[0]
    items = inventory_service.list_items(db_session=session, principal=admin, campaign=campaign)
    item = next(i for i, _ in items if i.inventor_user_id is not None)
    return campaign, item


def test_scope_takes_valid_patents_of_the_institution_once(session, demo):
    admin = demo("uni-admin")
    campaign, _ = _campaign_and_item(session, demo)
    items = inventory_service.list_items(db_session=session, principal=admin, campaign=campaign)
    assert items and all(p.institution_id == campaign.institution_id and p.legal_status == "valid" for _, p in items)
    assert inventory_service.add_scope(db_session=session, principal=admin, campaign=campaign) == 0


def test_full_review_chain_with_return_for_correction(session, demo):
    campaign, item = _campaign_and_item(session, demo)
    inventor, reviewer, admin = demo("inventor"), demo("dept-reviewer"), demo("uni-admin")
    errors = inventory_service.save_assessment(db_session=session, principal=inventor, item=item,
                                               values={**COMPLETE, "trl": "12"})
    assert errors == {"trl": "must be between 1 and 9"}
    assert item.assessment["value_grade"] == 4  # the good fields were kept
    with pytest.raises(rules.TransitionError, match="incomplete: trl"):
        inventory_service.transition(db_session=session, principal=inventor, item=item, name="submit")
    inventory_service.save_assessment(db_session=session, principal=inventor, item=item, values={"trl": 6})
    inventory_service.transition(db_session=session, principal=inventor, item=item, name="submit")
    inventory_service.transition(db_session=session, principal=reviewer, item=item, name="department_return",
                                 comment="请补充实施情况")
    assert item.status == "returned"
    inventory_service.save_assessment(db_session=session, principal=inventor, item=item,
                                      values={"implementation_note": "无"})
    inventory_service.transition(db_session=session, principal=inventor, item=item, name="submit")
    inventory_service.transition(db_session=session, principal=reviewer, item=item, name="department_approve")
    with pytest.raises(PermissionDenied):
        inventory_service.transition(db_session=session, principal=reviewer, item=item, name="institution_approve")
    inventory_service.transition(db_session=session, principal=admin, item=item, name="institution_approve")
    assert item.status == "accepted" and item.accepted_at is not None
    assert [c.action for c in item.comments] == ["submit", "department_return", "submit", "department_approve",
                                                 "institution_approve"]
    assert item.comments[1].comment == "请补充实施情况"
    audited = session.query(AuditEvent).filter(AuditEvent.entity == "patent",
                                               AuditEvent.entity_id == str(item.patent_id),
                                               AuditEvent.action.like("inventory.%")).count()
    assert audited == 5
    progress = inventory_service.progress(db_session=session, principal=admin, campaign=campaign)
    assert progress["accepted"] == 1 and progress["rate"] == pytest.approx(1 / progress["total"])


def test_accepted_assessment_is_frozen(session, demo):
    _campaign, item = _campaign_and_item(session, demo)
    item.status = "accepted"
    with pytest.raises(rules.TransitionError, match="no longer be edited"):
        inventory_service.save_assessment(db_session=session, principal=demo("inventor"), item=item,
                                          values={"trl": 3})


@pytest.mark.parametrize("username", ["enterprise", "uni2-admin"])
def test_outsiders_cannot_see_or_fill_the_campaign(session, demo, username):
    _campaign, item = _campaign_and_item(session, demo)
    outsider = demo(username)
    assert inventory_service.list_campaigns(db_session=session, principal=outsider) == []
    with pytest.raises(PermissionDenied):
        inventory_service.get_item_for(db_session=session, principal=outsider, item_id=item.id)
    with pytest.raises(PermissionDenied):
        inventory_service.save_assessment(db_session=session, principal=outsider, item=item, values={"trl": 3})


def test_operator_sees_every_campaign_and_progress(session, demo):
    campaign, _ = _campaign_and_item(session, demo)
    operator = demo("operator")
    assert campaign in inventory_service.list_campaigns(db_session=session, principal=operator)
    assert inventory_service.progress(db_session=session, principal=operator, campaign=campaign)["total"] > 0


def test_reminders_list_open_items_near_the_deadline(session, demo):
    campaign, _item = _campaign_and_item(session, demo)
    admin = demo("uni-admin")
    campaign.deadline = date.today() - timedelta(days=1)
    rows = inventory_service.reminders(db_session=session, principal=admin, campaign=campaign, today=date.today())
    assert rows and all(r["overdue"] for r in rows)
    assert any(r["inventor"] == "inventor" for r in rows)


def test_my_items_is_the_personal_queue(session, demo):
    _campaign, item = _campaign_and_item(session, demo)
    mine = inventory_service.my_items(db_session=session, principal=demo("inventor"))
    assert item.id in {i.id for i, _ in mine}
    assert inventory_service.my_items(db_session=session, principal=demo("dept-reviewer")) == []


def test_accepted_assessment_reaches_valuation(session, demo):
    from sqlalchemy import select

    from panhuo.valuation.models import SelfAssessment

    _campaign, item = _campaign_and_item(session, demo)
    inventory_service.save_assessment(db_session=session, principal=demo("inventor"), item=item,
                                      values={**COMPLETE, "scenarios": "储能电站；电动汽车"})
    for who, step in (("inventor", "submit"), ("dept-reviewer", "department_approve"),
                      ("uni-admin", "institution_approve")):
        inventory_service.transition(db_session=session, principal=demo(who), item=item, name=step)
    row = session.scalars(select(SelfAssessment).where(SelfAssessment.patent_id == item.patent_id)).one()
    assert (row.value_grade, row.trl, row.asking_price) == (4, 6, 300_000.0)
    assert row.scenarios == ["储能电站", "电动汽车"] and row.modes == ["许可"]
