"""Open-licence declarations and licences on real databases."""

from datetime import date
from decimal import Decimal

import pytest

from panhuo.accounts import service as accounts_service
from panhuo.licensing import contracts as contract_service
from panhuo.licensing import service as licensing_service
from panhuo.licensing.rules import LicensingError, RuleViolation
from panhuo.licensing.states import IllegalTransition

FEES = {"mode": "lump_sum", "lump_sum": "20000"}


def _declare(session, patent, **kw):
    args = dict(patent_id=patent.id, fee_terms=FEES, term_start=date(2025, 1, 1), term_end=date(2027, 12, 31),
                consenting_owners=[pp.party.name for pp in patent.parties_in("patentee")], actor="tester")
    args.update(kw)
    return licensing_service.create_declaration(db_session=session, **args)


def test_declaration_lifecycle_and_fee_reduction_date(session, factory):
    patent = factory.patent(session)
    decl = _declare(session, patent)
    assert licensing_service.active_open_licence_since(db_session=session, patent_id=patent.id) is None
    licensing_service.file_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 2))
    licensing_service.publish_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 20))
    since = licensing_service.active_open_licence_since
    assert since(db_session=session, patent_id=patent.id, on=date(2025, 3, 1)) == date(2025, 1, 20)
    assert since(db_session=session, patent_id=patent.id, on=date(2025, 1, 19)) is None
    licensing_service.withdraw_declaration(db_session=session, declaration_id=decl.id, on=date(2026, 1, 1))
    assert since(db_session=session, patent_id=patent.id, on=date(2026, 1, 1)) is None
    assert since(db_session=session, patent_id=patent.id, on=date(2025, 12, 31)) == date(2025, 1, 20)
    actions = [e.action for e in accounts_service.audit_trail(db_session=session, entity="declaration",
                                                              entity_id=decl.id)]
    assert actions == ["declaration.create", "declaration.filed", "declaration.published", "declaration.withdrawn"]


@pytest.mark.parametrize("kwargs, check", [
    ({"other_terms": "技术国际领先"}, "promotional_language"),
    ({"fee_terms": {"mode": "royalty", "royalty_pct": 25, "royalty_basis": "net_sales"}}, "fee_cap"),
    ({"term_end": date(2025, 6, 30)}, "term_minimum"),
    ({"term_end": date(2042, 1, 1)}, "term_within_expiry"),  # filed 2021-03-01 + 20 years
])
def test_content_problems_refuse_the_draft(session, factory, kwargs, check):
    patent = factory.patent(session)
    with pytest.raises(RuleViolation) as info:
        _declare(session, patent, **kwargs)
    assert check in [p.check for p in info.value.problems]


@pytest.mark.parametrize("patent_kw, decl_kw, check", [
    ({"status": "lapsed"}, {}, "granted_and_valid"),
    ({"suspended": True}, {}, "not_suspended"),
    ({"annual_fees_paid": False}, {}, "annual_fees_paid"),
    ({"fee_grace_period": True}, {}, "annual_fees_paid"),
    ({"events": [("pledge", {})]}, {}, "pledge_consent"),
    ({"owners": ("山东某大学", "某公司")}, {"consenting_owners": ["山东某大学"]}, "co_owners_consent"),
    ({"patent_type": "utility_model"}, {}, "evaluation_report"),
    ({"events": [("licence", {"licence_type": "exclusive"})]}, {}, "no_exclusive_or_sole_licence"),
])
def test_each_eligibility_failure_blocks_filing_by_name(session, factory, patent_kw, decl_kw, check):
    patent = factory.patent(session, **patent_kw)
    decl = _declare(session, patent, **decl_kw)
    report = licensing_service.check(db_session=session, declaration_id=decl.id)
    assert check in [p["check"] for p in report["eligibility"]] and not report["ok"]
    with pytest.raises(RuleViolation, match=check):
        licensing_service.file_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 2))
    assert decl.status == "draft"


def test_released_pledge_and_evaluation_report_pass(session, factory):
    patent = factory.patent(session, patent_type="utility_model",
                            events=[("pledge", {}), ("pledge_release", {})])
    decl = _declare(session, patent, evaluation_report_no="PJ2024001", evaluation_report_positive=True,
                    term_end=date(2027, 12, 31))
    assert licensing_service.check(db_session=session, declaration_id=decl.id)["ok"]


