"""Vectorised fee facts (next due, fee, cost to expiry, 费减 window, cliffs, open-licence effect) for 1 M patents.

Inputs are synthetic fee cases (type, filing/grant dates, 费减 rate, open-licence start) drawn at run time from the
distributions of a university portfolio; they carry no text and are never stored. The baseline is the scalar
engine (:func:`panhuo.fees.engine.fee_facts`) on a sample, extrapolated per row; agreement between the two is
checked on that sample.
"""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import polars as pl

from benchmarks.harness import timed
from panhuo.fees import engine
from panhuo.fees.schedule import schedule_for
from panhuo.fees.vectorised import fee_facts_frame

AS_OF = date(2025, 1, 1)
SIZES = {"small": 100_000, "full": 1_000_000}


def synthetic_cases(n: int, seed: int = 7) -> pl.DataFrame:
    """Fee cases: 60 % inventions, 35 % utility models, 5 % designs; grant 0.5–4 years after filing."""
    rng = np.random.default_rng(seed)
    types = rng.choice(np.array(["invention", "utility_model", "design"]), n, p=[0.6, 0.35, 0.05])
    start = (date(2005, 1, 1) - date(1970, 1, 1)).days
    filing = rng.integers(start, start + 365 * 20, n)
    lag = np.where(types == "invention", rng.integers(300, 1500, n), rng.integers(120, 400, n))
    grant = filing + lag
    reduction = rng.choice(np.array([85, 70, 0]), n, p=[0.75, 0.1, 0.15])
    ol = np.where(rng.random(n) < 0.05, grant + rng.integers(365, 3000, n), -1)
    frame = pl.DataFrame({"patent_type": types, "filing_date": filing.astype("datetime64[D]"),
                          "grant_date": grant.astype("datetime64[D]"), "reduction_pct": reduction,
                          "open_licence_since": ol.astype("datetime64[D]")})
    frame = frame.with_columns(pl.when(pl.col("open_licence_since") >= pl.col("grant_date"))
                               .then(pl.col("open_licence_since")).alias("open_licence_since"),
                               pl.lit(True).alias("synthetic"))
    return frame.with_columns(pl.col("filing_date").cast(pl.Date), pl.col("grant_date").cast(pl.Date),
                              pl.col("open_licence_since").cast(pl.Date))


def _scalar(frame: pl.DataFrame, schedule) -> list[tuple]:
    out = []
    for row in frame.iter_rows(named=True):
        case = engine.FeeCase(row["patent_type"], row["filing_date"], row["grant_date"], row["reduction_pct"],
                              row["open_licence_since"])
        f = engine.fee_facts(case, AS_OF, schedule)
        out.append((f.next_due.fee_fen if f.next_due else 0, f.cost_to_expiry_fen))
    return out


def run(scale: str) -> dict:
    n = SIZES[scale]
    schedule = schedule_for(AS_OF)
    frame = synthetic_cases(n)
    median, times, result = timed(lambda: fee_facts_frame(frame, as_of=AS_OF, schedule=schedule), runs=5, warmup=1)
    sample = frame.head(5_000)
    start = time.perf_counter()
    scalar = _scalar(sample, schedule)
    scalar_per_row = (time.perf_counter() - start) / sample.height
    vector = list(zip(result["next_fee_fen"].head(sample.height).to_list(),
                      result["cost_to_expiry_fen"].head(sample.height).to_list()))
    agree = sum(a == b for a, b in zip(scalar, vector)) / sample.height
    total_cost = result["cost_to_expiry_fen"].sum() / 100
    return {
        "title": "Fee engine: vectorised fee facts",
        "goal": "fee facts for 1,000,000 patents in a few seconds (part of the ≤ 30 s evaluate budget)",
        "rows": [
            {"metric": f"fee_facts_frame, {n:,} patents (median of 5)", "value": round(median, 3), "unit": "s",
             "goal": "a few s", "baseline": round(scalar_per_row * n, 1),
             "ratio": round(scalar_per_row * n / median, 1),
             "note": "baseline: scalar engine per row × n (measured on 5,000 rows)"},
            {"metric": "throughput", "value": round(n / median), "unit": "patents/s"},
            {"metric": "fastest / slowest run", "value": f"{min(times):.2f} / {max(times):.2f}", "unit": "s"},
            {"metric": "agreement with scalar engine (next fee, cost to expiry)", "value": agree, "unit": "share",
             "goal": 1.0, "note": "5,000-row sample"},
            {"metric": "portfolio cost to expiry (synthetic)", "value": round(total_cost), "unit": "CNY"},
        ],
        "notes": [
            "Synthetic fee cases generated at run time (marked synthetic=True), as of 2025-01-01.",
            "Run on a shared, loaded machine (2 cores shared with other engineers' work): times are upper bounds.",
        ],
    }
