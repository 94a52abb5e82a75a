"""The `panhuo classify --json` input contract: good lines parse, bad ones name what is wrong (pure)."""

import pytest

from panhuo.taxonomy.requests import RequestError, parse_request


@pytest.mark.parametrize(
    "line, expected",
    [('{"id": "d1", "text": "锂离子电池正极材料"}', ("d1", "锂离子电池正极材料")),
     ('{"id": 7, "text": "pharmaceutical composition", "extra": 1}', (7, "pharmaceutical composition")),
     ('  {"text": "一种图像识别方法", "id": "需求-3"}\n', ("需求-3", "一种图像识别方法"))],
)
def test_good_requests(line, expected):
    assert parse_request(line) == expected


@pytest.mark.parametrize(
    "line, message, request_id",
    [("not json", "not valid JSON", None),
     ('{"id": "d1", "text": "x"', "not valid JSON", None),
     ("[1, 2]", "expected a JSON object", None),
     ('"锂电池"', "expected a JSON object", None),
     ('{"text": "锂电池"}', '"id" must be a string or an integer', None),
     ('{"id": true, "text": "锂电池"}', "got true", None),
     ('{"id": [1], "text": "锂电池"}', "got [1]", None),
     ('{"id": " ", "text": "锂电池"}', '"id" is empty', " "),
     ('{"id": "d2"}', '"text" must be a string (missing)', "d2"),
     ('{"id": "d3", "text": 123}', '"text" must be a string (got 123)', "d3"),
     ('{"id": 4, "text": "  \\t"}', '"text" is empty', 4)],
)
def test_bad_requests_name_the_problem_and_keep_the_id(line, message, request_id):
    with pytest.raises(RequestError) as err:
        parse_request(line)
    assert message in str(err.value) and err.value.id == request_id
