"""The columnar fast path and the per-row path give the same records, errors and database content."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, select

from panhuo.ingest import flows, readers
from panhuo.ingest.models import RecordSource
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty

from .helpers import app, export61_row, write_csv

FULL_WIDTH = str.maketrans("0123456789CN.", "０１２３４５６７８９ＣＮ．")


def mixed_rows() -> list[dict]:
    """Good rows in every supported spelling, bad values, rejected rows, a blank row and a repeated number."""
    bad_check = app("202121600003")[:-1] + ("0" if app("202121600003")[-1] != "0" else "1")
    return [
        export61_row(1, 转让日期="2022.03.01;2023-1-5"),
        export61_row(2, 申请日="2021.07.15", 发明人="王五|赵六\n钱七"),
        export61_row(3, 申请号=bad_check),  # rejected: wrong check digit
        export61_row(4, 申请号=""),  # rejected: no application number
        export61_row(5, 申请日="2021-02-30", 专利转移次数="abc"),  # two bad values, the row is kept
        export61_row(6, 申请号=app("202121600006").translate(FULL_WIDTH), 申请日="44392"),
        export61_row(7, 申请号=app("202121600007").replace("CN", "ZL").replace(".", "")),
        export61_row(8, 专利类型="发明专利申请书", 公开号="CN215000008Q"),  # unknown type and kind code
        export61_row(9, 公开号="CN 2150 00009 U", 申请日="2021年7月15日"),
        {h: "" for h in export61_row(0)},  # blank line
        export61_row(10, 申请号=app("202111600010"), 专利类型="发明公开;发明授权", 公开号="CN115000010A"),
        export61_row(1, 专利名称="同一申请号的第二行", 法律状态="失效-未缴年费"),  # merges into row 1
        export61_row(11, 申请号="CN85100312", 公开日="19860101", 专利类型="发明"),
        export61_row(12, 申请号=app("202121600012").replace(".", "").translate(FULL_WIDTH), 申请人="甲省理工大学；乙研究所"),
    ]


def snapshot(session) -> dict:
    """Database content that does not depend on ids or clock times."""
    numbers = dict(session.execute(select(Patent.id, Patent.application_no)).all())
    skip = {"id", "created_at", "updated_at"}
    patents = {p["application_no"]: {k: v for k, v in p.items() if k not in skip}
               for p in (dict(r._mapping) for r in session.execute(select(Patent.__table__)))}
    links = sorted((numbers[pid], role, pos, raw, key, kind) for pid, role, pos, raw, key, kind in session.execute(
        select(PatentParty.patent_id, PatentParty.role, PatentParty.position, PatentParty.raw_name, Party.key,
               Party.kind).join(Party, Party.id == PatentParty.party_id)))
    events = sorted((numbers[e.patent_id], e.kind, str(e.event_date), e.code or "", json.dumps(e.details))
                    for e in session.scalars(select(LegalEvent)))
    sources = sorted((numbers[s.patent_id], s.source_file, s.source_row, s.source_format, s.fields_mask)
                     for s in session.scalars(select(RecordSource)))
    return {"patents": patents, "links": links, "events": events, "sources": sources}


def clear(session) -> None:
    for model in (RecordSource, LegalEvent, PatentParty, Patent, Party):
        session.execute(delete(model))
    session.flush()


def test_columnar_and_per_row_read_the_same_records_and_errors(tmp_path):
    src = write_csv(tmp_path / "mixed.csv", mixed_rows())
    fast = list(readers.read_records(readers.open_table(src)))
    slow = list(readers.read_records(readers.open_table(src), columnar=False))
    assert fast == slow
    codes = sorted(e.code for e in fast if not hasattr(e, "fields"))
    assert codes == ["bad_check_digit", "bad_date", "bad_int", "missing_id", "unknown_kind", "unknown_type"]


def test_columnar_and_per_row_write_the_same_database_content(session, tmp_path):
    src = write_csv(tmp_path / "mixed.csv", mixed_rows())
    fast = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r1")
    fast_content = snapshot(session)
    clear(session)
    slow = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r2", columnar=False)
    assert snapshot(session) == fast_content
    assert fast.counts == slow.counts
    assert (fast.counts["imported"], fast.counts["updated"], fast.counts["rejected"]) == (10, 1, 2)
    fast_errors = json.loads(Path(fast.report_json).read_text(encoding="utf-8"))["errors"]
    slow_errors = json.loads(Path(slow.report_json).read_text(encoding="utf-8"))["errors"]
    assert fast_errors == slow_errors and len(fast_errors) == 6
    assert fast_content["patents"][app("202121600006")]["filing_date"].isoformat() == "2021-07-15"
    assert fast_content["patents"][app("202121600005")]["filing_date"] is None  # bad date, row kept
    assert fast_content["patents"][app("202121600001")]["title"] == "同一申请号的第二行"
    inventors = [(r[2], r[3]) for r in fast_content["links"] if r[0] == app("202121600002") and r[1] == "inventor"]
    assert inventors == [(0, "王五"), (1, "赵六"), (2, "钱七")]


def test_batches_keep_row_numbers_across_blank_rows(tmp_path):
    src = write_csv(tmp_path / "mixed.csv", mixed_rows())
    batches = list(readers.open_table(src).batches())
    per_row = [n for n, _cells in readers.open_table(src).rows()]
    assert [n for numbers, _cols in batches for n in numbers] == per_row
    assert 10 not in per_row and per_row[-1] == 14
