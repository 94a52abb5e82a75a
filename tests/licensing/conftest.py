"""Hand-made records for the licensing tests (no reference data)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from panhuo.accounts.models import Organisation
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty

_seq = itertools.count(1)


def make_org(session, name: str, kind: str = "university", region_code: str = "370100") -> Organisation:
    org = Organisation(name=name, kind=kind, region_code=region_code)
    session.add(org)
    session.flush()
    return org


def _party(session, name: str, kind: str) -> Party:
    party = Party(name=name, key=f"{name}-{next(_seq)}", kind=kind)
    session.add(party)
    return party


def make_patent(session, *, title: str = "一种液压挖掘机的节能控制方法", owners=("山东某大学",),
                inventors=("张三", "李四"), patent_type: str = "invention", status: str = "valid",
                institution: Organisation | None = None, industries=("C3511",), region_code: str = "370100",
                events=(), **extra) -> Patent:
    n = next(_seq)
    patent = Patent(application_no=f"CN2021{n:07d}.X", grant_no=f"CN1{n:08d}B", patent_type=patent_type,
                    title=title, abstract=extra.pop("abstract", title), filing_date=date(2021, 3, 1),
                    grant_date=date(2023, 5, 1), legal_status=status, region_code=region_code,
                    institution_id=institution.id if institution else None,
                    extra={"industries": list(industries), **extra})
    for pos, name in enumerate(owners):
        patent.parties.append(PatentParty(party=_party(session, name, "university"), role="patentee",
                                          position=pos, raw_name=name))
    for pos, name in enumerate(inventors):
        patent.parties.append(PatentParty(party=_party(session, name, "individual"), role="inventor",
                                          position=pos, raw_name=name))
    for kind, details in events:
        patent.events.append(LegalEvent(kind=kind, event_date=date(2024, 1, 1), details=details,
                                        counterparty="某银行"))
    session.add(patent)
    session.flush()
    return patent


@pytest.fixture
def factory():
    class F:
        org = staticmethod(make_org)
        patent = staticmethod(make_patent)

    return F
