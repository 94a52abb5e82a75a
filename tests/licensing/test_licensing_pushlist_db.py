"""What push lists read from the database at campaign scale: grades are read in chunks (PostgreSQL takes at most
65,535 parameters per statement; a provincial campaign has 8万+ candidates) and come out as one lookup would."""

from datetime import date

from panhuo.licensing import adapters
from panhuo.valuation.models import Evaluation


def _evaluation(patent_id: int, grade: str) -> Evaluation:
    return Evaluation(patent_id=patent_id, run_id="r1", scenario="default", tree_id="t", tree_version="1",
                      tree_digest="d", rules_version="1", as_of=date(2026, 11, 1), input_hash="h", composite=0.5,
                      confidence=1.0, scores={}, grade=grade, disposition="转化运用", rule_id="x", explanation={})


def test_grades_read_in_chunks_equal_one_read(session, factory, monkeypatch):
    org = factory.org(session, "山东某大学")
    patents = [factory.patent(session, institution=org, title=f"液压阀门{i}") for i in range(7)]
    ids = [p.id for p in patents]
    session.add_all([_evaluation(ids[0], "三级"), _evaluation(ids[2], "二级"), _evaluation(ids[5], "四级")])
    session.flush()
    session.add(_evaluation(ids[0], "一级"))  # newer: the latest counts
    session.flush()
    whole, source = adapters.patent_grades(session, ids)
    monkeypatch.setattr(adapters, "ID_CHUNK", 2)
    chunked, _ = adapters.patent_grades(session, ids)
    assert source == "valuation"
    assert chunked == whole == {ids[0]: "一级", ids[1]: None, ids[2]: "二级", ids[3]: None, ids[4]: None,
                                ids[5]: "四级", ids[6]: None}
