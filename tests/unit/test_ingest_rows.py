"""Row conversion: bad fields cost only themselves, rows without identity are rejected with a reason."""

from panhuo.ingest.mapping import get_map
from panhuo.ingest.rows import RowConverter
from panhuo.patents.numbers import compute_check_digit

HEADERS = ["申请号", "申请日", "专利名称", "申请人", "发明人", "申请人类型", "法律状态", "主分类号", "分类号", "国省代码",
           "转让日期", "引证数"]


def app(digits: str) -> str:
    return f"CN{digits}.{compute_check_digit(digits)}"


def convert(cells):
    return RowConverter(get_map("export61"), HEADERS, file="t.csv").convert(cells, 3)


def test_a_bad_date_loses_only_that_field():
    record, errors = convert([app("202110123456"), "2021-02-30", "一种装置", "浙江大学", "张三;李四", "高校",
                              "有权-审定授权", "G06F16/00", "G06F16/00;G06N3/08", "浙江(33)", "", "1,234"])
    assert [(e.field, e.code, e.row, e.fatal) for e in errors] == [("申请日", "bad_date", 3, False)]
    assert record.fields["title"] == "一种装置"
    assert "filing_date" not in record.fields
    assert record.fields["backward_citation_count"] == 1234
    assert record.fields["region_code"] == "33"
    assert record.fields["patent_type"] == "invention"  # from the application number
    roles = [(p.role, p.position, p.raw_name, p.kind) for p in record.parties]
    assert roles == [("applicant", 0, "浙江大学", "university"), ("inventor", 0, "张三", None),
                     ("inventor", 1, "李四", None)]


def test_wrong_check_digit_rejects_the_row_with_the_number_reason():
    digits = "202110123456"
    wrong = f"CN{digits}.{(int(compute_check_digit(digits).replace('X', '10')) + 1) % 10}"
    record, errors = convert([wrong, "2021-02-03", "一种装置"] + [""] * 9)
    assert record is None
    assert len(errors) == 1 and errors[0].fatal and errors[0].field == "申请号"
    assert errors[0].code == "bad_check_digit"


def test_missing_number_rejects_the_row():
    record, errors = convert(["", "2021-02-03", "一种装置"] + [""] * 9)
    assert record is None
    assert errors[0].code == "missing_id" and errors[0].fatal


def test_date_columns_become_events():
    cells = [app("202110123456"), "", "x", "", "", "", "", "", "", "", "2022.01.05;2023.03.01", ""]
    record, errors = convert(cells)
    assert errors == []
    assert [(e.kind, str(e.event_date)) for e in record.events] == [("transfer", "2022-01-05"),
                                                                      ("transfer", "2023-03-01")]


def test_cnki_row_is_identified_by_publication_number_in_the_link():
    headers = ["title", "author", "com", "sql", "quote", "href"]
    conv = RowConverter(get_map("cnki"), headers, file="c.csv")
    record, errors = conv.convert(["一种材料", "王五", "某某大学", "2018-07-30", "2018-12-11",
                                   "https://kns.cnki.net/x?dbcode=SCPD&filename=CN108000001A"], 1)
    assert errors == []
    assert record.application_no == "" and record.fields["publication_no"] == "CN108000001A"
    assert record.fields["patent_type"] == "invention"
