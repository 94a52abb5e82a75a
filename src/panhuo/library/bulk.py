"""Vectorised classification of many patents by their IPC symbols (polars), shared by `library build`
and the 1M-patent benchmark.

Input: a frame ``patent_id, codes (list[str]), title``.  Output: one row per (patent, scheme, code) with
``weight`` (sums to 1 per patent and scheme, except cluster fits which are 0…1 each), ``source`` and
``rank``.  Each distinct IPC symbol is looked up once in the catalog's concordances; everything else is
joins and group-bys.
"""

from __future__ import annotations

import polars as pl

from panhuo.taxonomy import clusters as cluster_rules
from panhuo.taxonomy import ipc as ipc_rules
from panhuo.taxonomy.catalog import SEI_CODE, Catalog

TOP = 5  # targets kept per patent and scheme
MIN_WEIGHT = 0.02
SCHEMA = {"patent_id": pl.Int64, "scheme": pl.Utf8, "code": pl.Utf8, "weight": pl.Float64, "source": pl.Utf8}


def _explode(patents: pl.DataFrame) -> pl.DataFrame:
    """patent_id, position, compact code (invalid symbols dropped, duplicates kept once)."""
    long = (patents.select("patent_id", "codes").explode("codes").drop_nulls("codes")
            .with_columns(pl.int_range(pl.len()).over("patent_id").alias("position")))
    raw = long["codes"].unique().to_list()
    normal = {r: (c.compact if (c := ipc_rules.try_parse(r)) and c.subclass else None) for r in raw}
    long = long.with_columns(pl.col("codes").replace_strict(normal, default=None, return_dtype=pl.Utf8).alias("code"))
    long = long.drop_nulls("code").unique(["patent_id", "code"], keep="first", maintain_order=True)
    first = long.group_by("patent_id").agg(pl.col("position").min().alias("first"))
    return long.join(first, on="patent_id").with_columns(
        pl.when(pl.col("position") == pl.col("first")).then(2.0).otherwise(1.0).alias("share")
    ).select("patent_id", "code", "share")


def _code_table(catalog: Catalog, codes: list[str]) -> pl.DataFrame:
    rows = []
    for code in codes:
        rows.append((code, "ipc", code[:4], 1.0, "official:patent-record"))
        for scheme, concordance in (("wipo", catalog.wipo), ("gbt4754", catalog.gbt), ("sei", catalog.sei_ipc)):
            rows += [(code, scheme, m.target.split(".")[0] if scheme == "sei" else m.target, m.weight, m.source)
                     for m in concordance.lookup(code)]
    return pl.DataFrame(rows, schema={"code": pl.Utf8, "scheme": pl.Utf8, "target": pl.Utf8,
                                      "weight": pl.Float64, "source": pl.Utf8}, orient="row")


def _aggregate(joined: pl.DataFrame) -> pl.DataFrame:
    agg = (joined.group_by("patent_id", "scheme", "target")
           .agg((pl.col("weight") * pl.col("share")).sum().alias("weight"), pl.col("source").first()))
    agg = agg.with_columns((pl.col("weight") / pl.col("weight").sum().over("patent_id", "scheme")).alias("weight"))
    return agg.rename({"target": "code"})


def _tag_tables(catalog: Catalog) -> tuple[pl.DataFrame, pl.DataFrame]:
    sei, dense = [], []
    for code, tag in catalog.tags.items():
        tops = {(p.split(" > ")[0], partial) for p, partial in tag.sei}
        for top, partial in tops:
            if top in SEI_CODE:
                sei.append((code, SEI_CODE[top], (0.5 if partial else 1.0) / len(tops)))
        for path in set(tag.ip_dense):
            dense.append((code, path.split(" > ")[0], 1.0))
    schema = {"code": pl.Utf8, "target": pl.Utf8, "factor": pl.Float64}
    return pl.DataFrame(sei, schema=schema, orient="row"), pl.DataFrame(dense, schema=schema, orient="row")


def _via_industries(industries: pl.DataFrame, table: pl.DataFrame, scheme: str, source: str,
                    normalise: bool) -> pl.DataFrame:
    joined = industries.join(table, on="code")
    out = (joined.group_by("patent_id", "target").agg((pl.col("weight") * pl.col("factor")).sum().alias("weight"))
           .rename({"target": "code"}).with_columns(pl.lit(scheme).alias("scheme"), pl.lit(source).alias("source")))
    return out.select(list(SCHEMA))


