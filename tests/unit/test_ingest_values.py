"""Value parsers of tabular exports: dates, numbers, multi-value cells, codes, types."""

from datetime import date, datetime

import pytest

from panhuo.ingest import values as v


@pytest.mark.parametrize("raw, expected", [
    ("2019.03.25", date(2019, 3, 25)),
    ("20190325", date(2019, 3, 25)),
    ("2019-3-25", date(2019, 3, 25)),
    ("2019/03/25", date(2019, 3, 25)),
    ("2019年3月25日", date(2019, 3, 25)),
    ("２０１９－０３－２５", date(2019, 3, 25)),  # full width
    ("2019-03-25 00:00:00", date(2019, 3, 25)),
    ("43549", date(2019, 3, 25)),  # Excel serial
    (43549, date(2019, 3, 25)),
    ("43549.0", date(2019, 3, 25)),
    (datetime(2019, 3, 25, 8, 0), date(2019, 3, 25)),
    ("0", None), ("", None), (None, None), ("-", None), ("无", None),
])
def test_dates_in_every_vendor_spelling(raw, expected):
    assert v.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2019-02-30", "20191399", "1850-01-01", "soon", "123", "2019.13.01"])
def test_impossible_dates_are_bad_date(raw):
    with pytest.raises(v.ValueProblem) as exc:
        v.parse_date(raw)
    assert exc.value.code == "bad_date"
    assert exc.value.reason


@pytest.mark.parametrize("raw, expected", [
    ("1,234", 1234), ("１２３", 123), ("12.0", 12), (" 7 ", 7), ("0", 0), (5, 5), (3.0, 3), ("", None), ("-", None),
])
def test_integers(raw, expected):
    assert v.parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["12a", "1.5", "1,23", 2.5])
def test_bad_integers(raw):
    with pytest.raises(v.ValueProblem) as exc:
        v.parse_int(raw)
    assert exc.value.code == "bad_int"


@pytest.mark.parametrize("raw, commas, expected", [
    ("a;b；c", False, ["a", "b", "c"]),
    ("a|b\nc", False, ["a", "b", "c"]),
    ("a, b，c、d", True, ["a", "b", "c", "d"]),
    ("a, b", False, ["a, b"]),
    (" ; a ;; ", False, ["a"]),
    ("", False, []),
    (None, False, []),
])
def test_multi_value_cells(raw, commas, expected):
    assert v.split_multi(raw, commas=commas) == expected


def test_codes_are_half_width_upper_and_unique():
    assert v.parse_codes("ｂ64u20/80; B64U 101/30;b64u20/80") == ["B64U20/80", "B64U101/30"]


@pytest.mark.parametrize("raw, expected", [
    ("发明公开", "invention"), ("发明公开;发明授权", "invention"), ("实用新型", "utility_model"),
    ("外观设计", "design"), ("", None),
])
def test_patent_types(raw, expected):
    assert v.parse_patent_type(raw) == expected


def test_conflicting_patent_types_are_an_error():
    with pytest.raises(v.ValueProblem) as exc:
        v.parse_patent_type("发明;实用新型")
    assert exc.value.code == "unknown_type"


@pytest.mark.parametrize("raw, expected", [("是", True), ("否", False), ("Y", True), ("0", False), ("", None)])
def test_booleans(raw, expected):
    assert v.parse_bool(raw) is expected
