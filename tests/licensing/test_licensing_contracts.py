"""Contracts, 公示, payments, reminders and income distribution on real databases."""

from datetime import date
from decimal import Decimal

import pytest

from panhuo.licensing import contracts as contract_service
from panhuo.licensing.rules import LicensingError, RuleViolation
from panhuo.licensing.states import IllegalTransition

D = Decimal


def _contract(session, factory, **kw):
    patent = factory.patent(session)
    args = dict(kind="licence", patent_ids=[patent.id], licensor_name="山东某大学", licensee_name="甲公司",
                title=patent.title, price=D(300000), fee_terms={"mode": "royalty", "royalty_pct": "4",
                                                                "royalty_basis": "net_sales"})
    args.update(kw)
    return contract_service.create_contract(db_session=session, **args)


def test_agreement_pricing_needs_publicity_before_approval(session, factory):
    con = _contract(session, factory)
    assert con.licence_type == "ordinary" and con.pricing_route == "agreement"
    with pytest.raises(LicensingError, match="公示 first"):
        contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 1))
    contract_service.start_publicity(db_session=session, contract_id=con.id, start=date(2025, 1, 1))
    assert con.publicity_end == date(2025, 1, 16)  # 15 days from data
    with pytest.raises(LicensingError, match="runs until 2025-01-16"):
        contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 10))
    contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 16))
    contract_service.sign_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 20))
    assert con.recordal_deadline == date(2025, 4, 20)
    contract_service.record_contract(db_session=session, contract_id=con.id, on=date(2025, 3, 1))
    contract_service.terminate_contract(db_session=session, contract_id=con.id, on=date(2026, 1, 1), reason="到期")
    assert con.status == "terminated"


@pytest.mark.parametrize("kw, error", [
    ({"kind": "gift"}, "unknown contract kind"),
    ({"licence_type": "shared"}, "unknown licence type"),
    ({"pricing_route": "lottery"}, "unknown pricing route"),
    ({"pricing_route": "auction"}, "needs the listing or auction reference"),
    ({"patent_ids": []}, "at least one patent"),
    ({"term_start": date(2025, 2, 1), "term_end": date(2025, 1, 1)}, "ends"),
    ({"distribution_rule": {"team_share": "0.3", "staff_share_of_reward": "0.05"}}, "team_share_floor"),
    ({"distribution_rule": {"team_share": "0.7", "staff_share_of_reward": "0.01"}}, "staff_share_floor"),
])
def test_contract_rejections(session, factory, kw, error):
    with pytest.raises((LicensingError, RuleViolation), match=error):
        _contract(session, factory, **kw)


def test_publicity_rejections_and_objection(session, factory):
    listed = _contract(session, factory, pricing_route="listing", listing_ref="山东产权交易中心 G2025-1")
    with pytest.raises(LicensingError, match="no 公示 is needed"):
        contract_service.start_publicity(db_session=session, contract_id=listed.id, start=date(2025, 1, 1))
    no_price = _contract(session, factory, price=None)
    with pytest.raises(LicensingError, match="name .* and the proposed price"):
        contract_service.start_publicity(db_session=session, contract_id=no_price.id, start=date(2025, 1, 1))
    con = _contract(session, factory)
    contract_service.start_publicity(db_session=session, contract_id=con.id, start=date(2025, 1, 1), days=5)
    contract_service.object_to_contract(db_session=session, contract_id=con.id, reason="价格异议")
    assert con.status == "draft"


@pytest.mark.parametrize("steps, target", [
    ([], "sign"), ([], "record"), ([], "terminate"), (["approve"], "record"),
])
def test_illegal_contract_moves(session, factory, steps, target):
    con = _contract(session, factory, pricing_route="listing", listing_ref="L-9")
    for step in steps:
        contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 1))
    call = {"sign": contract_service.sign_contract, "record": contract_service.record_contract}
    with pytest.raises(IllegalTransition):
        if target == "terminate":
            contract_service.terminate_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 1),
                                                reason="x")
        else:
            call[target](db_session=session, contract_id=con.id, on=date(2025, 1, 1))


def _signed(session, factory, **kw):
    con = _contract(session, factory, pricing_route="listing", listing_ref="L-1", **kw)
    contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 1))
    contract_service.sign_contract(db_session=session, contract_id=con.id, on=date(2025, 1, 2))
    return con


def test_payments_receipts_reminders(session, factory):
    con = _signed(session, factory)
    lump = contract_service.schedule_payment(db_session=session, contract_id=con.id, kind="lump_sum",
                                             due_date=date(2025, 2, 1), amount_due=D(100000))
    mile = contract_service.schedule_payment(db_session=session, contract_id=con.id, kind="milestone",
                                             due_date=date(2025, 6, 1), amount_due=D(50000), milestone="中试完成")
    roy = contract_service.schedule_payment(db_session=session, contract_id=con.id, kind="royalty",
                                            due_date=date(2026, 1, 31), period_start=date(2025, 1, 1),
                                            period_end=date(2025, 12, 31))
    due = contract_service.reminders(db_session=session, on=date(2025, 1, 15))
    assert [r["payment_id"] for r in due] == [lump.id]
    contract_service.receive(db_session=session, payment_id=lump.id, amount=D(40000), received_on=date(2025, 2, 1))
    assert lump.status == "partial"
    with pytest.raises(LicensingError, match="exceeds the 60000"):
        contract_service.receive(db_session=session, payment_id=lump.id, amount=D(70000), received_on=date(2025, 2, 2))
    contract_service.receive(db_session=session, payment_id=lump.id, amount=D(60000), received_on=date(2025, 2, 3))
    assert lump.status == "paid"
    with pytest.raises(LicensingError, match="no amount yet"):
        contract_service.receive(db_session=session, payment_id=roy.id, amount=D(1), received_on=date(2026, 1, 1))
    contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(2000000))
    assert roy.amount_due == D("80000.00") and roy.royalty_pct == D(4)
    with pytest.raises(LicensingError, match="not a royalty period"):
        contract_service.report_royalty(db_session=session, payment_id=mile.id, reported_base=D(1))
    late = contract_service.reminders(db_session=session, on=date(2025, 7, 1), within_days=0)
    assert [(r["payment_id"], r["overdue_days"]) for r in late] == [(mile.id, 30)]


