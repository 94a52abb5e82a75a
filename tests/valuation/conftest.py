"""Small hand-made portfolios for valuation tests."""

from datetime import date

import pytest

from panhuo.accounts.models import Organisation
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty


def make_patent(session, number: str, *, owners=(("某大学", "university"),), events=(), **fields) -> Patent:
    """A granted invention with owners [(name, kind)] and events [(kind, date, details)]."""
    values = {"patent_type": "invention", "legal_status": "valid", "title": f"专利 {number}",
              "filing_date": date(2016, 3, 1), "grant_date": date(2019, 6, 1), "ipc_main": "G06F 16/35",
              "ipc_all": ["G06F 16/35"], "claims_count": 10, "independent_claims_count": 2, **fields}
    patent = Patent(application_no=number, **values)
    session.add(patent)
    session.flush()
    for pos, (name, kind) in enumerate(owners):
        party = session.query(Party).filter_by(key=name).one_or_none() or Party(name=name, key=name, kind=kind)
        session.add(party)
        session.flush()
        session.add(PatentParty(patent_id=patent.id, party_id=party.id, role="patentee", position=pos, raw_name=name))
    for kind, when, details in events:
        session.add(LegalEvent(patent_id=patent.id, kind=kind, event_date=when, details=details or {}))
    session.flush()
    return patent


@pytest.fixture
def portfolio(session):
    """Five patents exercising blockers, owners and missing data."""
    dept = Organisation(name="计算机学院", kind="department")
    session.add(dept)
    session.flush()
    p = {
        "plain": make_patent(session, "CN201610000001.1", department_id=dept.id),
        "pledged": make_patent(session, "CN201610000002.1", events=[("pledge", date(2022, 1, 5), {})]),
        "released": make_patent(session, "CN201610000003.1", events=[("pledge", date(2021, 1, 5), {}),
                                                                      ("pledge_release", date(2023, 1, 5), {})]),
        "exclusive": make_patent(session, "CN201610000004.1",
                                 events=[("licence", date(2022, 1, 5), {"type": "独占", "expiry": "2030-01-01"})],
                                 owners=(("某大学", "university"), ("某科技有限公司", "enterprise"))),
        "lapsed": make_patent(session, "CN201610000005.1", legal_status="lapsed"),
    }
    return p
