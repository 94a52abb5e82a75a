"""Pure pricing assistant: fee terms proposed from comparable deals (same industry first) or, failing
those, from the grade table in ``data/pricing.yaml``; always checked against the open-licence caps."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from panhuo.licensing.policy import OpenLicencePolicy, pricing_table
from panhuo.licensing.pushlist import normalise_industry
from panhuo.licensing.rules import FeeTerms, check_fee_terms


@dataclass(frozen=True)
class Comparable:
    """A recorded deal in the workspace."""

    ref: str
    industries: tuple[str, ...]
    lump_sum: Decimal | None = None
    royalty_pct: Decimal | None = None


def _same_division(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    da = {normalise_industry(x)[1][:2] for x in a} - {""}
    return bool(da & ({normalise_industry(x)[1][:2] for x in b} - {""}))


def _quartiles(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(sorted(values), n=4, method="inclusive")
    return Decimal(q1), Decimal(q2), Decimal(q3)


def propose(*, grade: str | None, industries: tuple[str, ...], comparables: list[Comparable],
            table: dict | None = None, policy: OpenLicencePolicy | None = None) -> dict:
    """A proposal: lump sum and royalty with the range, what it is based on, and any cap problems."""
    tab = table or pricing_table()
    same = [c for c in comparables if industries and _same_division(industries, c.industries)]
    pool, basis = (same, "same-industry comparables") if len(same) >= tab["min_comparables"] else (
        comparables, "workspace comparables")
    reasons = []
    lumps = [c.lump_sum for c in pool if c.lump_sum is not None]
    rates = [c.royalty_pct for c in pool if c.royalty_pct is not None]
    if len(lumps) >= tab["min_comparables"]:
        lo, mid, hi = _quartiles(lumps)
        royalty = _quartiles(rates)[1] if rates else Decimal(str(tab["by_grade"].get(grade or "", tab["ungraded"])
                                                                 ["royalty_pct"]))
        reasons.append(f"{basis}: median of {len(lumps)} recorded deals ({', '.join(c.ref for c in pool[:5])})")
    else:
        row = tab["by_grade"].get((grade or "").upper(), tab["ungraded"])
        mid, royalty = Decimal(str(row["lump_sum"])), Decimal(str(row["royalty_pct"]))
        lo, hi = mid / 2, mid * 2
        basis = "grade table"
        reasons.append(f"fewer than {tab['min_comparables']} comparable deals: grade table "
                       f"{grade or 'ungraded'} ({tab['source']})")
    mid, lo, hi = (x.quantize(Decimal("1")) for x in (mid, lo, hi))
    lump = FeeTerms("lump_sum", lump_sum=mid)
    roy = FeeTerms("royalty", royalty_pct=royalty.quantize(Decimal("0.1")), royalty_basis="net_sales")
    problems = [p._asdict() for p in check_fee_terms(lump, policy) + check_fee_terms(roy, policy)]
    return {"basis": basis, "comparables": len(pool), "lump_sum": lump.to_dict(), "royalty": roy.to_dict(),
            "lump_sum_range": [str(lo), str(hi)], "problems": problems, "reasons": reasons}
