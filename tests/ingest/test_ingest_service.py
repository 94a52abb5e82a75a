"""Import into a real database: upsert, idempotency, edits survive, provenance, validation report."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from panhuo.accounts.models import AuditEvent, Organisation
from panhuo.ingest import flows
from panhuo.ingest import service as ingest_service
from panhuo.patents import service as patent_service
from panhuo.patents.models import LegalEvent, Patent, PatentParty

from .helpers import app, export61_row, write_csv


def run(session, tmp_path, *files, **kw):
    return flows.import_into_session(db_session=session, paths=list(files), reports_dir=tmp_path / "reports", **kw)


def patent(session, number):
    return session.scalars(select(Patent).where(Patent.application_no == number)).one()


def test_import_creates_patents_parties_and_institution(session, tmp_path):
    src = write_csv(tmp_path / "a.csv", [export61_row(1), export61_row(2)])
    result = run(session, tmp_path, src)
    assert (result.counts["imported"], result.counts["rejected"]) == (2, 0)
    p = patent(session, app("202121600001"))
    assert p.title == "一种测试装置1" and p.patent_type == "utility_model" and str(p.filing_date) == "2021-07-15"
    assert p.ipc_all == ["G01N33/00", "G01N15/06"] and p.region_code == "33"
    roles = session.execute(select(PatentParty.role, PatentParty.raw_name).where(PatentParty.patent_id == p.id)
                            .order_by(PatentParty.role, PatentParty.position)).all()
    assert roles == [("applicant", "甲省理工大学"), ("inventor", "张三"), ("inventor", "李四"), ("patentee", "甲省理工大学")]
    org = session.get(Organisation, p.institution_id)
    assert org.name == "甲省理工大学" and org.kind == "university"


def test_reimport_of_the_same_file_changes_nothing(session, tmp_path):
    src = write_csv(tmp_path / "a.csv", [export61_row(1, 转让日期="2022.03.01"), export61_row(2)])
    run(session, tmp_path, src)
    sources = session.scalar(select(func.count()).select_from(ingest_service.RecordSource))
    again = run(session, tmp_path, src)
    assert (again.counts["imported"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    assert session.scalar(select(func.count()).select_from(ingest_service.RecordSource)) == sources
    assert session.scalar(select(func.count()).select_from(LegalEvent)) == 1


def test_updated_file_merges_with_provenance(session, tmp_path):
    run(session, tmp_path, write_csv(tmp_path / "v1.csv", [export61_row(1)]))
    v2 = write_csv(tmp_path / "v2.csv", [export61_row(1, 法律状态="失效-未缴年费", 发明人="张三;李四;王五", 申请摘要="")])
    result = run(session, tmp_path, v2)
    assert result.counts["updated"] == 1
    p = patent(session, app("202121600001"))
    session.refresh(p)
    assert p.legal_status_raw == "失效-未缴年费"
    assert p.abstract == "本实用新型公开了一种装置。"  # an empty cell never clears a value
    prov = ingest_service.field_provenance(db_session=session, patent_id=p.id)
    assert prov["legal_status_raw"]["source_file"] == "v2.csv" and prov["legal_status_raw"]["source_row"] == 1
    assert prov["inventors"]["import_id"] == result.import_id
    assert prov["title"]["source_file"] == "v1.csv"


def test_person_edited_field_survives_reimport(session, tmp_path):
    src = write_csv(tmp_path / "a.csv", [export61_row(1)])
    run(session, tmp_path, src)
    p = patent(session, app("202121600001"))
    diff = patent_service.edit_patent(db_session=session, patent=p, changes={"title": "人工校正的名称"}, editor="alice")
    assert diff == {"title": ["一种测试装置1", "人工校正的名称"]}
    changed = write_csv(tmp_path / "b.csv", [export61_row(1, 专利名称="供应商的新名称", 申请摘要="新摘要")])
    result = run(session, tmp_path, changed)
    assert result.counts["updated"] == 1
    session.refresh(p)
    assert p.title == "人工校正的名称" and p.abstract == "新摘要"
    assert p.edited_fields == ["title"]
    prov = ingest_service.field_provenance(db_session=session, patent_id=p.id)
    assert prov["title"]["edited_by"] == "alice" and prov["abstract"]["source_file"] == "b.csv"
    audit = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(p.id))).one()
    assert audit.action == "patent.edit" and audit.after == {"title": "人工校正的名称"}


def test_bad_rows_are_reported_and_good_rows_kept(session, tmp_path):
    digits = "202121600003"
    wrong = f"CN{digits}.{(int(app(digits)[-1].replace('X', '10')) + 1) % 10}"
    rows = [export61_row(1, 申请日="2021-02-30"), export61_row(2, 申请号=""), export61_row(3, 申请号=wrong),
            export61_row(4, 专利转移次数="两次")]
    result = run(session, tmp_path, write_csv(tmp_path / "bad.csv", rows))
    c = result.counts
    assert (c["imported"], c["rejected"], c["field_errors"]) == (2, 2, 2)
    assert c["by_reason"] == {"bad_date": 1, "missing_id": 1, "bad_check_digit": 1, "bad_int": 1}
    report = json.loads(open(result.report_json, encoding="utf-8").read())
    first = report["errors"][0]
    assert (first["file"], first["row"], first["field"], first["value"], first["code"]) == \
        ("bad.csv", 1, "申请日", "2021-02-30", "bad_date")
    assert result.report_xlsx.endswith(f"import-{result.import_id}-errors.xlsx")
    job = ingest_service.get_job(db_session=session, job_id=result.import_id)
    assert job.report_path == result.report_xlsx and job.counts["rejected"] == 2
    assert patent(session, app("202121600001")).filing_date is None


def test_institution_option_links_every_patent(session, tmp_path):
    src = write_csv(tmp_path / "a.csv", [export61_row(1, 申请人="某某科技有限公司", 申请人类型="企业")])
    run(session, tmp_path, src, institution="乙大学")
    p = patent(session, app("202121600001"))
    assert session.get(Organisation, p.institution_id).name == "乙大学"


def test_gb18030_file_imports(session, tmp_path):
    src = write_csv(tmp_path / "gbk.csv", [export61_row(1)], encoding="gb18030")
    result = run(session, tmp_path, src)
    assert result.counts["imported"] == 1
    assert patent(session, app("202121600001")).title == "一种测试装置1"


def test_cnki_record_adopts_the_application_number_when_it_arrives(session, tmp_path):
    cnki = tmp_path / "cnki.csv"
    cnki.write_text("title,author,com,sql,quote,href\n一种测试装置1,张三,甲省理工大学,2021-07-15,2022-01-05,"
                    "https://x/detail.aspx?filename=CN215000001U\n", encoding="utf-8")
    run(session, tmp_path, cnki)
    assert patent(session, "PUB:CN215000001U").title == "一种测试装置1"
    result = run(session, tmp_path, write_csv(tmp_path / "a.csv", [export61_row(1)]))
    assert result.counts["updated"] == 1
    assert patent(session, app("202121600001")).publication_no == "CN215000001U"
    assert session.scalar(select(func.count()).select_from(Patent)) == 1


def test_unreadable_file_is_reported_and_others_import(session, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = run(session, tmp_path, junk, write_csv(tmp_path / "a.csv", [export61_row(1)]))
    assert result.counts["imported"] == 1
    assert "match no known export format" in result.files[0]["error"]


def test_incopat_xlsx_fixture_with_merged_cells(session, tmp_path):
    import xlsxwriter

    path = tmp_path / "incopat.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("检索结果")
    sheet.merge_range(0, 0, 0, 7, "incoPat 检索结果导出")  # a merged title row above the headers
    headers = ["标题", "申请号", "申请日", "公开（公告）号", "申请人", "当前法律状态", "合享价值度", "IPC主分类", "链接到incoPat",
               "第一申请人", "简单同族个数"]
    sheet.write_row(1, 0, headers)
    sheet.write_row(2, 0, ["一种传感器", app("201910000001"), "2019.03.25", "CN110000001A", "丙大学", "授权", "8",
                           "G01N33/00", "http://x", "丙大学", "2"])
    sheet.write_row(3, 0, ["一种传感器的改进", app("201910000002"), "", "CN110000002A", "丙大学", "实质审查", "6",
                           "G01N33/00", "http://x", "丙大学", "1"])
    sheet.merge_range(3, 2, 4, 2, "2019.04.01")  # merged 申请日 cell over two data rows
    sheet.write_row(4, 0, ["一种检测系统", app("201910000003"), None, "CN110000003A", "丙大学", "授权", "7",
                           "G01N15/06", "http://x", "丙大学", "1"])
    book.close()
    result = run(session, tmp_path, path)
    assert result.files[0]["format"] == "incopat" and result.files[0]["header_row"] == 2
    assert result.counts["imported"] == 3 and result.counts["rejected"] == 0
    p = patent(session, app("201910000003"))
    assert str(p.filing_date) == "2019-04-01" and p.extra["合享价值度"] == "7" and p.family_size == 1
