"""The bulk fast path (ingest/fastpath.py): same database content as the per-row path, across slices, with bad
rows inside big batches, stored and repeated numbers routed to the merge, and indexes rebuilt after a bulk load."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from panhuo.db import make_engine, migrate
from panhuo.ingest import fastpath, flows, pipeline, prepare, readers
from panhuo.ingest.rows import RowConverter
from panhuo.patents.models import Patent

from .helpers import app, export61_row, write_csv
from .test_ingest_columnar import clear, snapshot

ROWS = 260


def big_rows() -> list[dict]:
    """ROWS rows over three slices of 100 with, inside them: bad values, rejected rows, a blank line, repeats."""
    rows = [export61_row(n, 发明人=f"张{n % 7}三;李{n % 5}四", 申请人="甲省理工大学" if n % 3 else "乙研究所；丙公司",
                         申请人类型="高校" if n % 3 else "科研机构;企业", 转让日期="2022.03.01" if n % 4 == 0 else "")
            for n in range(1, ROWS + 1)]
    bad_check = app("202121600150")[:-1] + ("0" if app("202121600150")[-1] != "0" else "1")
    rows[49]["申请日"] = "2021-02-30"  # bad date, row kept (first slice)
    rows[149]["申请号"] = bad_check  # rejected (second slice)
    rows[150]["申请号"] = ""  # rejected: no number
    rows[120] = {h: "" for h in rows[0]}  # blank line
    rows[210]["申请号"] = rows[9]["申请号"]  # repeats row 10 in a later slice: merges into it
    rows[210]["专利名称"] = "后来的同号行"
    rows[230]["申请号"] = rows[229]["申请号"]  # repeat inside one slice
    rows[230]["法律状态"] = "失效-未缴年费"
    return rows


@pytest.fixture(params=["in-process", "worker"])
def preparing(request, monkeypatch) -> str:
    """Slices prepared in the importing process, or in a worker process (as for a big CSV)."""
    monkeypatch.setattr(pipeline, "PROCESS_MIN_BYTES", 0 if request.param == "worker" else 1 << 60)
    return request.param


def test_fast_path_matches_the_per_row_path_across_slices(session, tmp_path, monkeypatch, preparing):
    monkeypatch.setattr(fastpath, "SLICE_ROWS", 100)
    src = write_csv(tmp_path / "big.csv", big_rows())
    fast = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r1")
    fast_content = snapshot(session)
    clear(session)
    slow = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r2", columnar=False)
    assert snapshot(session) == fast_content
    assert fast.counts == slow.counts
    assert (fast.counts["imported"], fast.counts["updated"], fast.counts["rejected"]) == (ROWS - 5, 2, 2)
    fast_errors = json.loads(Path(fast.report_json).read_text(encoding="utf-8"))["errors"]
    slow_errors = json.loads(Path(slow.report_json).read_text(encoding="utf-8"))["errors"]
    assert fast_errors == slow_errors
    assert sorted(e["code"] for e in fast_errors) == ["bad_check_digit", "bad_date", "missing_id"]
    patents = fast_content["patents"]
    assert patents[app("202121600010")]["title"] == "后来的同号行"
    assert patents[app("202121600230")]["legal_status_raw"] == "失效-未缴年费"
    assert patents[app("202121600050")]["filing_date"] is None and patents[app("202121600050")]["title"]


def test_reimport_routes_every_stored_row_to_the_merge(session, tmp_path, monkeypatch, preparing):
    monkeypatch.setattr(fastpath, "SLICE_ROWS", 100)
    src = write_csv(tmp_path / "big.csv", big_rows())
    flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r1")
    before = snapshot(session)
    again = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r2")
    # the two repeated numbers carry different values, so each of their four rows updates once more
    assert (again.counts["imported"], again.counts["updated"], again.counts["unchanged"]) == (0, 4, ROWS - 7)
    after = snapshot(session)
    same = {k: {f: x for f, x in p.items() if f != "version_id"} for k, p in before["patents"].items()}
    assert {k: {f: x for f, x in p.items() if f != "version_id"} for k, p in after["patents"].items()} == same
    assert after["links"] == before["links"] and after["events"] == before["events"]
    assert session.scalar(select(func.count()).select_from(Patent)) == ROWS - 5


def _indexes(connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {t: {i["name"] for i in inspector.get_indexes(t)} for t in ("patents", "patent_parties", "record_sources")}


def test_indexes_dropped_for_a_bulk_load_are_rebuilt(session, tmp_path):
    assert session.scalar(select(func.count()).select_from(Patent)) == 0
    before = _indexes(session.connection())
    assert "ix_patents_publication_no" in before["patents"]
    src = write_csv(tmp_path / "big.csv", big_rows())
    result = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r")
    assert result.counts["imported"] == ROWS - 5
    assert _indexes(session.connection()) == before
    number = session.scalar(select(Patent.application_no).where(Patent.publication_no == "CN215000007U"))
    assert number == app("202121600007")


def test_second_file_of_one_import_merges_into_the_first(session, tmp_path, preparing):
    first = write_csv(tmp_path / "a.csv", [export61_row(n) for n in range(1, 6)])
    second = write_csv(tmp_path / "b.csv", [export61_row(n, 专利名称=f"新名称{n}") for n in range(4, 9)])
    result = flows.import_into_session(db_session=session, paths=[first, second], reports_dir=tmp_path / "r")
    assert (result.counts["imported"], result.counts["updated"]) == (8, 2)
    title = session.scalar(select(Patent.title).where(Patent.application_no == app("202121600005")))
    assert title == "新名称5"


def _fail_on_row(session, row: int) -> None:
    """A trigger that makes the database refuse one record_sources row (a write error in the writer thread)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE FUNCTION panhuo_test_refuse() RETURNS trigger AS $$ BEGIN "
                             "RAISE EXCEPTION 'refused by test trigger'; END $$ LANGUAGE plpgsql")
        conn.exec_driver_sql(f"CREATE TRIGGER panhuo_test_refuse BEFORE INSERT ON record_sources FOR EACH ROW "
                             f"WHEN (NEW.source_row = {row}) EXECUTE FUNCTION panhuo_test_refuse()")
    else:
        conn.exec_driver_sql(f"CREATE TRIGGER panhuo_test_refuse BEFORE INSERT ON record_sources "
                             f"WHEN NEW.source_row = {row} BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END")


