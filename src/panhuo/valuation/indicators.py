"""Indicators computed from data, vectorised over a polars frame of patents (pure: no I/O, no session).

The input frame has one row per patent with the columns of :data:`FRAME_SCHEMA` (the DB builder in
:mod:`panhuo.valuation.frame` and the benchmark's synthetic generator both produce it). Missing values stay
null: an indicator that cannot be computed is null, never zero, so that it lowers confidence instead
of the score. :func:`compute_indicators` adds one column per entry of :data:`INDICATORS`.
"""

from __future__ import annotations

from datetime import date

import polars as pl

TERM_YEARS = {"invention": 20, "utility_model": 10, "design": 15}
DAYS_PER_YEAR = 365.25

FRAME_SCHEMA: dict[str, pl.DataType] = {
    "patent_id": pl.Int64, "application_no": pl.Utf8, "patent_type": pl.Utf8, "legal_status": pl.Utf8,
    "filing_date": pl.Date, "grant_date": pl.Date, "expiry_date": pl.Date,
    "claims_count": pl.Int64, "independent_claims_count": pl.Int64, "first_claim_chars": pl.Int64,
    "ipc_main": pl.Utf8, "ipc_subclasses": pl.List(pl.Utf8),
    "family_size": pl.Int64, "overseas_family": pl.Boolean,
    "backward_citations": pl.Int64, "npl_citations": pl.Int64, "forward_citations": pl.Int64,
    "cited_subclasses": pl.List(pl.Utf8), "citing_subclasses": pl.List(pl.Utf8),
    # legal events (null counts when no event data at all was imported for the patent)
    "events_known": pl.Boolean, "invalidation_events": pl.Int64, "reexamination_events": pl.Int64,
    "transfer_events": pl.Int64, "licence_events": pl.Int64, "pledge_events": pl.Int64,
    "open_licence_active": pl.Boolean, "exclusive_licence_active": pl.Boolean, "pledge_active": pl.Boolean,
    # owners
    "open_licence_since": pl.Date,
    "owner_count": pl.Int64, "enterprise_coowner": pl.Boolean, "reduction_pct": pl.Int64,  # 费减 0 / 70 / 85
    "sei": pl.Boolean, "national_award": pl.Boolean, "department": pl.Utf8,
    # people: the latest self-assessment, aggregated enterprise feedback
    "self_value_grade": pl.Int64, "trl": pl.Int64, "implemented": pl.Boolean, "scenario_count": pl.Int64,
    "willing": pl.Boolean, "intent": pl.Utf8, "free_trial": pl.Boolean, "funded_project": pl.Boolean,
    "strategic_hold": pl.Boolean, "asking_price": pl.Float64,
    "enterprise_prospect": pl.Float64, "enterprise_cooperation": pl.Float64, "enterprise_feedback_count": pl.Int64,
}

