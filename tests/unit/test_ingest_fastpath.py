"""Pure helpers of the bulk path: the shortcut for simple name cells and slicing of batches."""

from __future__ import annotations

import json

import pytest

from panhuo.ingest import bulk, columnar, fastpath
from panhuo.ingest.rows import split_names

NAME_CELLS = [
    "张三;李四", "张三;张三;李四", "欧阳娜娜", "王五|赵六\n钱七", "甲省理工大学；乙研究所", "张三 ;李四", "张三;",
    "A;B", "Smith, John;Li Wei", "𠀀四;张三", "欧阳·娜娜", "张三、李四", "张三,李四", "　张三　",
]


@pytest.mark.parametrize("cell", NAME_CELLS)
def test_simple_name_shortcut_gives_the_parser_result(cell):
    [parsed] = columnar._parse_names(split_names, [cell])
    assert parsed == split_names(cell)


def test_name_lists_are_not_shared_between_rows():
    first, second = columnar._parse_names(split_names, ["张三;李四", "张三;李四"])
    first.append("王五")
    assert second == ["张三", "李四"]


@pytest.mark.parametrize("rows,size,expected", [
    (5, 2, [[1, 2], [3, 4], [5]]),
    (4, 10, [[1, 2, 3, 4]]),
    (4, 4, [[1, 2, 3, 4]]),
])
def test_slices_keep_row_numbers_and_columns_aligned(rows, size, expected):
    numbers = list(range(1, rows + 1))
    columns = [[f"a{n}" for n in numbers], None, [f"c{n}" for n in numbers]]
    out = list(fastpath.slices([(numbers, columns)], size))
    assert [n for n, _c in out] == expected
    for n, cols in out:
        assert cols[0] == [f"a{x}" for x in n] and cols[1] is None and cols[2] == [f"c{x}" for x in n]


def test_whitespace_set_is_python_strip_set():
    assert set(columnar.PY_WHITESPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}


TEXT_CELLS = ["  一种装置 ", "a\r\nb\rc", "\u200b标题\ufeff", "\u3000全角空格\u3000", "\x1c分隔\x1f", "", "   ", "\r\r\n",
              "x\u3000y", "\u200b", "多行\n文本\n"]


@pytest.mark.parametrize("cell", TEXT_CELLS)
def test_vectorised_text_cleaning_gives_clean_text(cell):
    from panhuo.ingest import values

    [parsed] = columnar._parse_texts(values.clean_text, [cell])
    expected = values.clean_text(cell)
    assert (None if parsed is columnar._SKIP else parsed) == expected


DATE_CELLS = ["20210715", "20210230", "18991231", "21000101", "19500101", "21010101", "0", "2021.07.15", "44392",
              "２０２１０７１５", " 20210715", "2021-3-5", "", None, "abc", "00000000"]


@pytest.mark.parametrize("cell", DATE_CELLS)
def test_vectorised_dates_give_the_parser_result(cell):
    from panhuo.ingest import values

    [parsed] = columnar._parse_dates(values.parse_date, [cell])
    try:
        expected = values.parse_date(cell)
    except values.ValueProblem:
        assert parsed is columnar._FAILED
        return
    assert (None if parsed is columnar._SKIP else parsed) == expected


def test_length_limits_are_the_columns_the_values_go_to():
    from panhuo.ingest.rows import MAX_LENGTH

    assert {f: MAX_LENGTH.get(f) for f in ("legal_status", "region_code", "agency", "ipc_main", "publication_no",
                                           "first_applicant", "department", "title", "ipc_all", "applicants")} == {
        "legal_status": 200, "region_code": 12, "agency": 200, "ipc_main": 30, "publication_no": 40,
        "first_applicant": 300, "department": 200, "title": None, "ipc_all": None, "applicants": None}


JSON_LISTS = [[], ["G06F 17/30"], ["H04L 29/06", "G06F 17/30", "G06F 17/30"], ["中文", "é", "\u2028"],
              ['引号"内'], ["反斜杠\\"], ["换行\n"], ["tab\t"], ["\x1f"], [1, 2], ["a", None], [{"number": "CN1"}],
              ["a", ["b"]]]


@pytest.mark.parametrize("value", JSON_LISTS)
def test_joined_json_lists_equal_json_dumps(value):
    text = bulk._plain_list(value)
    assert text is None or text == json.dumps(value, ensure_ascii=False)
    assert bulk._json_column([value]) == [json.dumps(value, ensure_ascii=False)]


@pytest.mark.parametrize("column", [[[]] * 3, [None] * 3, [{"a": 1}, {"a": True}], [1, True, 1.0], [["x"], ["x"]]])
def test_json_column_equals_json_dumps_per_value(column):
    expected = [None if x is None else json.dumps(x, ensure_ascii=False) for x in column]
    assert bulk._json_column(column) == expected


def test_indexes_kept_while_loading_are_patents_indexes():
    from panhuo.db import load_all_models

    load_all_models()
    names = {index.name for index in bulk.PATENTS.indexes if not index.unique}
    assert bulk.KEPT_WHILE_LOADING < names  # a renamed index must not silently become "dropped"


def test_sqlite_column_of_one_timestamp_is_formatted_like_each_value():
    from datetime import date, datetime

    now = datetime(2026, 11, 21, 9, 30, 1, 5)
    assert bulk._sqlite_column([now] * 3, "any") == ["2026-11-21 09:30:01.000005"] * 3
    mixed = [now, None, date(2021, 2, 3)]
    assert bulk._sqlite_column(mixed, "any") == ["2026-11-21 09:30:01.000005", None, "2021-02-03"]
