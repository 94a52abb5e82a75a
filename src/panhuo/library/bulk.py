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
MIN_FIT = 0.1  # cluster fits below this are not stored (a patent is listed under a cluster from 0.2)
SCHEMES = pl.Enum(["ipc", "wipo", "gbt4754", "sei_official", "sei", "ipdense", "cluster_ind", "cluster_ipc", "cluster"])
SCHEMA = {"patent_id": pl.Int64, "scheme": SCHEMES, "code": pl.Utf8, "weight": pl.Float64, "source": pl.Utf8}


def _explode(patents: pl.DataFrame) -> pl.DataFrame:
    """patent_id, compact code, share (2 for the patent's first valid symbol, else 1); invalid symbols dropped,
    a symbol listed twice counted once."""
    long = patents.select("patent_id", "codes").explode("codes").drop_nulls("codes")
    raw = long["codes"].unique().to_list()
    normal = {r: (c.compact if (c := ipc_rules.try_parse(r)) and c.subclass else None) for r in raw}
    long = (long.with_columns(pl.col("codes").replace_strict(normal, default=None, return_dtype=pl.Utf8).alias("code"))
            .drop_nulls("code").with_row_index("row"))
    first = long.group_by("patent_id").agg(pl.col("row").min())
    long = long.join(first.with_columns(pl.lit(2.0).alias("first_share")), on=["patent_id", "row"], how="left")
    long = long.with_columns(pl.col("first_share").fill_null(1.0).alias("share"))
    return long.group_by("patent_id", "code").agg(pl.col("share").max())


def _code_table(catalog: Catalog, codes: list[str]) -> pl.DataFrame:
    rows = []
    for code in codes:
        rows.append((code, "ipc", code[:4], 1.0, "official:patent-record"))
        for scheme, concordance in (("wipo", catalog.wipo), ("gbt4754", catalog.gbt),
                                    ("sei_official", catalog.sei_ipc)):
            rows += [(code, scheme, m.target.split(".")[0] if scheme == "sei_official" else m.target, m.weight,
                      m.source)
                     for m in concordance.lookup(code)]
    return pl.DataFrame(rows, schema={"code": pl.Utf8, "scheme": pl.Utf8, "target": pl.Utf8,
                                      "weight": pl.Float64, "source": pl.Utf8}, orient="row")


def _derived_table(catalog: Catalog, table: pl.DataFrame, clusters: list[cluster_rules.Cluster]) -> pl.DataFrame:
    """Per IPC symbol, what its industries imply: SEI (2018 tags), 专利密集型 (2019 tags) and the industry
    part of each cluster fit.  All three are linear in the industry weights, so they are computed once per
    symbol here and summed per patent later (one join for any number of patents)."""
    industries = table.filter(pl.col("scheme") == "gbt4754").select("code", "target", "weight")
    sei_table, dense_table = _tag_tables(catalog)
    parts = []
    for scheme, tags, source in (("sei", sei_table, "derived:gbt4754-sei-2018"),
                                 ("ipdense", dense_table, "derived:gbt4754-ipdense-2019")):
        joined = industries.join(tags.rename({"code": "target", "target": "tag"}), on="target")
        parts.append(joined.group_by("code", "tag").agg((pl.col("weight") * pl.col("factor")).sum().alias("weight"))
                     .rename({"tag": "target"}).with_columns(pl.lit(scheme).alias("scheme"), pl.lit(source).alias("source")))
    if clusters:
        targets = industries["target"].unique().to_list()
        member = [(t, c.id, 1.0 if any(t.startswith(m) for m in c.industries) else 0.5)
                  for c in clusters for t in targets if any(t.startswith(m) or m.startswith(t) for m in c.industries)]
        member_df = pl.DataFrame(member, schema={"target": pl.Utf8, "cluster": pl.Utf8, "factor": pl.Float64},
                                 orient="row")
        joined = industries.join(member_df, on="target")
        parts.append(joined.group_by("code", "cluster").agg((pl.col("weight") * pl.col("factor")).sum().alias("weight"))
                     .rename({"cluster": "target"}).with_columns(pl.lit("cluster_ind").alias("scheme"),
                                                                  pl.lit("derived:cluster-fit").alias("source")))
        codes = table["code"].unique().to_list()
        prefixes = [(c.id, tuple(ipc_rules.normalise(p) for p in c.ipc)) for c in clusters if c.ipc]
        hits = sorted({(code, cid) for cid, starts in prefixes for code in codes if code.startswith(starts)})
        parts.append(pl.DataFrame(hits, schema={"code": pl.Utf8, "target": pl.Utf8}, orient="row")
                     .with_columns(pl.lit(1.0).alias("weight"), pl.lit("cluster_ipc").alias("scheme"),
                                   pl.lit("derived:cluster-fit").alias("source")))
    cols = ["code", "scheme", "target", "weight", "source"]
    return pl.concat([part.select(cols) for part in parts]) if parts else pl.DataFrame(schema=table.schema)


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


def _keyword_hits(patents: pl.DataFrame, clusters: list[cluster_rules.Cluster]) -> pl.DataFrame:
    frames = []
    titles = patents.select("patent_id", pl.col("title").fill_null(""))
    for c in clusters:
        if c.keywords:
            hit = titles.filter(pl.col("title").str.contains_any(list(c.keywords)))
            frames.append(hit.select("patent_id").with_columns(pl.lit(c.id).alias("code")))
    return pl.concat(frames) if frames else pl.DataFrame(schema={"patent_id": pl.Int64, "code": pl.Utf8})


