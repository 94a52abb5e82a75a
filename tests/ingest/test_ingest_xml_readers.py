"""CNIPA and USPTO XML readers on hand-written documents and on every real sample."""

from datetime import date
from pathlib import Path

import pytest

from panhuo.ingest import cnipa_xml, uspto_xml
from panhuo.ingest.records import PatentRecord, RowError

OLD_DOC = """<?xml version="1.0" encoding="UTF-8"?>
<cn-patent-document lang="ZH" country="CN"><cn-bibliographic-data>
<cn-publication-reference><document-id><country>CN</country><doc-number>218751475</doc-number><kind>U</kind>
<date>20230328</date></document-id></cn-publication-reference>
<application-reference><document-id><country>CN</country><doc-number>202223220665.2</doc-number>
<date>20221202</date></document-id></application-reference>
<classifications-ipcr><classification-ipcr><text>B64D   47/00    (2006.01)</text></classification-ipcr>
</classifications-ipcr><invention-title>一种无人机机载多功能盒</invention-title>
<abstract><p num="1">摘要文字。</p></abstract>
<cn-parties><cn-applicants><cn-applicant sequence="1"><addressbook lang="ZH"><name>浙江大学</name>
<address><text>310058 浙江省杭州市</text></address></addressbook></cn-applicant></cn-applicants>
<cn-inventors><cn-inventor sequence="1"><name>刘迪</name></cn-inventor><cn-inventor sequence="2"><name>刘敏</name>
</cn-inventor></cn-inventors></cn-parties></cn-bibliographic-data>
<application-body><claims><claim num="1"><claim-text>1.一种盒，其特征在于：……</claim-text></claim>
<claim num="2"><claim-text>2.根据权利要求1所述的盒，其特征在于……</claim-text></claim></claims></application-body>
</cn-patent-document>"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_old_cnipa_document_fields(tmp_path):
    (record,) = list(cnipa_xml.read(_write(tmp_path, "doc.xml", OLD_DOC)))
    assert record.application_no == "CN202223220665.2"
    f = record.fields
    assert "publication_no" not in f
    assert f["grant_no"] == "CN218751475U" and f["grant_date"] == date(2023, 3, 28)
    assert f["patent_type"] == "utility_model" and f["filing_date"] == date(2022, 12, 2)
    assert (f["ipc_main"], f["claims_count"], f["independent_claims_count"]) == ("B64D47/00", 2, 1)
    assert [(p.role, p.raw_name, p.position) for p in record.parties] == [
        ("applicant", "浙江大学", 0), ("inventor", "刘迪", 0), ("inventor", "刘敏", 1)]
    assert record.source_format == "cnipa-xml-old"


def test_bad_application_number_is_a_fatal_row_error(tmp_path):
    out = list(cnipa_xml.read(_write(tmp_path, "bad.xml", OLD_DOC.replace("202223220665.2", "202223220665.3"))))
    assert len(out) == 1 and isinstance(out[0], RowError)
    assert (out[0].code, out[0].fatal, out[0].field) == ("bad_check_digit", True, "application_no")


def test_bad_publication_number_keeps_the_record(tmp_path):
    out = list(cnipa_xml.read(_write(tmp_path, "pub.xml", OLD_DOC.replace("<kind>U</kind>", "<kind>A</kind>"))))
    errors = [o for o in out if isinstance(o, RowError)]
    records = [o for o in out if isinstance(o, PatentRecord)]
    assert [e.code for e in errors] == ["kind_mismatch"] and not errors[0].fatal
    assert records[0].fields["title"] == "一种无人机机载多功能盒"


@pytest.mark.parametrize("text", ["not xml at all", "<other/>", ""])
def test_non_cnipa_files_are_reported(tmp_path, text):
    out = list(cnipa_xml.read(_write(tmp_path, "x.xml", text)))
    assert len(out) == 1 and isinstance(out[0], RowError) and out[0].fatal


def test_uspto_old_format_is_reported(tmp_path):
    path = _write(tmp_path, "US1.xml", '<?xml version="1.0"?>\n<!DOCTYPE PATDOC SYSTEM "x.dtd">\n<PATDOC/>')
    (error,) = list(uspto_xml.read(path))
    assert error.code == "unsupported_format" and "ST.32" in error.reason


CNIPA_EXPECTED = {
    "cn_old1.xml": ("CN201410408762.5", "CN104223352A", "云南中烟工业有限责任公司"),
    "cn_new1.xml": ("CN202111286633.X", "CN113781974A", "三星显示有限公司"),
    "200880114428_A.xml": ("CN200880114428.1", "CN103492414A", "伊莱利利公司"),
}


def test_every_cnipa_sample_parses_without_errors(require_data):
    files = []
    for name in ("cnipa-xml-samples", "cnipa-application-xml-samples"):
        folder = require_data(name)
        files += sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xml")
    assert len(files) == 31
    for path in files:
        out = list(cnipa_xml.read(path))
        assert [o for o in out if isinstance(o, RowError)] == [], path.name
        (record,) = out
        if path.name in CNIPA_EXPECTED:
            app, pub, applicant = CNIPA_EXPECTED[path.name]
            assert record.application_no == app
            assert record.fields["publication_no"] == pub
            assert record.parties[0].raw_name == applicant


def test_cnipa_sample_values_checked_by_eye(require_data):
    folder = require_data("cnipa-xml-samples")
    (record,) = cnipa_xml.read(folder / "200880114428_A.xml")
    assert record.fields["pct"]["application_no"] == "PCT/US2008/081493"
    assert record.fields["priorities"][0] == {"number": "60/984,910", "date": "2007-11-02", "country": "US"}
    assert record.fields["ipc_main"] == "C07K16/18"
    app_folder = require_data("cnipa-application-xml-samples")
    grants = [cnipa_xml.read(p) for p in app_folder.glob("citation__CN102010000298420*")]
    (record,) = grants[0]
    assert (record.application_no, record.fields["grant_no"]) == ("CN201010298420.4", "CN101945314B")
    old = next(iter(cnipa_xml.read(next(app_folder.glob("citation__CN101985*")))))
    assert old.application_no == "CN85100312"  # 1985 number, no check digit


def test_every_uspto_sample_is_parsed_or_reported(require_data):
    folder = require_data("uspto-xml-samples")
    parsed, reported = {}, {}
    for path in sorted(folder.glob("*/*")):
        for item in uspto_xml.read(path):
            if isinstance(item, RowError):
                assert item.code == "unsupported_format", (path, item.reason)
                reported[path.parent.name] = item
            else:
                parsed[path.name] = item
    assert set(reported) == {"cpcMaster", "cpcScheme", "greenbook", "pap", "sgml"}
    assert len(parsed) == 8
    grant = parsed["US07272630B2.xml"]
    assert (grant.application_no, grant.fields["grant_no"], grant.fields["ipc_main"]) == (
        "US10/991571", "US7272630B2", "G06F15/13")
    assert parsed["US20050004437A1.xml"].fields["publication_no"] == "US20050004437A1"
