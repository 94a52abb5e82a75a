"""The vectorised engine agrees with the scalar engine, row by row (property test), and handles bad rows."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panhuo.fees import engine
from panhuo.fees.dates import full_months_between
from panhuo.fees.schedule import default_schedule
from panhuo.fees.vectorised import fee_facts_frame

S = default_schedule()


@st.composite
def patents(draw):
    patent_type = draw(st.sampled_from(["invention", "utility_model", "design"]))
    filing = draw(st.dates(date(1998, 1, 1), date(2024, 12, 31)))
    grant = draw(st.one_of(st.none(), st.integers(0, 365 * 6).map(lambda d: filing + timedelta(days=d))))
    since = draw(st.one_of(st.none(), st.dates(date(2010, 1, 1), date(2035, 12, 31))))
    until = None
    if since is not None:
        until = draw(st.one_of(st.none(), st.integers(0, 365 * 8).map(lambda d: since + timedelta(days=d))))
    return {"patent_type": patent_type, "filing_date": filing, "grant_date": grant,
            "reduction_pct": draw(st.sampled_from([0, 70, 85])), "open_licence_since": since,
            "open_licence_until": until, "as_of": draw(st.dates(date(1998, 1, 1), date(2046, 12, 31)))}


def scalar_row(row: dict) -> dict:
    case = engine.FeeCase(row["patent_type"], row["filing_date"], row["grant_date"], row["reduction_pct"],
                          row["open_licence_since"], row["open_licence_until"])
    f = engine.fee_facts(case, row["as_of"], S)
    cliff = f.next_cliff
    return {
        "patent_year": f.patent_year, "grant_year": f.grant_year,
        "next_due_date": f.next_due.due_date if f.next_due else None,
        "next_fee_fen": f.next_due.fee_fen if f.next_due else 0,
        "next_reduction_pct": f.next_due.pct if f.next_due else None,
        "cost_to_expiry_fen": f.cost_to_expiry_fen, "reduction_window_end": f.reduction_window_end,
        "next_cliff_year": cliff.year if cliff else None, "next_cliff_date": cliff.due_date if cliff else None,
        "months_to_next_cliff": full_months_between(row["as_of"], cliff.due_date) if cliff else None,
        "cliff_ratio": round(cliff.ratio, 9) if cliff else None,
        "open_licence_saving_fen": f.open_licence_saving_fen, "expiry_date": f.expiry_date,
    }


SCHEMA = {"patent_type": pl.Utf8, "filing_date": pl.Date, "grant_date": pl.Date, "reduction_pct": pl.Int64,
          "open_licence_since": pl.Date, "open_licence_until": pl.Date, "as_of": pl.Date}


@settings(max_examples=60, deadline=None)
@given(st.lists(patents(), min_size=1, max_size=40))
def test_vectorised_agrees_with_the_scalar_engine(rows):
    out = fee_facts_frame(pl.DataFrame(rows, schema=SCHEMA), as_of=date(2025, 1, 1), schedule=S)
    for row, got in zip(rows, out.iter_rows(named=True)):
        expected = scalar_row(row)
        got = {k: got[k] for k in expected}
        if got["cliff_ratio"] is not None:
            got["cliff_ratio"] = round(got["cliff_ratio"], 9)
        assert got == expected, row


def test_bad_rows_get_null_facts_and_good_rows_survive():
    df = pl.DataFrame({"patent_type": ["invention", "plant variety", None, "design"],
                       "filing_date": [date(2015, 1, 1), date(2015, 1, 1), date(2015, 1, 1), None],
                       "grant_date": [date(2016, 1, 1)] * 4, "reduction_pct": [85, 85, None, 0]})
    out = fee_facts_frame(df, as_of=date(2024, 6, 1))
    # Granted in patent year 2 → 费减 years 2 … 11; as of year 10 the next fee is year 11 (600 of 4000).
    assert out["next_due_date"].to_list() == [date(2025, 1, 1), None, None, None]
    assert out["next_fee_fen"].to_list() == [60_000, None, None, None]
    assert out["cost_to_expiry_fen"].to_list() == [(600 + 4000 + 18_000 + 40_000) * 100, None, None, None]
    assert out["reduction_window_end"].to_list()[0] == date(2026, 1, 1)
    assert out.height == 4 and out["patent_type"].to_list() == df["patent_type"].to_list()


def test_missing_columns_are_a_clear_error():
    with pytest.raises(ValueError, match="needs column"):
        fee_facts_frame(pl.DataFrame({"patent_type": ["invention"]}))
