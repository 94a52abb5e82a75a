"""Fee facts for the decision table, from :mod:`panhuo.fees.vectorised` (pure).

Adds, in yuan: ``next_fee``, ``cost_to_expiry``; and ``next_due_date``, ``months_to_next_cliff``,
``cliff_ratio``, ``next_cliff_date``, ``reduction_window_end``, ``reduction_window_closing`` (the 10-year
费减 window closes within 12 months of ``as_of``), ``open_licence_saving``.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from panhuo.fees.vectorised import fee_facts_frame

FEE_INPUTS = ("patent_type", "filing_date", "grant_date", "reduction_pct", "open_licence_since")
FEE_OUTPUTS = ("next_due_date", "next_fee_fen", "next_reduction_pct", "cost_to_expiry_fen", "reduction_window_end",
               "next_cliff_year", "next_cliff_date", "months_to_next_cliff", "cliff_ratio",
               "open_licence_saving_fen", "patent_year")


def add_fee_facts(frame: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """``frame`` with the fee facts of each patent as of ``as_of`` (lapsed or pending patents get nulls/zeros)."""
    inputs = frame.select([c for c in FEE_INPUTS if c in frame.columns])
    facts = fee_facts_frame(inputs, as_of=as_of).select(FEE_OUTPUTS)
    out = pl.concat([frame.drop([c for c in FEE_OUTPUTS if c in frame.columns]), facts], how="horizontal")
    in_force = pl.col("legal_status").is_in(["valid", "unknown"])
    return out.with_columns(
        next_fee=pl.when(in_force).then(pl.col("next_fee_fen") / 100),
        cost_to_expiry=pl.when(in_force).then(pl.col("cost_to_expiry_fen") / 100),
        open_licence_saving=pl.col("open_licence_saving_fen") / 100,
        reduction_window_closing=(pl.col("reduction_window_end") >= pl.lit(as_of))
        & (pl.col("reduction_window_end") <= pl.lit(as_of).dt.offset_by("1y")),
    )
