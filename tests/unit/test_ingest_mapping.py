"""Header maps: built-in maps load, vendors are detected by their headers, user maps are validated."""

import pytest

from panhuo.ingest import mapping as m
from panhuo.ingest.rows import RowConverter
from panhuo.patents.numbers import compute_check_digit

EXPORT61 = ["序号", "申请日", "公开日", "授权公告日", "申请人", "发明人", "申请号", "公开号", "专利名称", "申请摘要", "主权项",
            "法律状态", "主分类号", "国省代码", "第一权利人", "申请人类型", "当前权利人", "专利转移次数", "简单同族数量", "实质审查日"]
INCOPAT = ["标题", "申请人", "公开（公告）号", "公开（公告）日", "申请号", "申请日", "IPC主分类", "链接到incoPat", "合享价值度",
           "标准化当前权利人", "简单同族个数", "当前法律状态", "专利有效性", "被引证次数", "第一申请人"]
CNKI = ["title", "author", "com", "public", "sql", "quote", "download", "href", "ChDiv_summary", "claim_text"]
TEMPLATE = ["申请号*", "专利名称", "专利类型", "专利权人", "所属院系", "转化意愿", "转化方式", "是否已实施", "价值分级自评"]


def app(digits: str) -> str:
    return f"CN{digits}.{compute_check_digit(digits)}"


def test_every_builtin_map_loads_with_source_and_version():
    maps = m.builtin_maps()
    assert {"export61", "incopat", "cnki", "inventory_template"} <= set(maps)
    for hm in maps.values():
        assert hm.source and hm.version and hm.signature


@pytest.mark.parametrize("headers, expected", [
    (EXPORT61, "export61"), (INCOPAT, "incopat"), (CNKI, "cnki"), (TEMPLATE, "inventory_template"),
])
def test_vendor_is_detected_by_headers(headers, expected):
    assert m.detect(headers).format == expected


def test_no_match_lists_the_closest_candidates():
    with pytest.raises(m.NoMatchingFormat) as exc:
        m.detect(["申请号", "名称", "备注"], file="x.csv")
    assert "x.csv" in str(exc.value) and "--mapping" in str(exc.value)
    assert exc.value.candidates[0].score >= exc.value.candidates[-1].score


def test_headers_compare_ignoring_width_space_and_required_marker():
    assert m.normalise_header(" 公开（公告）号* ") == m.normalise_header("公开(公告)号")


def test_user_map_with_unknown_field_is_a_clear_error():
    with pytest.raises(m.MappingError, match="unknown field 'titel'"):
        m.parse_map({"format": "mine", "columns": {"名称": "titel"}})


def test_user_map_imports_its_columns(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("format: mine\nunmapped: extra\ncolumns:\n  专利申请号: application_no\n  发明名称: title\n"
                    "  申请日期: {field: filing_date, type: date}\n", encoding="utf-8")
    hm = m.load_map(path)
    conv = RowConverter(hm, ["专利申请号", "发明名称", "申请日期", "备注"], file="f.csv")
    record, errors = conv.convert([app("201910012345"), "一种装置", "2019.03.25", "自备"], 1)
    assert errors == []
    assert record.fields["title"] == "一种装置"
    assert record.fields["extra"] == {"备注": "自备"}
    assert str(record.fields["filing_date"]) == "2019-03-25"
