"""Column-at-a-time conversion of a batch of rows: the fast path of :func:`panhuo.ingest.readers.read_records`.

Each mapped column of a batch is parsed once per **distinct** cell value with the same parser the per-row path
uses (:data:`panhuo.ingest.rows.PARSERS`), so a date, a type, a status or a name list repeated over thousands
of rows is parsed once. Application and publication numbers, distinct on every row, are validated vectorised with
polars (canonical spelling, check digit, year and kind); anything the vectorised check does not accept goes
through the real parser. A row with any problem is converted again by
:meth:`panhuo.ingest.rows.RowConverter.convert`, so its errors (file, row, field, value, reason) are exactly the
per-row path's and none of its good values is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from panhuo.ingest import values as v
from panhuo.ingest.records import PatentRecord, RowError
from panhuo.ingest.rows import PARSERS, RowConverter
from panhuo.patents import numbers

_SKIP = object()  # empty cell, or a parser result that the per-row path drops
_FAILED = object()  # the parser raised: the row goes through the per-row path
_PROBLEMS = (v.ValueProblem, numbers.NumberError)
_APP_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_TEXT = PARSERS["text"]  # also the legal_status parser
_DATE = PARSERS["date"]


def _parse_one(parse, raw: Any) -> Any:
    try:
        value = parse(raw)
    except _PROBLEMS:
        return _FAILED
    return _SKIP if value is None or value == [] or value == "" else value


def _parse_distinct(parse, column: Sequence[Any]) -> list[Any]:
    """``parse`` applied once per distinct cell; ``_SKIP`` for empty results, ``_FAILED`` for problems.

    Distinct values and each cell's code come from polars (hashing in Rust); a list value is copied per row so
    that no two records share a mutable value.
    """
    try:
        series = pl.Series("c", column, dtype=pl.String)
    except (TypeError, pl.exceptions.PolarsError):  # cells that are not all text (a typed sheet)
        return _parse_distinct_py(parse, _values(column))
    distinct = series.filter(series.is_not_null() & (series != "")).unique(maintain_order=True)
    if distinct.len() == 0:
        return [_SKIP] * len(column)
    parsed = [_parse_one(parse, raw) for raw in distinct.to_list()]
    codes = series.replace_strict(distinct, pl.int_range(distinct.len(), eager=True), default=None,
                                  return_dtype=pl.Int64).to_list()
    if any(value.__class__ is list for value in parsed):
        return [_SKIP if c is None else (list(parsed[c]) if parsed[c].__class__ is list else parsed[c])
                for c in codes]
    return [_SKIP if c is None else parsed[c] for c in codes]


def _values(column: Sequence[Any] | pl.Series) -> Sequence[Any]:
    """The cells of a column given as a list or as a polars Series (the worker passes Series: no round trip
    through Python lists for columns parsed in polars)."""
    return column.to_list() if isinstance(column, pl.Series) else column


def _blank_where(series: pl.Series, done: pl.Series) -> pl.Series:
    """``series`` with null where ``done`` (the cells still to parse one by one)."""
    return series.zip_with(done.not_(), pl.Series(series.name, [None] * len(series), dtype=pl.String))


def _parse_distinct_py(parse, column: Sequence[Any]) -> list[Any]:
    cache: dict[Any, Any] = {}
    out: list[Any] = []
    for raw in column:
        if raw is None or raw == "":
            out.append(_SKIP)
            continue
        value = cache.get(raw)
        if value is None:
            value = cache[raw] = _parse_one(parse, raw)
        out.append(list(value) if value.__class__ is list else value)
    return out


def _valid_cn_applications(column: Sequence[Any]) -> list[bool]:
    """True where the cell is already a canonical 12-digit CN application number that the parser accepts."""
    year_now = date.today().year
    s = pl.Series("a", column, dtype=pl.String)
    body = s.str.extract(r"^CN(\d{12})\.[0-9X]$", 1)
    total = pl.lit(0, dtype=pl.Int64)
    for i, w in enumerate(_APP_WEIGHTS):
        total = total + pl.col("d").str.slice(i, 1).cast(pl.Int64) * w
    rest = total % 11
    check = pl.when(rest == 10).then(pl.lit("X")).otherwise(rest.cast(pl.String))
    year = pl.col("d").str.slice(0, 4).cast(pl.Int64)
    kind = pl.col("d").str.slice(4, 1)
    frame = pl.DataFrame({"d": body, "given": s.str.slice(-1, 1)})
    ok = frame.select((pl.col("d").is_not_null() & (check == pl.col("given"))
                       & (year >= numbers.TWELVE_DIGIT_FROM.year) & (year <= year_now)
                       & kind.is_in([str(k) for k in numbers.CN_KINDS])).fill_null(False).alias("ok"))
    return ok.get_column("ok").to_list()


def _parse_applications(parse, column: Sequence[Any]) -> list[Any]:
    try:
        ok = _valid_cn_applications(column)
    except (TypeError, pl.exceptions.PolarsError):  # cells that are not text (a typed sheet)
        return _parse_distinct(parse, column)
    column = _values(column)
    slow = _parse_distinct(parse, [None if good else raw for raw, good in zip(column, ok)])
    return [raw if good else value for raw, good, value in zip(column, ok, slow)]


def _parse_publications(parse, column: Sequence[Any]) -> list[Any]:
    """CN publication numbers validated once per shape (body length, type digit, kind code)."""
    try:
        shape = pl.Series("p", column, dtype=pl.String).str.extract_groups(r"^CN(\d{7,9})([A-Z]\d?)$")
    except (TypeError, pl.exceptions.PolarsError):
        return _parse_distinct(parse, column)
    column = _values(column)
    bodies, kinds = shape.struct.field("1").to_list(), shape.struct.field("2").to_list()
    shapes: dict[tuple, bool] = {}
    out: list[Any] = []
    slow_index: list[int] = []
    for i, (raw, body, kind) in enumerate(zip(column, bodies, kinds)):
        if body is None:
            slow_index.append(i)
            out.append(None)
            continue
        key = (len(body), body[2] if len(body) == 8 else body[0], kind)
        good = shapes.get(key)
        if good is None:
            try:
                good = shapes[key] = parse(raw) == raw
            except _PROBLEMS:
                good = shapes[key] = False
        if good:
            out.append(raw)
        else:
            slow_index.append(i)
            out.append(None)
    slow = _parse_distinct(parse, [column[i] for i in slow_index])
    for i, value in zip(slow_index, slow):
        out[i] = value
    return out


# str.strip()'s whitespace (every c with c.isspace()), for polars' strip_chars
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _parse_texts(parse, column: Sequence[Any], limit: int | None = None) -> list[Any]:
    """Free text cleaned in polars exactly as :func:`panhuo.ingest.values.clean_text` does it (zero-width
    characters dropped, line ends normalised, ideographic space to space, trimmed); ``_SKIP`` when empty,
    ``_FAILED`` when longer than ``limit`` characters (the per-row parser reports it)."""
    try:
        series = pl.Series("t", column, dtype=pl.String)
    except (TypeError, pl.exceptions.PolarsError):
        return _parse_distinct(parse, column)
    cleaned = (series.str.replace_all("[\u200b\ufeff]", "").str.replace_all("\r\n?", "\n")
               .str.replace_all("\u3000", " ", literal=True).str.strip_chars(PY_WHITESPACE))
    out = [_SKIP if not text else text for text in cleaned.to_list()]
    if limit is not None:
        for i in (cleaned.str.len_chars() > limit).fill_null(False).arg_true().to_list():
            out[i] = _FAILED
    return out


def _parse_dates(parse, column: Sequence[Any]) -> list[Any]:
    """Dates; compact ``YYYYMMDD`` cells (most exports) converted in polars when they are calendar dates in
    ``MIN_YEAR``–``MAX_YEAR`` (what the parser returns for them), every other cell through the parser."""
    try:
        series = pl.Series("d", column, dtype=pl.String)
    except (TypeError, pl.exceptions.PolarsError):
        return _parse_distinct(parse, column)
    compact = series.str.contains(r"^\d{8}$").fill_null(False)
    days = series.str.to_date("%Y%m%d", strict=False)
    years = days.dt.year()
    done = (compact & days.is_not_null() & (years >= v.MIN_YEAR) & (years <= v.MAX_YEAR)).fill_null(False)
    good = done.to_list()
    fast = days.to_list()
    rest = _parse_distinct(parse, _blank_where(series, done))
    return [day if ok else value for ok, day, value in zip(good, fast, rest)]


_SIMPLE_NAMES = r"^\p{Han}{1,40}(?:;\p{Han}{1,40})*$"


def _parse_names(parse, column: Sequence[Any]) -> list[Any]:
    """Name lists; cells of Chinese names joined by ``;`` (most cells) are split without the full parser,
    which gives the same list for them (no other separator, nothing to trim, duplicates dropped)."""
    try:
        series = pl.Series("n", column, dtype=pl.String)
        done = series.str.contains(_SIMPLE_NAMES).fill_null(False)
    except (TypeError, pl.exceptions.PolarsError):
        return _parse_distinct(parse, column)
    if not done.any():
        return _parse_distinct(parse, series)
    simple = done.to_list()
    # split and de-duplicated (first occurrence kept, as dict.fromkeys) in polars; each row gets its own list
    split = series.str.split(";").list.unique(maintain_order=True).to_list()
    rest = _parse_distinct(parse, _blank_where(series, done))
    return [names if ok else value for ok, names, value in zip(simple, split, rest)]


def parse_columns(converter: RowConverter, columns: Sequence[Sequence[Any]], n: int) -> list[list[Any]]:
    """One parsed list per plan entry of ``converter`` (``_SKIP`` / ``_FAILED`` markers included)."""
    out = []
    for index, col, parse in converter.plan:
        column = columns[index] if index < len(columns) else [None] * n
        if col.parser == "application_number":
            out.append(_parse_applications(parse, column))
        elif col.parser == "publication_number":
            out.append(_parse_publications(parse, column))
        elif col.parser == "names":
            out.append(_parse_names(parse, column))
        elif parse is _DATE:
            out.append(_parse_dates(parse, column))
        elif parse is _TEXT:
            out.append(_parse_texts(parse, column))
        elif getattr(parse, "inner", None) is _TEXT:  # text with a length limit (rows._limited)
            out.append(_parse_texts(parse, column, parse.limit))
        else:
            out.append(_parse_distinct(parse, column))
    return out


def convert_batch(converter: RowConverter, row_numbers: Sequence[int],
                  columns: Sequence[Sequence[Any]]) -> list[PatentRecord | RowError]:
    """Records and errors of a batch, in row order, identical to converting each row with ``converter``."""
    n = len(row_numbers)
    parsed = parse_columns(converter, columns, n)
    plan = [(col.field, values, columns[index] if index < len(columns) else None)
            for (index, col, _p), values in zip(converter.plan, parsed)]
    failed = [False] * n
    for _field, values, _raw in plan:
        for i, value in enumerate(values):
            if value is _FAILED:
                failed[i] = True
    synthetic = columns[converter.synthetic_index] if converter.synthetic_index is not None and \
        converter.synthetic_index < len(columns) else None
    good = [i for i in range(n) if not failed[i]]
    rows: dict[int, dict[str, Any]] = {i: {} for i in good}
    for name, parsed_values, raw in plan:  # column by column: each row's keys still arrive in plan order
        if all(parsed_values[i] is _SKIP for i in good):
            continue
        for i in good:
            value = parsed_values[i]
            if value is not _SKIP:
                values = rows[i]
                if name not in values:
                    values[name] = value
                if name == "legal_status":
                    values["legal_status_raw"] = value
                elif name == "application_no":
                    values["application_no_raw"] = v.clean_text(raw[i])
    finish = converter.finish
    out: list[PatentRecord | RowError] = []
    for i, row in enumerate(row_numbers):
        if failed[i]:
            record, errors = converter.convert([c[i] for c in columns], row)
        else:
            record, errors = finish(rows[i], [], row, synthetic[i] if synthetic is not None else None)
        out.extend(errors)
        if record is not None:
            out.append(record)
    return out
