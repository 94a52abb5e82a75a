"""Hand-made patents for valuation tests."""

from datetime import date

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
