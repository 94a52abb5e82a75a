"""The `panhuo classify --json` input contract: good lines parse, bad ones name what is wrong (pure)."""

import io

import pytest

from panhuo.taxonomy import requests
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


class _Trickle(io.BytesIO):
    """A stream that hands out what a pipe would: one write at a time."""

    def __init__(self, writes: list[bytes]):
        super().__init__()
        self.writes = list(writes)

    def read1(self, size: int = -1) -> bytes:
        return self.writes.pop(0) if self.writes else b""


def test_line_batches_number_lines_skip_blanks_and_keep_a_last_line_without_newline():
    stream = io.BytesIO(b'{"id":1,"text":"a"}\n\n{"id":2,"text":"b"}\n{"id":3,"text":"c"}')
    batches = list(requests.line_batches(stream))
    assert [[n for n, _ in b] for b in batches] == [[1, 3], [4]]
    assert batches[1][0][1] == '{"id":3,"text":"c"}'


def test_line_batches_follow_what_the_stream_has_ready_and_cap_the_batch():
    stream = _Trickle([b'{"id":1,"text":"a"}\n{"id":2,', b'"text":"b"}\n', b"x\n" * 5])
    batches = list(requests.line_batches(stream, max_lines=2))
    assert [[n for n, _ in b] for b in batches] == [[1], [2], [3, 4], [5, 6], [7]]


def test_a_line_that_is_not_utf8_is_an_error_in_its_place():
    batches = list(requests.line_batches(io.BytesIO(b'{"id":1,"text":"a"}\n\xff\xfe\n')))
    (first, bad), = batches
    assert first == (1, '{"id":1,"text":"a"}') and bad[0] == 2
    assert isinstance(bad[1], requests.RequestError) and "not UTF-8" in str(bad[1])