def _cluster_fits(patents: pl.DataFrame, long: pl.DataFrame, industries: pl.DataFrame,
                  clusters: list[cluster_rules.Cluster]) -> pl.DataFrame:
    if not clusters:
        return pl.DataFrame(schema=SCHEMA)
    ind_codes = industries["code"].unique().to_list()
    member = [(code, c.id, 1.0 if any(code.startswith(m) for m in c.industries) else 0.5)
              for c in clusters for code in ind_codes
              if any(code.startswith(m) or m.startswith(code) for m in c.industries)]
    member_df = pl.DataFrame(member, schema={"code": pl.Utf8, "cluster": pl.Utf8, "factor": pl.Float64}, orient="row")
    ind = (industries.join(member_df, on="code").group_by("patent_id", "cluster")
           .agg((pl.col("weight") * pl.col("factor")).sum().clip(upper_bound=1.0).alias("ind")))
    ipc_codes = long["code"].unique().to_list()
    hits = [(code, c.id) for c in clusters for p in c.ipc for code in ipc_codes
            if code.startswith(ipc_rules.normalise(p))]
    hit_df = pl.DataFrame(hits, schema={"code": pl.Utf8, "cluster": pl.Utf8}, orient="row").unique()
    ipc = long.join(hit_df, on="code").select("patent_id", "cluster").unique().with_columns(pl.lit(1.0).alias("ipc"))
    kw_frames = []
    for c in clusters:
        if c.keywords:
            hit = patents.filter(pl.col("title").fill_null("").str.contains_any(list(c.keywords)))
            kw_frames.append(hit.select("patent_id").with_columns(pl.lit(c.id).alias("cluster"), pl.lit(1.0).alias("kw")))
    kw = pl.concat(kw_frames) if kw_frames else pl.DataFrame(schema={"patent_id": pl.Int64, "cluster": pl.Utf8,
                                                                    "kw": pl.Float64})
    keys = pl.concat([ind.select("patent_id", "cluster"), ipc.select("patent_id", "cluster"),
                      kw.select("patent_id", "cluster")]).unique()
    scored = (keys.join(ind, on=["patent_id", "cluster"], how="left").join(ipc, on=["patent_id", "cluster"], how="left")
              .join(kw, on=["patent_id", "cluster"], how="left")
              .with_columns(pl.col("ind", "ipc", "kw").fill_null(0.0))
              .with_columns((cluster_rules.W_INDUSTRY * pl.col("ind") + cluster_rules.W_IPC * pl.col("ipc")
                             + cluster_rules.W_KEYWORD * pl.col("kw")).round(4).alias("weight")))
    return (scored.rename({"cluster": "code"}).with_columns(pl.lit("cluster").alias("scheme"),
                                                             pl.lit("derived:cluster-fit").alias("source"))
            .select(list(SCHEMA)))


def classify_frame(patents: pl.DataFrame, catalog: Catalog,
                   clusters: list[cluster_rules.Cluster] | None = None) -> pl.DataFrame:
    """Every scheme for every patent of the frame (``patent_id``, ``codes``, optional ``title``)."""
    if "title" not in patents.columns:
        patents = patents.with_columns(pl.lit("").alias("title"))
    long = _explode(patents)
    table = _code_table(catalog, long["code"].unique().to_list())
    direct = _aggregate(long.join(table, on="code")).select(list(SCHEMA))
    industries = direct.filter(pl.col("scheme") == "gbt4754").select("patent_id", "code", "weight")
    sei_table, dense_table = _tag_tables(catalog)
    has_direct_sei = set(direct.filter(pl.col("scheme") == "sei")["patent_id"].unique().to_list())
    sei = _via_industries(industries, sei_table, "sei", "derived:gbt4754-sei-2018", True)
    sei = sei.filter(~pl.col("patent_id").is_in(list(has_direct_sei)))
    sei = sei.with_columns(pl.col("weight").round(6))
    dense = _via_industries(industries, dense_table, "ipdense", "derived:gbt4754-ipdense-2019", False)
    fits = _cluster_fits(patents, long, industries, clusters or [])
    parts = [direct, sei, dense.with_columns(pl.col("weight").clip(upper_bound=1.0)), fits]
    result = pl.concat([part.select(list(SCHEMA)).cast(SCHEMA) for part in parts])
    result = result.filter(pl.col("weight") >= MIN_WEIGHT)
    result = result.with_columns(pl.col("weight").rank("ordinal", descending=True).over("patent_id", "scheme")
                                 .cast(pl.Int32).alias("rank"))
    return result.filter(pl.col("rank") <= TOP).sort("patent_id", "scheme", "rank")