@pytest.mark.parametrize("kw, error", [
    ({"kind": "bonus", "amount_due": D(1)}, "unknown payment kind"),
    ({"kind": "lump_sum", "amount_due": D(0)}, "positive amount"),
    ({"kind": "milestone", "amount_due": D(5)}, "needs the milestone"),
])
def test_payment_rejections(session, factory, kw, error):
    con = _signed(session, factory)
    with pytest.raises(LicensingError, match=error):
        contract_service.schedule_payment(db_session=session, contract_id=con.id, due_date=date(2025, 1, 1), **kw)


def test_income_distribution_defaults_to_patent_inventors(session, factory):
    con = _signed(session, factory)
    dist = contract_service.distribute_income(db_session=session, contract_id=con.id, gross_income=D(110000),
                                              costs=D(10000), staff_points={"王老师": 8, "赵老师": 2})
    by_name = {a["name"]: D(a["amount"]) for a in dist.allocations}
    assert by_name["张三"] == by_name["李四"] == D("33250.00")
    assert by_name["王老师"] == D("2800.00") and by_name["赵老师"] == D("700.00")
    assert by_name["山东某大学"] == D("30000.00")
    assert sum(by_name.values()) == D(100000)
    kpis = contract_service.kpis(db_session=session)
    assert kpis["net_income_distributed"] == D(100000) and kpis["by_mode"]["licence:ordinary"]["signed"] == 1


def test_distribution_needs_a_signed_contract(session, factory):
    con = _contract(session, factory)
    with pytest.raises(LicensingError, match="once signed"):
        contract_service.distribute_income(db_session=session, contract_id=con.id, gross_income=D(1),
                                           staff_points={})


def _royalty_period(session, con):
    return contract_service.schedule_payment(db_session=session, contract_id=con.id, kind="royalty",
                                             due_date=date(2026, 1, 31), period_start=date(2025, 1, 1),
                                             period_end=date(2025, 12, 31))


def test_royalty_report_is_entered_once_and_never_overwrites_a_paid_period(session, factory):
    con = _signed(session, factory)
    roy = _royalty_period(session, con)
    with pytest.raises(LicensingError, match="changed by someone else"):
        contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(1000),
                                        expected_version=roy.version_id + 1)
    contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(1000000),
                                    expected_version=roy.version_id)
    assert roy.amount_due == D("40000.00")
    with pytest.raises(LicensingError, match="already reported"):  # reported, nothing received yet
        contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(1))
    contract_service.receive(db_session=session, payment_id=roy.id, amount=D(10000), received_on=date(2026, 2, 1))
    assert roy.status == "partial"
    with pytest.raises(LicensingError, match="already reported"):
        contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(1))
    session.refresh(roy)
    assert roy.amount_due == D("40000.00") and roy.reported_base == D(1000000)


@pytest.mark.parametrize("stage", ["draft", "terminated"])
def test_royalty_report_needs_a_contract_in_force(session, factory, stage):
    con = _contract(session, factory) if stage == "draft" else _signed(session, factory)
    roy = _royalty_period(session, con)
    if stage == "terminated":
        contract_service.terminate_contract(db_session=session, contract_id=con.id, on=date(2025, 6, 1), reason="违约")
    with pytest.raises(LicensingError, match=f"'{stage}': royalty reports"):
        contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(1000))
    assert roy.amount_due is None


@pytest.mark.parametrize("pct", [D(0), D("100.5"), D("1e14")])
def test_royalty_rate_must_be_a_percentage(session, factory, pct):
    roy = _royalty_period(session, _signed(session, factory))
    with pytest.raises(LicensingError, match="out of range"):
        contract_service.report_royalty(db_session=session, payment_id=roy.id, reported_base=D(1000), royalty_pct=pct)
    assert roy.amount_due is None and roy.royalty_pct is None


def test_dates_outside_the_supported_years_are_refused(session, factory):
    con = _contract(session, factory)
    with pytest.raises(LicensingError, match="use a year from 1985 to 2200"):
        contract_service.start_publicity(db_session=session, contract_id=con.id, start=date(9999, 12, 31))
    contract_service.start_publicity(db_session=session, contract_id=con.id, start=date(2025, 1, 1))
    contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2025, 2, 1))
    with pytest.raises(LicensingError, match="use a year from 1985 to 2200"):
        contract_service.sign_contract(db_session=session, contract_id=con.id, on=date(9999, 12, 20))
    assert con.status == "approved"