def test_a_write_error_in_the_writer_thread_reaches_the_caller(session, tmp_path, monkeypatch, preparing):
    monkeypatch.setattr(fastpath, "SLICE_ROWS", 100)
    _fail_on_row(session, 160)  # second slice: the error surfaces while the third is being parsed
    before = _indexes(session.connection())
    src = write_csv(tmp_path / "big.csv", big_rows())
    # the driver's error: wrapped by SQLAlchemy (executemany) or psycopg's own (COPY on the raw connection)
    with pytest.raises(Exception, match="refused by test trigger"):
        flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r")
    if session.connection().dialect.name == "sqlite":  # a caller that commits anyway keeps its indexes
        assert _indexes(session.connection()) == before


def test_a_value_too_long_for_its_column_is_a_field_error(session, tmp_path):
    rows = [export61_row(n) for n in range(1, 4)]
    rows[1]["法律状态"] = "有权-" + "审定授权" * 60  # 243 characters; legal_status_raw holds 200
    rows[2]["国省代码"] = "浙江省杭州市西湖区文三路某某大厦"  # no code in it: kept as text, 16 > 12
    src = write_csv(tmp_path / "long.csv", rows)
    result = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r")
    assert (result.counts["imported"], result.counts["by_reason"]) == (3, {"too_long": 2})
    errors = json.loads(Path(result.report_json).read_text(encoding="utf-8"))["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "法律状态"), (3, "国省代码")]
    second = session.scalars(select(Patent).where(Patent.application_no == app("202121600002"))).one()
    assert second.legal_status_raw is None and second.title == "一种测试装置2"


def test_a_party_name_longer_than_its_column_is_a_field_error(session, tmp_path):
    long_name = "甲省" + "理工" * 160 + "大学"  # 324 characters; patent_parties.raw_name holds 300
    rows = [export61_row(1, 申请人=long_name, 第一权利人=long_name, 当前权利人=long_name), export61_row(2)]
    src = write_csv(tmp_path / "long-name.csv", rows)
    for columnar in (True, False):
        result = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r",
                                           columnar=columnar)
        assert (result.counts["imported"], result.counts["by_reason"]) == (2, {"too_long": 3})
        errors = json.loads(Path(result.report_json).read_text(encoding="utf-8"))["errors"]
        assert {e["field"] for e in errors} == {"申请人", "第一权利人", "当前权利人"}
        links = snapshot(session)["links"]
        assert [r for r in links if r[0] == app("202121600001") and r[1] != "inventor"] == []
        clear(session)


