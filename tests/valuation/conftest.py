"""Small hand-made portfolios for valuation tests."""

from datetime import date

import pytest
from valuation_factories import make_patent

from panhuo.accounts.models import Organisation


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