# Computed indicator → (zh, en, data source). Tree leaves name these as their ``input``.
INDICATORS: dict[str, tuple[str, str, str]] = {
    "remaining_years": ("剩余有效年限", "years to expiry", "bibliographic"),
    "claims": ("权利要求数", "claims", "bibliographic"),
    "independent_claims": ("独立权利要求数", "independent claims", "bibliographic"),
    "first_claim_chars": ("首权字数", "first-claim characters", "bibliographic"),
    "ipc_scope": ("IPC 小类数", "distinct IPC subclasses", "bibliographic"),
    "family_size": ("同族规模", "family size", "bibliographic"),
    "overseas_family": ("海外同族", "overseas family member", "bibliographic"),
    "backward_citations": ("引证专利数", "backward citations", "bibliographic"),
    "npl_citations": ("非专利文献引用数", "non-patent references", "bibliographic"),
    "forward_citations": ("被引次数", "forward citations", "bibliographic"),
    "originality": ("原创性", "originality", "bibliographic"),
    "generality": ("通用性", "generality", "bibliographic"),
    "radicalness": ("突破性", "radicalness", "bibliographic"),
    "grant_lag_days": ("审查周期(天)", "grant lag (days)", "bibliographic"),
    "challenges": ("无效/复审次数", "invalidation and re-examination events", "legal_events"),
    "challenge_survived": ("经受无效/复审仍有效", "survived a challenge", "legal_events"),
    "use_events": ("转让/许可/质押次数", "transfer, licence and pledge events", "legal_events"),
    "years_maintained": ("维持年限", "years maintained since grant", "legal_events"),
    "owner_count": ("权利人数", "owners", "bibliographic"),
    "enterprise_coowner": ("企业共有", "co-owned with an enterprise", "bibliographic"),
    "hv_sei": ("战略性新兴产业", "strategic emerging industry", "bibliographic"),
    "hv_overseas": ("海外同族 (高价值)", "high-value: overseas family", "bibliographic"),
    "hv_maintained_10y": ("维持超十年 (高价值)", "high-value: maintained > 10 years", "legal_events"),
    "hv_pledge": ("质押融资 (高价值)", "high-value: pledge financing", "legal_events"),
    "hv_award": ("国家科学技术奖/中国专利奖", "high-value: national award", "expert"),
    "hv_flag_count": ("高价值标识数", "high-value flags met", "legal_events"),
    "high_value": ("高价值发明专利", "official high-value invention patent", "legal_events"),
    "self_value_grade": ("价值分级自评", "self-assessed grade 1–5", "self_assessment"),
    "trl": ("技术就绪水平", "TRL 1–9", "self_assessment"),
    "implemented": ("已实施", "implemented", "self_assessment"),
    "scenario_count": ("应用场景数", "application scenarios", "self_assessment"),
    "enterprise_prospect": ("企业评价产业化前景", "enterprise: industrial prospects 1–5", "enterprise_feedback"),
    "enterprise_cooperation": ("企业合作意愿", "enterprise: willingness to cooperate 1–5", "enterprise_feedback"),
    "enterprise_feedback_count": ("企业评价数", "enterprise evaluations", "enterprise_feedback"),
}