def classify_frame(patents: pl.DataFrame, catalog: Catalog,
                   clusters: list[cluster_rules.Cluster] | None = None) -> pl.DataFrame:
    """Every scheme for every patent of the frame (``patent_id``, ``codes``, optional ``title``)."""
    clusters = clusters or []
    if "title" not in patents.columns:
        patents = patents.with_columns(pl.lit("").alias("title"))
    long = _explode(patents)
    table = _code_table(catalog, long["code"].unique().to_list())
    table = pl.concat([table, _derived_table(catalog, table, clusters)])
    # Integer keys for the big join and group-by; names are joined back on the (much smaller) result.
    keys = table.select(pl.col("scheme").cast(SCHEMES), "target").unique().with_row_index("key")
    sources = table.select("source").unique().with_row_index("src")
    table = table.with_columns(pl.col("scheme").cast(SCHEMES)).join(keys, on=["scheme", "target"]).join(sources,
                                                                                                      on="source")
    summed = (long.join(table.select("code", "key", "weight", "src"), on="code")
              .group_by("patent_id", "key")
              .agg((pl.col("weight") * pl.col("share")).sum().alias("raw"), pl.col("src").first()))
    summed = summed.join(keys, on="key").join(sources, on="src").drop("key", "src")
    mapped_codes = table.filter(pl.col("scheme") == "gbt4754")["code"].unique()
    mapped = (long.filter(pl.col("code").is_in(mapped_codes.implode())).group_by("patent_id")
              .agg(pl.col("share").sum().alias("mapped_share")))
    summed = summed.join(mapped, on="patent_id", how="left")
    summed = summed.with_columns(
        pl.when(pl.col("scheme").is_in(["ipc", "wipo", "gbt4754"]))
        .then(pl.col("raw") / pl.col("raw").sum().over("patent_id", "scheme"))
        .when(pl.col("scheme") == "cluster_ipc").then(pl.lit(1.0))
        .otherwise(pl.col("raw") / pl.col("mapped_share")).alias("weight"))
    result = _finish(summed, _keyword_hits(patents, clusters))
    result = result.filter((pl.col("weight") >= MIN_WEIGHT)
                           & ((pl.col("scheme") != "cluster") | (pl.col("weight") >= MIN_FIT)))
    return _ranked(result).filter(pl.col("rank") <= TOP)


def _ranked(frame: pl.DataFrame) -> pl.DataFrame:
    """Rank 1, 2, … within each (patent, scheme) by weight: one sort and a segmented count (no hashing)."""
    frame = frame.sort(["patent_id", "scheme", "weight"], descending=[False, False, True])
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    start = (pl.col("patent_id") != pl.col("patent_id").shift(1)) | (pl.col("scheme") != pl.col("scheme").shift(1))
    return frame.with_columns(
        (idx - pl.when(start.fill_null(True)).then(idx).otherwise(None).forward_fill() + 1).cast(pl.Int32)
        .alias("rank"))


def _finish(summed: pl.DataFrame, keywords: pl.DataFrame) -> pl.DataFrame:
    """SEI precedence (official rows replace derived ones per patent) and the cluster-fit formula."""
    plain = summed.filter(~pl.col("scheme").is_in(["cluster_ind", "cluster_ipc", "sei"]))
    official_sei = plain.filter(pl.col("scheme") == "sei_official")
    derived_sei = summed.filter(pl.col("scheme") == "sei").join(official_sei.select("patent_id").unique(),
                                                                 on="patent_id", how="anti")
    official_sei = official_sei.with_columns(
        (pl.col("raw") / pl.col("raw").sum().over("patent_id")).alias("weight"), pl.lit("sei").alias("scheme"))
    plain = plain.filter(pl.col("scheme") != "sei_official")
    fit_parts = summed.filter(pl.col("scheme").is_in(["cluster_ind", "cluster_ipc"]))
    keys = pl.concat([fit_parts.select("patent_id", "target"), keywords.rename({"code": "target"})]).unique()
    ind = fit_parts.filter(pl.col("scheme") == "cluster_ind").select("patent_id", "target",
                                                                     pl.col("weight").clip(upper_bound=1.0).alias("ind"))
    ipc = fit_parts.filter(pl.col("scheme") == "cluster_ipc").select("patent_id", "target", pl.lit(1.0).alias("ipc"))
    kw = keywords.rename({"code": "target"}).unique().with_columns(pl.lit(1.0).alias("kw"))
    fits = (keys.join(ind, on=["patent_id", "target"], how="left").join(ipc, on=["patent_id", "target"], how="left")
            .join(kw, on=["patent_id", "target"], how="left").with_columns(pl.col("ind", "ipc", "kw").fill_null(0.0))
            .with_columns((cluster_rules.W_INDUSTRY * pl.col("ind") + cluster_rules.W_IPC * pl.col("ipc")
                           + cluster_rules.W_KEYWORD * pl.col("kw")).round(4).alias("weight"),
                          pl.lit("cluster").alias("scheme"), pl.lit("derived:cluster-fit").alias("source")))
    parts = [plain, official_sei, derived_sei, fits]
    return pl.concat([p.rename({"target": "code"}).select(list(SCHEMA)).cast(SCHEMA) for p in parts])
