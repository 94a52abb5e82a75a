"""The `panhuo classify --json` input contract: one ``{"id", "text"}`` object per line (pure, no I/O).

A line that breaks the contract raises :class:`RequestError` with a message naming what is wrong (and the
request's id when it could be read), so that the command reports that line and goes on with the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO


class RequestError(ValueError):
    """One input line that cannot be classified; ``id`` is the request's id when the line carried one."""

    def __init__(self, message: str, request_id: str | int | None = None):
        super().__init__(message)
        self.id = request_id


def parse_request(line: str) -> tuple[str | int, str]:
    """``'{"id": "d1", "text": "锂离子电池"}'`` → ``("d1", "锂离子电池")``.

    The id must be a non-empty string or an integer (it is echoed back so the answer can be joined to the
    question); the text a string with at least one visible character.
    """
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise RequestError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise RequestError(f'expected a JSON object {{"id", "text"}}, got {type(record).__name__}')
    request_id = record.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, str | int):
        raise RequestError('"id" must be a string or an integer (it is echoed back with the answer)'
                           + (" (missing)" if request_id is None else f", got {json.dumps(request_id)}"))
    if isinstance(request_id, str) and not request_id.strip():
        raise RequestError('"id" is empty', request_id)
    text = record.get("text")
    if not isinstance(text, str):
        got = "missing" if text is None else f"got {json.dumps(text, ensure_ascii=False)[:40]}"
        raise RequestError(f'"text" must be a string ({got})', request_id)
    if not text.strip():
        raise RequestError('"text" is empty', request_id)
    return request_id, text


def line_batches(stream: BinaryIO, max_lines: int = 256) -> Iterator[list[tuple[int, str | RequestError]]]:
    """Numbered input lines in batches of what the stream has ready (at most ``max_lines``), so that many
    lines are classified together while a caller that writes one line and waits for its answer still gets
    it at once.  Blank lines are skipped; a line that is not UTF-8 comes as a :class:`RequestError`."""
    pending, number = b"", 0
    while True:
        chunk = stream.read1(1 << 16)
        if chunk:
            pending += chunk
            *lines, pending = pending.split(b"\n")
        else:
            lines, pending = ([pending] if pending else []), b""
        batch: list[tuple[int, str | RequestError]] = []
        for raw in lines:
            number += 1
            if not raw.strip():
                continue
            try:
                batch.append((number, raw.decode("utf-8")))
            except UnicodeDecodeError as exc:
                batch.append((number, RequestError(f"not UTF-8 text (byte {exc.start + 1})")))
            if len(batch) == max_lines:
                yield batch
                batch = []
        if batch:
            yield batch
        if not chunk:
            return
