"""Pure value parsers for tabular exports: dates, integers, text, multi-value cells.

Each parser takes the raw cell (already a ``str`` or ``None``) and returns the parsed value or raises
:class:`ValueProblem` with a machine code and one clear sentence. Readers turn a problem into a
:class:`~panhuo.ingest.records.RowError` with the file, row and field. Nothing here does I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache

# Cells vendors use for "no value" (the 61-column export writes 0 in empty date columns).
EMPTY = frozenset({"", "0", "-", "--", "—", "/", "无", "暂无", "null", "none", "nan", "n/a", "na", "nat"})
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, with its leap-year bug folded in
MIN_YEAR, MAX_YEAR = 1950, 2100
_SPLIT = re.compile(r"\s*(?:[;；|｜\n\r]+)\s*")
_SPLIT_WITH_COMMA = re.compile(r"\s*(?:[;；|｜\n\r,，、]+)\s*")
_DATE_SEP = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0+)?$")
_EXCEL_SERIAL = re.compile(r"^(\d{4,5})(?:\.\d+)?$")
_INT = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$|^[+-]?\d+$")


class ValueProblem(ValueError):
    """A cell that could not be parsed: ``code`` (machine) and ``reason`` (one sentence)."""

    def __init__(self, code: str, reason: str):
        self.code = code
        self.reason = reason
        super().__init__(reason)


def clean_text(raw: object) -> str | None:
    """Trim, drop zero-width characters and normalise line ends; ``None`` for an empty cell."""
    if raw is None:
        return None
    text = str(raw).replace("\u200b", "").replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u3000", " ").strip()
    return text or None


def is_empty(raw: object) -> bool:
    """True for cells that carry no value (blank, ``0`` in date columns, ``-``, ``无`` …)."""
    text = clean_text(raw)
    return text is None or text.lower() in EMPTY


@lru_cache(maxsize=65536)
def nfkc(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation to half-width (NFKC), keeping CJK punctuation.

    Use for codes, numbers and dates, not for prose: NFKC would also fold ``（`` in titles.
    """
    return unicodedata.normalize("NFKC", text)


def parse_date(raw: object) -> date | None:
    """``2019.03.25``, ``20190325``, ``2019-3-25``, ``2019/03/25``, ``2019年3月25日``, Excel serials.

    ``None`` for an empty cell; :class:`ValueProblem` (``bad_date``) for anything else that is not a date.
    """
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _from_excel_serial(raw, str(raw))
    if is_empty(raw):
        return None
    return _parse_date_text(nfkc(clean_text(raw)))


@lru_cache(maxsize=65536)
def _parse_date_text(text: str) -> date:
    match = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _checked_date(year, month, day, text)
    match = _EXCEL_SERIAL.match(text)
    if match:
        return _from_excel_serial(float(text), text)
    raise ValueProblem("bad_date", f"{text!r} is not a date (expected e.g. 2019-03-25, 2019.03.25 or 20190325)")


def _checked_date(year: int, month: int, day: int, text: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueProblem("bad_date", f"{text!r}: year {year} is outside {MIN_YEAR}–{MAX_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem("bad_date", f"{text!r} is not a calendar date ({year}-{month:02d}-{day:02d})") from None


def _from_excel_serial(value: float, text: str) -> date:
    serial = int(value)
    if not 18264 <= serial <= 73415:  # 1950-01-01 … 2100-12-31
        raise ValueProblem("bad_date", f"{text!r} is neither a date nor an Excel date serial in {MIN_YEAR}–{MAX_YEAR}")
    return EXCEL_EPOCH + timedelta(days=serial)


def parse_int(raw: object) -> int | None:
    """``1234``, ``1,234``, ``１２３``, ``12.0`` → int; ``None`` when empty; ``bad_int`` otherwise."""
    if isinstance(raw, bool):
        raise ValueProblem("bad_int", f"{raw!r} is not a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw != raw or raw != int(raw):
            raise ValueProblem("bad_int", f"{raw!r} is not a whole number")
        return int(raw)
    text = clean_text(raw)
    if text is None or text.lower() in {"-", "--", "—", "无", "nan", "null", "none"}:
        return None
    text = nfkc(text).replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not _INT.match(text):
        raise ValueProblem("bad_int", f"{text!r} is not a whole number")
    return int(text.replace(",", ""))


def parse_float(raw: object) -> float | None:
    """A decimal number (``1,234.5``, full width, ``85%`` → 85.0); ``None`` when empty."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    text = clean_text(raw)
    if text is None or text.lower() in {"-", "--", "—", "无", "nan", "null", "none"}:
        return None
    text = nfkc(text).replace(",", "").replace(" ", "").rstrip("%")
    try:
        return float(text)
    except ValueError:
        raise ValueProblem("bad_number", f"{text!r} is not a number") from None


def split_multi(raw: object, *, commas: bool = False) -> list[str]:
    """Split a multi-value cell on ``;`` ``；`` ``|`` and newlines (and ``,`` ``，`` ``、`` when ``commas``).

    Empty parts are dropped, order and duplicates are kept (positions matter for parties).
    """
    text = clean_text(raw)
    if text is None or text.lower() in EMPTY:
        return []
    pattern = _SPLIT_WITH_COMMA if commas else _SPLIT
    return [part for part in (p.strip() for p in pattern.split(text)) if part]


def parse_codes(raw: object) -> list[str]:
    """Classification codes (IPC, CPC, FI): half-width, upper case, de-duplicated in order."""
    seen: dict[str, None] = {}
    for part in split_multi(raw, commas=True):
        code = re.sub(r"\s+", "", nfkc(part)).upper()
        if code:
            seen.setdefault(code, None)
    return list(seen)


def parse_code(raw: object) -> str | None:
    """One classification code (the first one when a vendor puts several in the main-class column)."""
    codes = parse_codes(raw)
    return codes[0] if codes else None


def parse_bool(raw: object) -> bool | None:
    """是/否, Y/N, true/false, 1/0, 有/无 → bool; ``None`` when empty; ``bad_bool`` otherwise."""
    text = clean_text(raw)
    if text is None:
        return None
    value = nfkc(text).lower()
    if value in {"是", "y", "yes", "true", "1", "有", "√", "已实施"}:
        return True
    if value in {"否", "n", "no", "false", "0", "无", "×", "未实施"}:
        return False
    raise ValueProblem("bad_bool", f"{text!r} is not yes/no (是/否)")


PATENT_TYPES = {
    "发明": "invention", "发明专利": "invention", "发明公开": "invention", "发明授权": "invention",
    "发明申请": "invention", "invention": "invention",
    "实用新型": "utility_model", "实用新型专利": "utility_model", "新型": "utility_model",
    "utility model": "utility_model", "utility_model": "utility_model",
    "外观设计": "design", "外观": "design", "外观设计专利": "design", "design": "design",
}


def parse_patent_type(raw: object) -> str | None:
    """发明公开 / 发明授权 / 实用新型 / 外观设计 (and ``发明公开;发明授权``) → PatentType value."""
    parts = split_multi(raw)
    if not parts:
        return None
    found = {PATENT_TYPES.get(nfkc(p).strip().lower()) for p in parts}
    found.discard(None)
    if len(found) == 1:
        return found.pop()
    raise ValueProblem("unknown_type", f"{clean_text(raw)!r} is not a patent type (发明/实用新型/外观设计)")
