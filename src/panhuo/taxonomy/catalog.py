"""The loaded taxonomy: every concordance (official, derived, text) and the names, for one data directory.

:func:`get_catalog` builds it once per (data directory, workspace) and process; a missing reference set
leaves its part empty and is listed in ``Catalog.missing`` so that callers can say so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from panhuo.config import DataSetMissing
from panhuo.taxonomy import datasets, editions, interim, reference
from panhuo.taxonomy.concordance import Concordance, ConcordanceRow, Mapping

SEI_TOP = {"1": "新一代信息技术产业", "2": "高端装备制造产业", "3": "新材料产业", "4": "生物产业", "5": "新能源汽车产业",
           "6": "新能源产业", "7": "节能环保产业", "8": "数字创意产业", "9": "相关服务业"}
SEI_CODE = {name: code for code, name in SEI_TOP.items()}
OTHER_TAGS = {"highTech_mfg": "高技术产业（制造业）(2017)", "highTech_svc": "高技术产业（服务业）(2018)",
              "digital": "数字经济及其核心产业 (2021)", "culture": "文化及相关产业 (2018)", "pension": "养老产业 (2020)"}


def _yaml(name: str) -> dict:
    return yaml.safe_load(resources.files("panhuo.taxonomy").joinpath(f"data/{name}").read_text(encoding="utf-8"))


@dataclass
class Catalog:
    data_dir: Path
    workspace: Path | None
    missing: list[str] = field(default_factory=list)
    gbt: Concordance = field(default_factory=Concordance)
    sei_ipc: Concordance = field(default_factory=Concordance)
    wipo: Concordance = field(default_factory=Concordance)
    industries: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    wipo_names: dict[str, str] = field(default_factory=dict)
    official_names: dict[str, str] = field(default_factory=dict)
    has_official: dict[str, bool] = field(default_factory=dict)
    ipc_prior: dict[str, int] = field(default_factory=dict)  # subclass → patents with it (real titles set)

    # --- lookups ------------------------------------------------------------------------------------------
    def wipo_fields(self, codes: list[str]) -> list[Mapping]:
        """WIPO 35 fields (target = field number as a string) of a list of IPC symbols."""
        return self.wipo.lookup_many(codes)

    def industries_for(self, codes: list[str]) -> list[Mapping]:
        """GB/T 4754 industries (大类 or 小类) of a list of IPC symbols, official table first."""
        return self.gbt.lookup_many(codes)

    def sei_for(self, codes: list[str], industries: list[Mapping] | None = None) -> list[Mapping]:
        """战略性新兴产业 top categories ("1"…"9"): the CNIPA 2021 table if loaded, else via industry tags."""
        direct = self.sei_ipc.lookup_many(codes)
        if direct:
            merged: dict[str, float] = {}
            for m in direct:
                top = m.target.split(".")[0]
                merged[top] = merged.get(top, 0.0) + m.weight
            return [Mapping(t, w, direct[0].source, "") for t, w in sorted(merged.items(), key=lambda kv: -kv[1])]
        industries = self.industries_for(codes) if industries is None else industries
        scores: dict[str, float] = {}
        for m in industries:
            tag = self.tags.get(m.target)
            if not tag or not tag.sei:
                continue
            paths = {(p.split(" > ")[0], partial) for p, partial in tag.sei}
            for top, partial in paths:
                code = SEI_CODE.get(top)
                if code:
                    scores[code] = scores.get(code, 0.0) + m.weight * (0.5 if partial else 1.0) / len(paths)
        return [Mapping(c, round(w, 6), "derived:gbt4754-sei-2018", "") for c, w in
                sorted(scores.items(), key=lambda kv: -kv[1])]

    def ip_dense_for(self, industries: list[Mapping]) -> list[Mapping]:
        """专利密集型产业 categories reached through the industries (weights summed)."""
        scores: dict[str, float] = {}
        for m in industries:
            tag = self.tags.get(m.target)
            for path in (tag.ip_dense if tag else []):
                top = path.split(" > ")[0]
                scores[top] = scores.get(top, 0.0) + m.weight
        return [Mapping(c, round(w, 6), "derived:gbt4754-ipdense-2019", "") for c, w in
                sorted(scores.items(), key=lambda kv: -kv[1])]

    def other_tags_for(self, industries: list[Mapping]) -> list[Mapping]:
        """The other statistical classifications (高技术产业, 数字经济, 文化, 养老) the industries fall in, with the
        share of the industry weight inside each (target = tag key, see ``OTHER_TAGS``)."""
        scores: dict[str, float] = {}
        for m in industries:
            tag = self.tags.get(m.target)
            for key in (tag.other if tag else []):
                scores[key] = scores.get(key, 0.0) + m.weight
        return [Mapping(k, round(w, 6), "derived:gbt4754-industry-tags", "") for k, w in
                sorted(scores.items(), key=lambda kv: -kv[1])]

    def ipc_for_industry(self, code: str) -> list[Mapping]:
        """The reverse direction: IPC patterns whose industries fall inside ``code`` (any GB/T 4754 level),
        best first.  A row on the code (or below it) counts its weight; a coarser row (大类 38 for 3841)
        counts its weight spread over its 小类; a sibling 小类 in the same 中类 counts 0.3 of its weight.

        With ``ipc_prior`` (subclass frequencies of real patents) the score is turned round by Bayes' rule —
        P(IPC | industry) ∝ P(industry | IPC) × P(IPC), with add-one counts — and the weights sum to 1, so a
        common subclass mostly in the industry (H01M for 38) outranks a rare one wholly in it."""
        scores: dict[str, list] = {}
        for _, row in self.gbt.patterns():
            target = row.target_code
            if target.startswith(code):
                share = row.weight
            elif code.startswith(target):
                share = row.weight / max(1, self._leaves(target))
            elif len(code) == len(target) == 4 and code[:3] == target[:3]:
                share = 0.3 * row.weight
            else:
                continue
            entry = scores.setdefault(row.ipc_pattern, [0.0, row.source])
            entry[0] += share
        if self.ipc_prior:
            for pattern, entry in scores.items():
                entry[0] *= self.ipc_prior.get(pattern[:4], 0) + 1
            total = sum(entry[0] for entry in scores.values()) or 1.0
            for entry in scores.values():
                entry[0] /= total
        return [Mapping(p, round(w, 6), src, p) for p, (w, src) in sorted(scores.items(), key=lambda kv: -kv[1][0])]

    def _leaves(self, code: str) -> int:
        return sum(1 for c, node in self.industries.items() if node.level == 4 and c.startswith(code)) or 1

    def industry_name(self, code: str) -> str | None:
        node = self.industries.get(code)
        return node.name if node else self.official_names.get(f"gbt4754:{code}")

    def wipo_name(self, field_no: str) -> str | None:
        return self.wipo_names.get(str(field_no))


def _load_wipo(cat: Catalog, extra: list[ConcordanceRow] = ()) -> None:
    rows: list[ConcordanceRow] = list(extra)  # a user's own WIPO rows (data add), by their source's rank
    try:
        for p in reference.wipo_patterns(cat.data_dir):
            rows.append(ConcordanceRow(p.prefix, str(p.field), 1.0, p.source, "2019", "wipo"))
            cat.wipo_names[str(p.field)] = p.field_en
    except DataSetMissing:
        cat.missing.append(reference.WIPO)
    extras = _yaml("wipo_extras.yaml")
    rows += [ConcordanceRow(r["pattern"], str(r["field"]), 1.0, extras["source"], extras["edition"], "wipo")
             for r in extras["rows"]]
    cat.wipo = Concordance(rows)


def _subclass_texts(data_dir: Path) -> dict[str, str]:
    """Subclass → its title (three times) and its main-group titles, in Chinese; subclasses that left the
    scheme (H01L) borrow the text of the subclasses that took them over, others known only in English keep
    their English titles."""
    titles = reference.ipc_titles_zh(data_dir)
    texts: dict[str, list[str]] = {}
    for code, title in titles.items():
        if len(code) == 4:
            texts.setdefault(code, []).extend([title] * 3)
        elif len(code) > 4 and code.endswith("/00"):
            texts.setdefault(code[:4], []).append(title)
    try:
        english = reference.ipc_titles_en(data_dir)
    except DataSetMissing:
        english = {}
    for code in {c[:4] for c in english if len(c) >= 4} - set(texts):
        move = editions.moved(code)
        if move:
            texts[code] = [t for target in move.to for t in texts.get(target, [])]
        if not texts.get(code):
            texts[code] = [english[code]] * 3 + [t for c, t in english.items() if c.startswith(code) and c.endswith("/00")]
    return {sub: " ".join(parts) for sub, parts in texts.items() if parts}


@lru_cache(maxsize=4)
def interim_rows(data_dir: Path) -> tuple[ConcordanceRow, ...]:
    """The interim IPC subclass → GB/T 4754 rows (raises DataSetMissing when an input set is absent)."""
    industries = reference.gbt4754(data_dir)
    try:
        tags = reference.industry_tags(data_dir)
        products = {c: t.sei_products for c, t in tags.items()}
    except DataSetMissing:
        products = {}
    bridge = {str(k): {str(d): float(w) for d, w in v.items()} for k, v in _yaml("nace_gbt4754_bridge.yaml")["bridge"].items()}
    rows = interim.build_rows(_subclass_texts(data_dir), industries, products,
                              reference.fraunhofer_nace_by_ipc_class(data_dir), bridge)
    return tuple(rows)


def build(data_dir: Path, workspace: Path | None) -> Catalog:
    """Load every part that is present; record the missing sets."""
    cat = Catalog(data_dir=data_dir, workspace=workspace)
    official, names = datasets.load_official(workspace) if workspace else ([], {})
    _load_wipo(cat, [r for r in official if r.scheme == "wipo"])
    for name, attr, loader in ((reference.GBT4754, "industries", reference.gbt4754),
                               (reference.GBT_TAGS, "tags", reference.industry_tags)):
        try:
            setattr(cat, attr, loader(data_dir))
        except DataSetMissing:
            cat.missing.append(name)
    cat.official_names = names
    gbt_rows = [r for r in official if r.scheme == "gbt4754"]
    cat.has_official = {"gbt4754": bool(gbt_rows), "sei": any(r.scheme == "sei" for r in official)}
    try:
        gbt_rows += list(interim_rows(data_dir))
    except DataSetMissing as exc:
        cat.missing.append(exc.name)
    cat.gbt = Concordance(gbt_rows)
    cat.ipc_prior = _subclass_counts(data_dir)
    cat.sei_ipc = Concordance([r for r in official if r.scheme == "sei"])
    used = set(datasets.KNOWN_SETS) - {reference.TITLES}  # every set the catalog reads, reported even when an
    cat.missing = sorted(set(cat.missing) | (set(datasets.missing_sets(data_dir)) & used))  # earlier one failed
    return cat


def _subclass_counts(data_dir: Path) -> dict[str, int]:
    """How many real patents (``cn-patent-titles-ipc``) carry each subclass; empty without the set."""
    try:
        df = reference.titled_patents(data_dir)
    except DataSetMissing:
        return {}
    counts: dict[str, int] = {}
    for labels in df["ipc_subclasses"].to_list():
        for sub in set(labels or []):
            counts[sub] = counts.get(sub, 0) + 1
    return counts


@lru_cache(maxsize=8)
def _cached(data_dir: Path, workspace: Path | None, stamp: float) -> Catalog:
    return build(data_dir, workspace)


def get_catalog(data_dir: Path | str | None = None, workspace: Path | str | None = None) -> Catalog:
    """The catalog for a data directory and workspace (rebuilt when official tables or the workspace's
    registered reference sets change); the workspace's sets replace the data directory's."""
    ws = Path(workspace).resolve() if workspace else None
    data = datasets.effective_data_dir(reference.resolve(data_dir), ws)
    stamps = [p.stat().st_mtime for folder in ((datasets.official_dir(ws), datasets.sets_dir(ws)) if ws else ())
              if folder.exists() for p in folder.glob("**/*") if p.suffix in (".csv", ".tsv", ".json")]
    return _cached(data, ws, max(stamps, default=0.0))
