"""Every value bound for a String(n) column is measured before the database sees it: a value longer than its
column is a ``too_long`` error naming field, length and limit, and the rest of the row and of the file imports —
the same on SQLite and PostgreSQL, on the bulk path and the per-record path, for tabular files and XML readers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from panhuo.accounts.models import Organisation
from panhuo.ingest import flows, pipeline
from panhuo.ingest.records import EventRecord, PartyRecord, PatentRecord
from panhuo.patents.models import LegalEvent, Patent, PatentParty

from .helpers import app, write_csv
from .test_ingest_columnar import clear, snapshot
from .test_ingest_xml_readers import OLD_DOC

MAP = """format: lengths-test
title: 长度测试
version: 1
effective: 2026-11-21
source: hand-made test map
detect: {signature: [申请号, 名称]}
columns:
  申请号: application_no
  名称: title
  申请人: applicants
  发明人: inventors
  第一发明人: first_inventor
  法律事件: legal_events
  所属院系: department
  分类号: ipc_all
  代理机构: agency
"""
HEADERS = ["申请号", "名称", "申请人", "发明人", "第一发明人", "法律事件", "所属院系", "分类号", "代理机构"]
LONG_OWNER = "丙" * 320 + "有限公司"  # 324 characters; legal_events.counterparty holds 300
TRANSFER = ("2022-03-01 专利申请权、专利权的转移 登记生效日：2022.02.15 变更前权利人：甲省理工大学 "
            f"变更后权利人：{LONG_OWNER}")


def row(n: int, **overrides) -> dict:
    out = {"申请号": app(f"2021216{n:05d}"), "名称": f"一种测试装置{n}", "申请人": "甲省理工大学", "发明人": "张三;李四",
           "第一发明人": "张三", "法律事件": "", "所属院系": "机械学院", "分类号": "G01N33/00;G01N15/06",
           "代理机构": "甲省专利事务所"}
    out.update(overrides)
    return out


def long_rows() -> list[dict]:
    """One row per kind of too-long child value, between good rows."""
    return [
        row(1),
        row(2, 申请人="甲省理工大学;" + "乙" * 301),  # a party name in a list: that name dropped
        row(3, 法律事件=TRANSFER),  # the event's counterparty: event kept without it
        row(4, 所属院系="院" * 201),  # organisations.name holds 200
        row(5, 分类号="G01N33/00" + "X" * 30 + ";G01N15/06"),  # the main IPC taken from the first code: 39 > 30
        row(6, 申请号=app("202121600006").replace(".", " " * 60 + ".")),  # the number as written: 76 > 60
        row(7, 发明人="张三;" + "王" * 305, 第一发明人="王" * 305),  # inventor list and first-inventor column
        row(8, 代理机构="某" * 201),  # a patents column: agency holds 200
        row(9),
    ]


EXPECTED = [(2, "申请人", 301), (3, "法律事件", 324), (4, "所属院系", 201), (5, "分类号", 39), (6, "申请号", 76),
            (7, "第一发明人", 305), (7, "发明人", 305), (8, "代理机构", 201)]


@pytest.fixture(params=["in-process", "worker"])
def preparing(request, monkeypatch) -> str:
    """Slices prepared in the importing process, or in a worker process (as for a big CSV)."""
    monkeypatch.setattr(pipeline, "PROCESS_MIN_BYTES", 0 if request.param == "worker" else 1 << 60)
    return request.param


def _import(session, tmp_path: Path, src: Path, columnar: bool, name: str):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAP, encoding="utf-8")
    result = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / name,
                                       mapping_file=mapping, columnar=columnar)
    return result, json.loads(Path(result.report_json).read_text(encoding="utf-8"))["errors"]


def test_too_long_child_values_are_field_errors_on_both_paths(session, tmp_path, preparing):
    src = write_csv(tmp_path / "long.csv", long_rows(), HEADERS)
    fast, fast_errors = _import(session, tmp_path, src, True, "fast")
    fast_content = snapshot(session)
    clear(session)
    slow, slow_errors = _import(session, tmp_path, src, False, "slow")
    assert snapshot(session) == fast_content
    assert fast.counts == slow.counts and fast_errors == slow_errors
    assert (fast.counts["imported"], fast.counts["rejected"], fast.counts["by_reason"]) == \
        (9, 0, {"too_long": len(EXPECTED)})
    assert [(e["row"], e["field"], len(e["value"])) for e in fast_errors] == EXPECTED
    for error in fast_errors:
        assert f"{len(error['value'])} characters; this field holds at most" in error["reason"]
        assert (error["code"], error["fatal"]) == ("too_long", False)
    assert "counterparty of the transfer event of 2022-02-15: 324 characters; this field holds at most 300" in \
        fast_errors[1]["reason"]


def write_xlsx(path: Path, rows: list[dict], headers: list[str]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = book.add_worksheet("专利")
    sheet.write_row(0, 0, headers)
    for r, values in enumerate(rows, start=1):
        sheet.write_row(r, 0, [values.get(h, "") for h in headers])
    book.close()
    return path


def test_an_excel_sheet_gives_the_same_errors_and_content_as_the_csv(session, tmp_path):
    csv_result, csv_errors = _import(session, tmp_path, write_csv(tmp_path / "long.csv", long_rows(), HEADERS),
                                     True, "csv")
    csv_content = snapshot(session)
    clear(session)
    xlsx = write_xlsx(tmp_path / "long.xlsx", long_rows(), HEADERS)
    for columnar in (True, False):
        result, errors = _import(session, tmp_path, xlsx, columnar, f"xlsx-{columnar}")
        content = snapshot(session)
        assert [(e["row"], e["field"], e["reason"]) for e in errors] == \
            [(e["row"], e["field"], e["reason"]) for e in csv_errors]
        assert result.counts == csv_result.counts
        assert {k: content[k] for k in ("patents", "links", "events")} == \
            {k: csv_content[k] for k in ("patents", "links", "events")}
        clear(session)


def test_what_remains_of_rows_with_too_long_child_values(session, tmp_path):
    src = write_csv(tmp_path / "long.csv", long_rows(), HEADERS)
    _import(session, tmp_path, src, True, "r")
    patents = {p.application_no: p for p in session.scalars(select(Patent))}
    assert len(patents) == 9

    def names(n: int, role: str) -> list[tuple[int, str]]:
        pid = patents[app(f"2021216{n:05d}")].id
        return list(session.execute(select(PatentParty.position, PatentParty.raw_name).where(
            PatentParty.patent_id == pid, PatentParty.role == role).order_by(PatentParty.position)))

    assert names(2, "applicant") == [(0, "甲省理工大学")]
    assert names(7, "inventor") == [(0, "张三")]
    (event,) = session.scalars(select(LegalEvent).where(LegalEvent.patent_id == patents[app("202121600003")].id))
    assert (event.kind, event.event_date, event.counterparty) == ("transfer", date(2022, 2, 15), None)
    assert event.details["to"] == LONG_OWNER  # the full text stays in the event's details
    departments = {o.name for o in session.scalars(select(Organisation).where(Organisation.kind == "department"))}
    assert departments == {"机械学院"}
    assert patents[app("202121600004")].department_id is None
    assert patents[app("202121600001")].department_id is not None
    fifth = patents[app("202121600005")]
    assert (fifth.ipc_main, fifth.ipc_all) == (None, ["G01N33/00" + "X" * 30, "G01N15/06"])
    sixth = patents[app("202121600006")]
    assert (sixth.application_no_raw, sixth.title) == (None, "一种测试装置6")
    assert (patents[app("202121600008")].agency, patents[app("202121600009")].agency) == (None, "甲省专利事务所")


def test_a_reimport_with_too_long_child_values_merges_the_rest(session, tmp_path):
    """Stored patents go through the merge (per-record path): the too-long values are reported again, nothing
    else changes."""
    first = [row(n) for n in range(1, 4)]
    write_csv(tmp_path / "first.csv", first, HEADERS)
    _import(session, tmp_path, tmp_path / "first.csv", True, "r1")
    second = [row(1, 申请人="甲省理工大学;" + "乙" * 301), row(2, 法律事件=TRANSFER), row(3)]
    result, errors = _import(session, tmp_path, write_csv(tmp_path / "second.csv", second, HEADERS), True, "r2")
    # row 1's applicants without the too-long name are the stored ones: unchanged; row 2 gains its event
    assert (result.counts["updated"], result.counts["unchanged"]) == (1, 2)
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [(1, "申请人", "too_long"), (2, "法律事件", "too_long")]
    pid = session.scalars(select(Patent.id).where(Patent.application_no == app("202121600002"))).one()
    (event,) = session.scalars(select(LegalEvent).where(LegalEvent.patent_id == pid))
    assert (event.kind, event.counterparty) == ("transfer", None)


def _record(n: int, **fields) -> PatentRecord:
    return PatentRecord(application_no=app(f"2021216{n:05d}"), fields={"title": f"记录{n}", **fields},
                        source_file="reader.xml", source_row=n, source_format="hand-made")


def test_records_from_readers_are_checked_before_the_upsert(session, tmp_path):
    """XML readers build records directly: every limited value is checked by the upserter."""
    records = [
        _record(1, agency="某" * 201, examiner="E" * 101, legal_status_raw="有权" * 101, region_code="3" * 13),
        _record(2),
        _record(3),
        _record(4),
        PatentRecord(application_no="", fields={"publication_no": "CN" + "1" * 40}, source_file="reader.xml",
                     source_row=5),  # PUB: + 42 characters cannot be the patent's key
    ]
    records[1].parties = [PartyRecord("applicant", "乙" * 301, 0), PartyRecord("applicant", "甲省理工大学", 1, country="CHN"),
                          PartyRecord("inventor", "张三", 0, kind="k" * 21)]
    records[2].events = [EventRecord("transfer", date(2022, 2, 15), code="C" * 21, counterparty="丙" * 301),
                         EventRecord("t" * 21, date(2022, 3, 1)), EventRecord("lapse", date(2023, 1, 1))]
    records[3].department = "院" * 201
    result = flows.import_into_session(db_session=session, paths=[], reports_dir=tmp_path / "r",
                                       institution="甲省理工大学", extra_records=records)
    errors = json.loads(Path(result.report_json).read_text(encoding="utf-8"))["errors"]
    assert [(e["row"], e["field"], len(e["value"]), e["fatal"]) for e in errors] == [
        (1, "legal_status_raw", 202, False), (1, "agency", 200 + 1, False), (1, "examiner", 101, False),
        (1, "region_code", 13, False), (2, "applicants", 301, False), (2, "applicants", 3, False),
        (2, "inventors", 21, False), (3, "legal_events", 21, False), (3, "legal_events", 301, False),
        (3, "legal_events", 21, False), (4, "department", 201, False), (5, "publication_no", 46, True)]
    assert {e["code"] for e in errors} == {"too_long"}
    assert (result.counts["imported"], result.counts["rejected"]) == (4, 1)
    patents = {p.application_no: p for p in session.scalars(select(Patent))}
    one = patents[app("202121600001")]
    assert (one.agency, one.examiner, one.legal_status_raw, one.region_code, one.title) == \
        (None, None, None, None, "记录1")
    links = list(session.execute(select(PatentParty.role, PatentParty.position, PatentParty.raw_name).where(
        PatentParty.patent_id == patents[app("202121600002")].id).order_by(PatentParty.role)))
    assert links == [("applicant", 0, "甲省理工大学"), ("inventor", 0, "张三")]
    events = sorted((e.kind, e.code, e.counterparty) for e in session.scalars(
        select(LegalEvent).where(LegalEvent.patent_id == patents[app("202121600003")].id)))
    assert events == [("lapse", None, None), ("transfer", None, None)]
    assert patents[app("202121600004")].department_id is None


def test_a_cnipa_document_with_a_too_long_applicant_imports(session, tmp_path):
    doc = tmp_path / "doc.xml"
    doc.write_text(OLD_DOC.replace("<name>浙江大学</name>", "<name>" + "浙" * 301 + "</name>"), encoding="utf-8")
    result = flows.import_into_session(db_session=session, paths=[doc], reports_dir=tmp_path / "r")
    errors = json.loads(Path(result.report_json).read_text(encoding="utf-8"))["errors"]
    assert [(e["field"], e["code"], len(e["value"])) for e in errors] == [("applicants", "too_long", 301)]
    assert result.counts["imported"] == 1
    names = list(session.scalars(select(PatentParty.raw_name).order_by(PatentParty.role, PatentParty.position)))
    assert names == ["刘迪", "刘敏"]


def test_a_map_whose_format_name_is_too_long_is_refused_before_any_row(session, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAP.replace("format: lengths-test", "format: " + "f" * 41), encoding="utf-8")
    src = write_csv(tmp_path / "a.csv", [row(1)], HEADERS)
    result = flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r",
                                       mapping_file=mapping)
    assert (result.counts["imported"], result.counts["by_reason"]) == (0, {"unreadable_file": 1})
    assert "format name: 41 characters; this field holds at most 40" in result.files[0]["error"]


def test_an_institution_name_too_long_is_refused_before_anything_is_written(session, tmp_path):
    src = write_csv(tmp_path / "a.csv", [row(1)], HEADERS)
    with pytest.raises(ValueError, match="institution name: 201 characters; this field holds at most 200"):
        flows.import_into_session(db_session=session, paths=[src], reports_dir=tmp_path / "r",
                                  institution="校" * 201)
    assert session.scalars(select(Patent)).first() is None


def test_the_cli_refuses_a_too_long_institution_in_one_line(db_url, tmp_path):
    from typer.testing import CliRunner

    from panhuo.cli import app as cli_app

    src = write_csv(tmp_path / "a.csv", [row(1)], HEADERS)
    result = CliRunner().invoke(cli_app, ["--db", db_url, "--workspace", str(tmp_path), "import", str(src),
                                          "--institution", "校" * 201])
    assert result.exit_code == 1
    assert "institution name: 201 characters; this field holds at most 200" in result.output


def test_a_record_from_a_deep_path_keeps_the_end_of_its_path(session, tmp_path):
    record = _record(1)
    record.source_file = "/" + "d" * 600 + "/doc.xml"
    result = flows.import_into_session(db_session=session, paths=[], reports_dir=tmp_path / "r",
                                       extra_records=[record])
    assert result.counts["imported"] == 1
    from panhuo.ingest.models import RecordSource

    (stored,) = session.scalars(select(RecordSource.source_file))
    assert len(stored) == 500 and stored.endswith("/doc.xml")