def test_an_inventor_key_longer_than_the_key_column_imports(session, tmp_path):
    from panhuo.patents.parties import party_key

    owner = "甲省" + "理工" * 147 + "大学"  # 298 characters: fits; 张三@<owner key> does not fit parties.key (300)
    assert len(f"{party_key('张三')}@{party_key(owner)}") > 300
    rows = [export61_row(1, 申请人=owner, 第一权利人=owner, 当前权利人=owner), export61_row(2)]
    src = write_csv(tmp_path / "long-key.csv", rows)
    for columnar in (True, False):
        result = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r",
                                           columnar=columnar)
        assert (result.counts["imported"], result.counts["field_errors"]) == (2, 0)
        links = snapshot(session)["links"]
        assert [r[3] for r in links if r[0] == app("202121600001") and r[1] == "inventor"] == ["张三", "李四"]
        clear(session)


def test_a_worker_error_reaches_the_caller_with_its_cause(tmp_path):
    src = write_csv(tmp_path / "w.csv", [export61_row(n) for n in range(1, 4)])
    table = readers.open_table(src)
    gone = dataclasses.replace(table, csv_source=(tmp_path / "moved-away.csv", ",", table.header_row))
    preparer = prepare.Preparer(RowConverter(table.mapping, table.headers, file=src.name))
    with pytest.raises(pipeline.WorkerError, match="moved-away.csv"):
        list(pipeline.prepared_slices(gone, preparer, in_process=False))


def test_a_worker_sends_the_same_slices_as_the_importing_process(tmp_path):
    rows = big_rows()
    src = write_csv(tmp_path / "w.csv", rows)
    table = readers.open_table(src)

    def prepared(in_process: bool) -> list:
        preparer = prepare.Preparer(RowConverter(table.mapping, table.headers, file=src.name))
        return list(pipeline.prepared_slices(readers.reopen_csv(table), preparer, slice_rows=100,
                                             in_process=in_process))

    here, there = prepared(True), prepared(False)
    assert [p.numbers for p in there] == [p.numbers for p in here] and sum(len(p.numbers) for p in here) == ROWS - 1
    for a, b in zip(here, there):
        assert (a.cand, a.keys, a.cols, a.masks, a.parties, a.events) == (b.cand, b.keys, b.cols, b.masks, b.parties,
                                                                          b.events)
        assert [a.cells(i) for i in range(len(a.numbers))] == [b.cells(i) for i in range(len(b.numbers))]


def test_a_first_import_uses_a_rollback_journal_and_gives_wal_back(tmp_path, monkeypatch):
    """SQLite: the first import into an empty workspace writes its pages once (no WAL), then the database is in
    WAL mode again; a second import (patents stored) stays in WAL. Same content either way."""
    engine = make_engine(f"sqlite:///{tmp_path / 'ws.db'}")
    migrate(engine)
    engine.dispose()
    src = write_csv(tmp_path / "big.csv", big_rows())
    modes: list[str] = []
    original = flows._rollback_journal_for_first_load

    def spy(session):
        mode = original(session)
        modes.append(session.connection().exec_driver_sql("PRAGMA journal_mode").scalar())
        return mode

    monkeypatch.setattr(flows, "_rollback_journal_for_first_load", spy)
    first = flows.import_files(engine=engine, paths=[src], workspace=tmp_path / "ws")
    again = flows.import_files(engine=engine, paths=[src], workspace=tmp_path / "ws")
    assert modes == ["delete", "wal"]
    assert (first.counts["imported"], again.counts["imported"], again.counts["unchanged"]) == (ROWS - 5, 0, ROWS - 7)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT count(*) FROM patents").scalar() == ROWS - 5
    engine.dispose()


def test_an_open_connection_keeps_the_first_import_in_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ws.db'}")
    migrate(engine)
    reader = make_engine(f"sqlite:///{tmp_path / 'ws.db'}").connect()  # e.g. a running web server
    reader.exec_driver_sql("SELECT count(*) FROM patents").scalar()
    try:
        with Session(engine) as session:
            assert flows._rollback_journal_for_first_load(session) is None
            assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        result = flows.import_files(engine=engine, paths=[write_csv(tmp_path / "a.csv", big_rows()[:20])],
                                    workspace=tmp_path / "ws")
        assert result.counts["imported"] == 20
        assert reader.exec_driver_sql("SELECT count(*) FROM patents").scalar() == 20
    finally:
        reader.close()
        engine.dispose()
