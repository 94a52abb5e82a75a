"""Fee facts from the database: owners' eligibility, open licences, calendar, portfolio cost (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from panhuo.accounts.models import Organisation
from panhuo.fees import service as fee_service
from panhuo.patents.models import Party, Patent, PatentParty

AS_OF = date(2025, 1, 1)


def make_patent(session, number: str, owners: list[tuple[str, str]], *, patent_type="invention",
                filing=date(2018, 5, 20), grant=date(2021, 9, 1), status="valid", institution_id=None) -> Patent:
    patent = Patent(application_no=number, patent_type=patent_type, title=f"专利 {number}", filing_date=filing,
                    grant_date=grant, legal_status=status, institution_id=institution_id)
    for position, (name, kind) in enumerate(owners):
        party = session.query(Party).filter_by(key=name).one_or_none() or Party(name=name, key=name, kind=kind)
        patent.parties.append(PatentParty(party=party, role="patentee", position=position, raw_name=name))
    session.add(patent)
    session.flush()
    return patent


def facts(session, patent, **kw):
    return fee_service.fees_for(db_session=session, patent=patent, as_of=AS_OF, **kw)


def test_sole_university_gets_85_percent(session):
    pf = facts(session, make_patent(session, "CN201810000001.1", [("浙江大学", "university")]))
    assert pf.decision.pct == 85 and pf.owners[0].eligible is True
    assert (pf.facts.next_due.year, pf.facts.next_due.fee_fen) == (8, 30_000)
    assert [c.year for c in pf.facts.cliffs] == [10, 13, 14, 16]  # 14: end of the 费减 window


def test_joint_with_enterprise_gets_no_reduction_and_is_flagged(session):
    pf = facts(session, make_patent(session, "CN201810000002.1", [("浙江大学", "university"), ("某某科技有限公司",
                                                                                             "enterprise")]))
    assert pf.decision.pct == 0 and "joint_ineligible_owner" in pf.decision.flags
    assert pf.facts.next_due.fee_fen == 200_000


def test_enterprise_default_is_configurable(session):
    patent = make_patent(session, "CN201810000003.1", [("浙江大学", "university"), ("小微企业", "enterprise")])
    policy = fee_service.EligibilityPolicy(enterprise=True)
    assert facts(session, patent, policy=policy).decision.pct == 70


def test_organisation_flag_overrides_the_kind(session):
    org = Organisation(name="某高新技术企业", kind="enterprise", fee_reduction_eligible=True)
    session.add(org)
    session.flush()
    patent = make_patent(session, "CN201810000004.1", [("某高新技术企业", "enterprise")])
    patent.parties[0].party.organisation_id = org.id
    session.flush()
    pf = facts(session, patent)
    assert pf.decision.pct == 85 and pf.owners[0].why.startswith("机构记录")


def test_individual_is_unknown_and_not_reduced_by_default(session):
    pf = facts(session, make_patent(session, "CN201810000005.1", [("张三", "individual")]))
    assert pf.decision.pct == 0 and pf.decision.flags == ("eligibility_assumed",)


def test_open_licence_from_the_licensing_feature(session):
    from panhuo.licensing.models import Declaration

    patent = make_patent(session, "CN200810000006.1", [("某某科技有限公司", "enterprise")],
                         filing=date(2008, 3, 1), grant=date(2011, 6, 1))
    session.add(Declaration(patent_id=patent.id, status="published", patent_number=patent.application_no,
                            patentee="某某科技有限公司", term_start=date(2024, 6, 1), term_end=date(2028, 2, 29),
                            published_on=date(2024, 6, 1)))
    session.flush()
    pf = facts(session, patent)
    assert pf.case.open_licence_since == date(2024, 6, 1)
    assert (pf.facts.next_due.pct, pf.facts.next_due.basis) == (15, "open_licence")
    assert pf.facts.next_due.fee_fen == 680_000  # year 18: 8000 less 15 %


def test_missing_data_is_reported_not_guessed(session):
    patent = make_patent(session, "CN201810000007.1", [("浙江大学", "university")], patent_type="unknown")
    pf = facts(session, patent)
    assert pf.facts is None and "unknown patent type 'unknown'" in pf.problems


def test_calendar_and_portfolio_cost(session):
    org = Organisation(name="测试大学", kind="university")
    session.add(org)
    session.flush()
    a = make_patent(session, "CN201810000011.1", [("测试大学", "university")], institution_id=org.id)
    make_patent(session, "CN201610000012.1", [("测试大学", "university")], patent_type="utility_model",
                filing=date(2016, 2, 29), grant=date(2016, 9, 1), institution_id=org.id)
    make_patent(session, "CN201810000013.1", [("测试大学", "university")], status="lapsed", institution_id=org.id)
    make_patent(session, "CN201810000014.1", [("别的大学", "university")])
    entries = fee_service.payment_calendar(db_session=session, as_of=AS_OF, months=12, institution_id=org.id)
    assert [(e.application_no, e.year, e.due_date, e.fee_fen) for e in entries] == [
        ("CN201610000012.1", 10, date(2025, 2, 28), 30_000), ("CN201810000011.1", 8, date(2025, 5, 20), 30_000)]
    assert entries[0].grace_end == date(2025, 8, 28)
    assert fee_service.monthly_totals(entries) == {"2025-02": 30_000, "2025-05": 30_000}
    cost = fee_service.portfolio_cost(db_session=session, as_of=AS_OF, institution_id=org.id, drop_ids={a.id})
    # Invention from year 8: 300 ×2 + 600 ×3 + 900 + 6000 ×2 + 8000 ×5; utility model: year 10 at 300.
    invention = 600 + 1800 + 900 + 12_000 + 40_000
    assert (cost.patents, cost.cost_to_expiry_fen, cost.next_12_months_fen) == (2, (invention + 300) * 100, 60_000)
    assert (cost.dropped, cost.saving_fen, cost.saving_next_12_months_fen) == (1, invention * 100, 30_000)


@pytest.mark.parametrize("ref", ["测试大学", "id"])
def test_resolve_institution_by_name_or_id(session, ref):
    org = Organisation(name="测试大学", kind="university")
    session.add(org)
    session.flush()
    found = fee_service.resolve_institution(db_session=session, ref=str(org.id) if ref == "id" else ref)
    assert found is not None and found.id == org.id
