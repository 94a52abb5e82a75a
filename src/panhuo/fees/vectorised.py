"""Fee facts for whole portfolios at once (numpy / polars), agreeing with :mod:`panhuo.fees.engine`.

Signature for callers (e.g. valuation)::

    from panhuo.fees.vectorised import fee_facts_frame
    out = fee_facts_frame(df, as_of=date(2025, 1, 1))        # schedule: the edition in force on as_of

Input columns of ``df`` (polars DataFrame; other columns are kept and passed through):

    patent_type          str   "invention" | "utility_model" | "design" (anything else → null outputs)
    filing_date          Date  required (null → null outputs)
    grant_date           Date  null = not granted (pending: no fees, null dates, 0 cost)
    reduction_pct        int   费减 rate the owners qualify for: 0, 70 or 85 (null → 0); see
                               ``panhuo.fees.engine.reduction_for_owners``
    open_licence_since   Date  optional; start of the open licence (null = none)
    open_licence_until   Date  optional; end of the open licence (null = open-ended)
    as_of                Date  optional per-row date; else the ``as_of`` argument (default: today)

Output columns added (money in integer fen, 1 CNY = 100 fen):

    patent_year              Int16  patent year containing as_of
    grant_year               Int16  patent year of grant (null while pending)
    next_due_date            Date   first fee due on or after as_of (null: none left)
    next_fee_fen             Int64  that fee, after the single most favourable reduction
    next_reduction_pct       Int8   the reduction applied to it (0, 15, 70, 85)
    cost_to_expiry_fen       Int64  every fee due on or after as_of, to the end of the statutory term
    reduction_window_end     Date   when the 10-year 费减 window closes (start of year g+10, capped at expiry)
    next_cliff_year          Int16  first year due on/after as_of whose fee exceeds the previous year's
    next_cliff_date          Date   its due date
    months_to_next_cliff     Int32  whole months from as_of to next_cliff_date
    cliff_ratio              Float64 fee at the cliff ÷ fee of the year before
    open_licence_saving_fen  Int64  what the open licence in force (or one declared on as_of) saves to expiry
    expiry_date              Date   end of the statutory term

Term compensation is not modelled here (use the scalar engine for the few patents that have it).
:func:`fee_facts_arrays` is the same computation on numpy arrays of days since 1970-01-01.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from panhuo.fees.engine import FEN
from panhuo.fees.schedule import PATENT_TYPES, FeeSchedule, schedule_for

_FAR = np.int64(10**7)  # a day far in the future (year ~29000): "no end"
_EPOCH_MONTH = 1970 * 12


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1–12), day (1–31) of day numbers since 1970-01-01."""
    d64 = days.astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    m_index = months.astype(np.int64)
    day = (d64 - months.astype("datetime64[D]")).astype(np.int64) + 1
    return (m_index // 12) + 1970, m_index % 12 + 1, day


_BASE_YEAR = 1800
# Day number (since 1970-01-01) of the first day of each month from 1800-01 to 2999-12 (+1): a gather table,
# so that month arithmetic needs no datetime conversions in the hot loop.
_MONTH_START = np.arange(_BASE_YEAR * 12 - _EPOCH_MONTH, 3000 * 12 - _EPOCH_MONTH + 1
                         ).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _add_months(y: np.ndarray, m: np.ndarray, d: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """Days since epoch of (y, m, d) plus ``k`` months, clamped to the month end (as ``dates.add_months``)."""
    index = np.clip(y * 12 + (m - 1) + k - _BASE_YEAR * 12, 0, len(_MONTH_START) - 2)
    start = _MONTH_START[index]
    return start + np.minimum(d, _MONTH_START[index + 1] - start) - 1


def _full_years(start: tuple, end_days: np.ndarray, end_year: np.ndarray) -> np.ndarray:
    """Largest k with start + k years <= end (as ``dates.full_years_between``)."""
    k = end_year - start[0]
    return k - (_add_months(*start, 12 * k) > end_days)


def _full_months(start: tuple, end: tuple, end_days: np.ndarray) -> np.ndarray:
    k = (end[0] - start[0]) * 12 + (end[1] - start[1])
    return k - (_add_months(*start, k) > end_days)


def _tables(schedule: FeeSchedule) -> tuple[np.ndarray, np.ndarray]:
    """Fee table in fen, shape (types, max term + 1) with 0 beyond the term; terms per type."""
    terms = np.array([schedule.term(t) for t in PATENT_TYPES], dtype=np.int64)
    table = np.zeros((len(PATENT_TYPES), int(terms.max()) + 1), dtype=np.int64)
    for i, t in enumerate(PATENT_TYPES):
        table[i, : terms[i]] = np.array(schedule.fees[t], dtype=np.int64) * FEN
    return table, terms


def fee_facts_arrays(type_code: np.ndarray, filing: np.ndarray, grant: np.ndarray, reduction_pct: np.ndarray,
                     as_of: np.ndarray, schedule: FeeSchedule, ol_since: np.ndarray | None = None,
                     ol_until: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The vectorised engine. Dates are int64 days since epoch; missing dates are < 0 … use masks:

    ``type_code`` is the index into ``PATENT_TYPES`` (−1 = invalid), ``grant`` uses ``_FAR`` or any value
    with ``granted`` False for pending patents — pass pending rows with ``grant >= _FAR``. Returns arrays
    plus ``valid`` and ``granted`` masks; rows that are not valid hold meaningless values.
    """
    n = len(type_code)
    valid = type_code >= 0
    tcode = np.where(valid, type_code, 0)
    granted = valid & (grant < _FAR)
    table, terms = _tables(schedule)
    term = terms[tcode]
    fy = _ymd(filing)
    gy = _ymd(np.where(granted, grant, filing))
    ay = _ymd(as_of)
    g = np.where(granted, _full_years(fy, np.where(granted, grant, filing), gy[0]) + 1, 10**6)
    w_last = np.minimum(g + schedule.window_years - 1, term)
    red = np.clip(np.nan_to_num(reduction_pct).astype(np.int64), 0, 100)
    since = ol_since if ol_since is not None else np.full(n, _FAR)
    until = ol_until if ol_until is not None else np.full(n, _FAR)
    hyp_since = np.where(since < _FAR, since, as_of)
    ol_pct = schedule.open_licence_pct

    zeros = np.zeros(n, dtype=np.int64)
    cost, cost_plain, cost_hyp = zeros.copy(), zeros.copy(), zeros.copy()
    next_due, next_fee, next_pct = np.full(n, _FAR), zeros.copy(), zeros.copy()
    cliff_year, cliff_due, cliff_ratio = zeros.copy(), np.full(n, _FAR), np.full(n, np.nan)
    prev_fee = zeros.copy()
    for year in range(1, int(terms.max()) + 1):
        active = granted & (year >= g) & (year <= term)
        if not active.any():
            continue
        due = np.where(year == g, grant, _add_months(*fy, 12 * (year - 1)))
        full = table[tcode, year - 1]
        fr = np.where((year >= g) & (year <= w_last), red, 0)
        pct = np.maximum(fr, np.where((since <= due) & (due <= until), ol_pct, 0))
        fee = (full * (100 - pct) + 50) // 100
        left = active & (due >= as_of)
        cost += np.where(left, fee, 0)
        cost_plain += np.where(left, (full * (100 - fr) + 50) // 100, 0)
        hyp = np.maximum(fr, np.where((hyp_since <= due) & (due <= until), ol_pct, 0))
        cost_hyp += np.where(left, (full * (100 - hyp) + 50) // 100, 0)
        first = left & (next_due == _FAR)
        next_due = np.where(first, due, next_due)
        next_fee = np.where(first, fee, next_fee)
        next_pct = np.where(first, pct, next_pct)
        is_cliff = left & (year > g) & (fee > prev_fee) & (cliff_year == 0)
        cliff_year = np.where(is_cliff, year, cliff_year)
        cliff_due = np.where(is_cliff, due, cliff_due)
        cliff_ratio = np.where(is_cliff, fee / np.maximum(prev_fee, 1), cliff_ratio)
        prev_fee = np.where(active, fee, prev_fee)

    has_cliff = cliff_year > 0
    cy = _ymd(np.where(has_cliff, cliff_due, as_of))
    return {
        "valid": valid, "granted": granted,
        "patent_year": _full_years(fy, as_of, ay[0]) + 1,
        "grant_year": g,
        "next_due_date": next_due, "next_fee_fen": next_fee, "next_reduction_pct": next_pct,
        "cost_to_expiry_fen": cost,
        "reduction_window_end": _add_months(*fy, 12 * np.where(granted, w_last, 0)),
        "next_cliff_year": cliff_year, "next_cliff_date": cliff_due,
        "months_to_next_cliff": _full_months(ay, cy, np.where(has_cliff, cliff_due, as_of)),
        "cliff_ratio": cliff_ratio,
        "open_licence_saving_fen": cost_plain - cost_hyp,
        "expiry_date": _add_months(*fy, 12 * term),
    }


def _days(df: pl.DataFrame, column: str, missing: int) -> tuple[np.ndarray, np.ndarray]:
    """A Date column as int64 days (nulls → ``missing``) and its null mask."""
    if column not in df.columns:
        return np.full(df.height, missing, dtype=np.int64), np.ones(df.height, dtype=bool)
    series = df[column]
    if series.dtype != pl.Date:
        try:
            series = series.cast(pl.Date)
        except pl.exceptions.PolarsError as exc:
            raise ValueError(f"column {column!r} must hold dates (got {df[column].dtype})") from exc
    nulls = series.is_null().to_numpy()
    return series.cast(pl.Int64).fill_null(missing).to_numpy().astype(np.int64), nulls


def fee_facts_frame(df: pl.DataFrame, *, as_of: date | None = None,
                    schedule: FeeSchedule | None = None) -> pl.DataFrame:
    """``df`` with the fee-fact columns described in the module docstring added."""
    missing = [c for c in ("patent_type", "filing_date") if c not in df.columns]
    if missing:
        raise ValueError(f"fee_facts_frame needs column(s) {', '.join(missing)}")
    as_of = as_of or date.today()
    schedule = schedule or schedule_for(as_of)
    codes = (df["patent_type"].cast(pl.Utf8)
             .replace_strict(list(PATENT_TYPES), list(range(len(PATENT_TYPES))), default=-1, return_dtype=pl.Int64)
             .fill_null(-1).to_numpy())
    filing, no_filing = _days(df, "filing_date", 0)
    codes = np.where(no_filing, -1, codes)
    grant, _ = _days(df, "grant_date", int(_FAR))
    since, _ = _days(df, "open_licence_since", int(_FAR))
    until, _ = _days(df, "open_licence_until", int(_FAR))
    default_as_of = (as_of - date(1970, 1, 1)).days
    row_as_of, _ = _days(df, "as_of", default_as_of)
    reduction = (df["reduction_pct"].fill_null(0).to_numpy() if "reduction_pct" in df.columns
                 else np.zeros(df.height, dtype=np.int64))
    out = fee_facts_arrays(codes, filing, grant, reduction, row_as_of, schedule, since, until)
    return df.with_columns(_columns(out))


def _columns(out: dict[str, np.ndarray]) -> list[pl.Series]:
    valid, granted = out["valid"], out["granted"]
    has_next = valid & (out["next_due_date"] < _FAR)
    has_cliff = valid & (out["next_cliff_year"] > 0)

    def col(name: str, dtype, mask: np.ndarray) -> pl.Series:
        raw = pl.Series(name, np.where(mask, out[name], 0))
        values = raw.cast(pl.Int32).cast(pl.Date) if dtype == pl.Date else raw.cast(dtype)
        return pl.select(pl.when(pl.lit(pl.Series(mask))).then(values).otherwise(None).alias(name)).to_series()

    return [
        col("patent_year", pl.Int16, valid), col("grant_year", pl.Int16, granted),
        col("next_due_date", pl.Date, has_next), col("next_fee_fen", pl.Int64, valid),
        col("next_reduction_pct", pl.Int8, has_next), col("cost_to_expiry_fen", pl.Int64, valid),
        col("reduction_window_end", pl.Date, granted), col("next_cliff_year", pl.Int16, has_cliff),
        col("next_cliff_date", pl.Date, has_cliff), col("months_to_next_cliff", pl.Int32, has_cliff),
        col("cliff_ratio", pl.Float64, has_cliff), col("open_licence_saving_fen", pl.Int64, valid),
        col("expiry_date", pl.Date, valid),
    ]