def test_exclusive_contract_in_force_blocks_declaration(session, factory):
    patent = factory.patent(session)
    con = contract_service.create_contract(db_session=session, kind="licence", licence_type="exclusive",
                                           patent_ids=[patent.id], licensor_name="山东某大学",
                                           licensee_name="甲公司", pricing_route="listing", listing_ref="L-1")
    contract_service.approve_contract(db_session=session, contract_id=con.id, on=date(2024, 1, 1))
    contract_service.sign_contract(db_session=session, contract_id=con.id, on=date(2024, 1, 2))
    decl = _declare(session, patent)
    [problem] = licensing_service.check(db_session=session, declaration_id=decl.id, on=date(2025, 1, 1))["eligibility"]
    assert problem["check"] == "no_exclusive_or_sole_licence" and "甲公司" in problem["message"]


def test_standing_declaration_blocks_exclusive_and_sole_but_not_ordinary(session, factory):
    patent = factory.patent(session)
    decl = _declare(session, patent)
    licensing_service.file_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 2))
    for kind in ("exclusive", "sole"):
        with pytest.raises(LicensingError, match="Art. 51"):
            contract_service.create_contract(db_session=session, kind="licence", licence_type=kind,
                                             patent_ids=[patent.id], licensor_name="U", licensee_name="甲")
    ordinary = contract_service.create_contract(db_session=session, kind="licence", patent_ids=[patent.id],
                                                licensor_name="U", licensee_name="甲")
    assert ordinary.licence_type == "ordinary"


def test_open_licence_notice_payment_effect_recordal_and_withdrawal(session, factory):
    patent = factory.patent(session)
    decl = _declare(session, patent)
    with pytest.raises(LicensingError, match="not published"):
        licensing_service.take_open_licence(db_session=session, declaration_id=decl.id, licensee_name="甲",
                                            notified_on=date(2025, 1, 1))
    licensing_service.file_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 2))
    licensing_service.publish_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 20))
    lic = licensing_service.take_open_licence(db_session=session, declaration_id=decl.id, licensee_name="甲公司",
                                              notified_on=date(2025, 2, 1))
    with pytest.raises(LicensingError, match="below the published fee of 20000"):
        licensing_service.pay_open_licence(db_session=session, licence_id=lic.id, paid_on=date(2025, 2, 2),
                                           amount=Decimal(100))
    with pytest.raises(IllegalTransition, match="'notified' to 'effective'"):
        licensing_service.licence_effective(db_session=session, licence_id=lic.id, on=date(2025, 2, 3))
    licensing_service.pay_open_licence(db_session=session, licence_id=lic.id, paid_on=date(2025, 2, 2),
                                       amount=Decimal(20000))
    licensing_service.licence_effective(db_session=session, licence_id=lic.id, on=date(2025, 2, 3))
    assert lic.recordal_deadline == date(2025, 5, 3)
    due = licensing_service.recordals_due(db_session=session, on=date(2025, 5, 10))
    assert [(d["id"], d["overdue"]) for d in due if d["entity"] == "open_licence"] == [(lic.id, True)]
    licensing_service.withdraw_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 6, 1))
    licensing_service.record_open_licence(db_session=session, licence_id=lic.id, on=date(2025, 6, 2))
    assert lic.status == "recorded"  # withdrawal leaves the licence intact
    trail = accounts_service.audit_trail(db_session=session, entity="open_licence", entity_id=lic.id)
    assert "after the deadline" in trail[-1].note


def test_illegal_declaration_moves_raise(session, factory):
    decl = _declare(session, factory.patent(session))
    with pytest.raises(IllegalTransition, match="'draft' to 'published'"):
        licensing_service.publish_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 1))
    with pytest.raises(IllegalTransition, match="'draft' to 'withdrawn'"):
        licensing_service.withdraw_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 1))


def test_deferred_fee_trial_needs_no_upfront_payment(session, factory):
    patent = factory.patent(session)
    decl = _declare(session, patent, trial_months=6)
    licensing_service.file_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 2))
    licensing_service.publish_declaration(db_session=session, declaration_id=decl.id, on=date(2025, 1, 3))
    lic = licensing_service.take_open_licence(db_session=session, declaration_id=decl.id, licensee_name="乙",
                                              notified_on=date(2025, 2, 1))
    licensing_service.pay_open_licence(db_session=session, licence_id=lic.id, paid_on=date(2025, 2, 1), amount=0)
    assert lic.status == "paid"
