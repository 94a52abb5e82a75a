"""Coverage of the IPC → 国民经济行业 mapping on real patents (``cn-patent-titles-ipc``)."""

from __future__ import annotations

from collections import Counter

from panhuo.taxonomy import reference
from panhuo.taxonomy.catalog import Catalog
from panhuo.taxonomy.concordance import source_kind


def coverage(cat: Catalog) -> dict:
    """Shares of patents and of distinct IPC subclasses with ≥ 1 industry (any level, 小类 level), by source."""
    df = reference.titled_patents(cat.data_dir)
    subclasses = sorted({s for labels in df["ipc_subclasses"].to_list() for s in labels})
    per_sub = {s: cat.industries_for([s]) for s in subclasses}
    mapped_sub = [s for s, m in per_sub.items() if m]
    xiaolei_sub = [s for s, m in per_sub.items() if any(len(x.target) == 4 for x in m)]
    kinds = Counter(source_kind(m[0].source) for m in per_sub.values() if m)
    patents = df["ipc_subclasses"].to_list()
    covered = sum(1 for labels in patents if any(per_sub[s] for s in labels))
    xiaolei = sum(1 for labels in patents if any(len(x.target) == 4 for s in labels for x in per_sub[s]))
    sei = sum(1 for labels in patents if cat.sei_for(labels))
    n = len(patents)
    return {"patents": n, "patents_mapped": round(covered / n, 4), "patents_mapped_to_xiaolei": round(xiaolei / n, 4),
            "patents_with_sei": round(sei / n, 4), "subclasses": len(subclasses),
            "subclasses_mapped": round(len(mapped_sub) / len(subclasses), 4),
            "subclasses_mapped_to_xiaolei": round(len(xiaolei_sub) / len(subclasses), 4),
            "subclass_sources": dict(kinds), "unmapped_subclasses": [s for s in subclasses if not per_sub[s]][:50],
            "official_tables": cat.has_official}