def empty_frame() -> pl.DataFrame:
    """A zero-row frame with the input schema."""
    return pl.DataFrame(schema=FRAME_SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Add missing input columns as nulls and cast to :data:`FRAME_SCHEMA` (extra columns such as ``expert.*`` stay)."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in FRAME_SCHEMA.items() if c not in frame.columns]
    if missing:
        frame = frame.with_columns(missing)
    return frame.with_columns([pl.col(c).cast(t) for c, t in FRAME_SCHEMA.items() if frame.schema[c] != t])


def compute_indicators(frame: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """Add every indicator of :data:`INDICATORS` plus ``cohort`` (IPC subclass × filing year)."""
    frame = conform(frame)
    years = lambda days: days.dt.total_days() / DAYS_PER_YEAR
    term = pl.col("patent_type").replace_strict(TERM_YEARS, default=None, return_dtype=pl.Int32)
    expiry = pl.coalesce(pl.col("expiry_date"), pl.col("filing_date").dt.offset_by(term.cast(pl.Utf8) + "y"))
    events = pl.col("events_known").fill_null(False)
    valid = pl.col("legal_status") == "valid"
    frame = frame.with_columns(
        remaining_years=years(expiry - pl.lit(as_of)).clip(lower_bound=0).round(2),
        claims=pl.col("claims_count"),
        independent_claims=pl.col("independent_claims_count"),
        ipc_scope=pl.when(pl.col("ipc_subclasses").list.len() > 0)
        .then(pl.col("ipc_subclasses").list.n_unique())
        .when(pl.col("ipc_main").is_not_null()).then(pl.lit(1, pl.UInt32)).otherwise(None).cast(pl.Int64),
        grant_lag_days=(pl.col("grant_date") - pl.col("filing_date")).dt.total_days(),
        years_maintained=pl.when(valid & pl.col("grant_date").is_not_null())
        .then(years(pl.lit(as_of) - pl.col("grant_date")).clip(lower_bound=0).floor()).otherwise(None),
        challenges=pl.when(events).then(pl.col("invalidation_events").fill_null(0)
                                        + pl.col("reexamination_events").fill_null(0)),
        use_events=pl.when(events).then(pl.col("transfer_events").fill_null(0) + pl.col("licence_events").fill_null(0)
                                        + pl.col("pledge_events").fill_null(0)),
        originality=_herfindahl_complement("cited_subclasses"),
        generality=_herfindahl_complement("citing_subclasses"),
        cohort=pl.concat_str([pl.col("ipc_main").str.slice(0, 4).fill_null("?"),
                              pl.col("filing_date").dt.year().cast(pl.Utf8).fill_null("?")], separator="|"),
    )
    frame = _with_radicalness(frame)
    return frame.with_columns(_high_value_flags()).with_columns(
        challenge_survived=pl.when(pl.col("challenges").is_not_null())
        .then((pl.col("challenges") > 0) & valid),
        hv_flag_count=pl.when(pl.any_horizontal([pl.col(c).is_not_null() for c in HV_FLAGS])).then(
            pl.sum_horizontal([pl.col(c).fill_null(False).cast(pl.Int8) for c in HV_FLAGS]).cast(pl.Int64)),
    ).with_columns(
        high_value=(pl.col("patent_type") == "invention") & valid & (pl.col("hv_flag_count").fill_null(0) > 0),
    )


HV_FLAGS = ("hv_sei", "hv_overseas", "hv_maintained_10y", "hv_pledge", "hv_award")


def _high_value_flags() -> list[pl.Expr]:
    """The five official 高价值发明专利 categories; unknown stays null (never false by default)."""
    return [
        pl.col("sei").alias("hv_sei"),
        pl.col("overseas_family").alias("hv_overseas"),
        (pl.col("years_maintained") > 10).alias("hv_maintained_10y"),
        pl.when(pl.col("events_known").fill_null(False)).then(pl.col("pledge_events").fill_null(0) > 0)
        .alias("hv_pledge"),
        pl.col("national_award").alias("hv_award"),
    ]


def _herfindahl_complement(column: str) -> pl.Expr:
    """1 − Σ s_j² over the IPC subclasses in a list column; null when the list is empty or null."""
    items = pl.col(column)
    n = items.list.len()
    counts = items.list.eval(pl.element().value_counts().struct.field("count"))
    hhi = counts.list.eval((pl.element().cast(pl.Float64) ** 2).sum()).list.first() / (n.cast(pl.Float64) ** 2)
    return pl.when(n > 0).then(1 - hhi).otherwise(None)


def _with_radicalness(frame: pl.DataFrame) -> pl.DataFrame:
    """Share of cited patents whose subclass is not among the patent's own subclasses (Shane 2001)."""
    has = (pl.col("cited_subclasses").list.len() > 0) & (pl.col("ipc_subclasses").list.len() > 0)
    rows = frame.select(pl.int_range(pl.len()).alias("_row"), "cited_subclasses", "ipc_subclasses", has.alias("_has"))
    rows = rows.filter(pl.col("_has")).explode("cited_subclasses")
    share = rows.group_by("_row").agg(
        radicalness=(~pl.col("cited_subclasses").is_in(pl.col("ipc_subclasses").first())).mean())
    out = frame.with_columns(pl.int_range(pl.len()).alias("_row"))
    out = out.join(share, on="_row", how="left", maintain_order="left")
    return out.drop("_row")


def overseas_from_countries(countries: list[str] | None, family_size: int | None) -> bool | None:
    """True when a family member is outside CN; None when nothing is known about the family."""
    if countries:
        return any(c and c.upper() != "CN" for c in countries)
    if family_size is not None and family_size <= 1:
        return False
    return None


def ipc_subclass(code: str | None) -> str | None:
    """``'G06F 16/35'`` → ``'G06F'``."""
    if not code:
        return None
    cleaned = code.replace(" ", "").upper()
    return cleaned[:4] if len(cleaned) >= 4 else None
