"""Loaders for the reference sets (IPC titles, GB/T 4754, industry tags, WIPO fields, Fraunhofer NACE×IPC).

Each loader reads its set once per data directory (``functools.lru_cache``) into compact dictionaries and
raises :class:`panhuo.config.DataSetMissing` when the set is absent; callers degrade (codes without titles,
unmapped industries) and say so.  Nothing here touches the database.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from panhuo.config import DataSetMissing, default_data_dir
from panhuo.taxonomy import ipc as ipc_rules

IPC_ZH = "ipc-zh-2026"
IPC_EN = "ipc-en-wipo"
GBT4754 = "gbt4754-2017"
GBT_TAGS = "gbt4754-industry-tags"
WIPO = "wipo-ipc-tech-concordance"
FRAUNHOFER = "fraunhofer-nace-ipc-concordance"
TITLES = "cn-patent-titles-ipc"


def clear_caches() -> None:
    """Forget every set loaded in this process (after `data add` registered a new edition)."""
    for loader in (ipc_titles_zh, ipc_titles_en, _children_index, gbt4754, industry_tags, wipo_patterns,
                   fraunhofer_nace_by_ipc_class, nace_labels):
        loader.cache_clear()


def resolve(data_dir: Path | str | None) -> Path:
    return Path(data_dir).resolve() if data_dir else default_data_dir()


def _file(data_dir: Path, name: str, filename: str) -> Path:
    path = data_dir / name / filename
    if not path.exists():
        raise DataSetMissing(name, data_dir)
    return path


# --- IPC titles ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def ipc_titles_zh(data_dir: Path) -> dict[str, str]:
    """Compact IPC code → Chinese title (IPC 2026.01)."""
    df = pl.read_csv(_file(data_dir, IPC_ZH, "ipc_zh_2026.csv"), infer_schema=False)
    return dict(zip(df["code"].to_list(), df["title_zh"].fill_null("").to_list()))


@lru_cache(maxsize=4)
def ipc_titles_en(data_dir: Path) -> dict[str, str]:
    """Compact IPC code → English title (WIPO, ~2020.01); WIPO-14 symbols are converted."""
    path = _file(data_dir, IPC_EN, "all_ipc_en.tsv")
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            code, _, title = line.rstrip("\n").partition("\t")
            parsed = ipc_rules.try_parse(code)
            if parsed is not None:
                out[parsed.compact] = title
    return out


def ipc_title(code: str, lang: str = "zh", data_dir: Path | None = None) -> str | None:
    """Title of an IPC symbol at any level, or ``None`` (unknown code or set absent)."""
    parsed = ipc_rules.try_parse(code)
    if parsed is None:
        return None
    try:
        titles = ipc_titles_zh(resolve(data_dir)) if lang == "zh" else ipc_titles_en(resolve(data_dir))
    except DataSetMissing:
        return None
    return titles.get(parsed.compact)


def _parent_of(code: str) -> str | None:
    """Parent of a compact IPC code by its shape (subgroups hang from their main group: no dot-depth here)."""
    if len(code) == 1:
        return None
    if len(code) in (3, 4):
        return code[:len(code) - 2] if len(code) == 3 else code[:3]
    main, _, sub = code.partition("/")
    return code[:4] if sub == "00" else f"{main}/00"


def _order(code: str) -> tuple:
    main, _, sub = code.partition("/")
    return (main[:4], int(main[4:]) if main[4:].isdigit() else 0, sub)


@lru_cache(maxsize=4)
def _children_index(data_dir: Path) -> dict[str, list[str]]:
    codes: set[str] = set()
    for loader in (ipc_titles_zh, ipc_titles_en):
        try:
            codes |= set(loader(data_dir))
        except DataSetMissing:
            pass
    index: dict[str, list[str]] = {}
    for code in codes:
        parent = _parent_of(code)
        if parent is not None:
            index.setdefault(parent, []).append(code)
    return {parent: sorted(kids, key=_order) for parent, kids in index.items()}


def ipc_children(code: str, data_dir: Path | None = None) -> list[str]:
    """The direct children of an IPC symbol in either edition's scheme, in scheme order (empty for a subgroup,
    an unknown code or when both IPC sets are absent): H → H01…, H01M → H01M2/00…, H01M10/00 → subgroups."""
    parsed = ipc_rules.try_parse(code)
    if parsed is None:
        return []
    return list(_children_index(resolve(data_dir)).get(parsed.compact, []))


# --- GB/T 4754-2017 -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Industry:
    """One GB/T 4754-2017 node: 门类 (letter), 大类 (2 digits), 中类 (3), 小类 (4)."""

    code: str
    level: int
    name: str
    remark: str
    parent: str | None
    section: str  # 门类 letter


@lru_cache(maxsize=4)
def gbt4754(data_dir: Path) -> dict[str, Industry]:
    """Code → :class:`Industry` for every node of GB/T 4754-2017."""
    out: dict[str, Industry] = {}
    with _file(data_dir, GBT4754, "gbt4754_2017.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            level = int(row["level"])
            parent = {1: None, 2: row["men_lei"], 3: row["da_lei"], 4: row["zhong_lei"]}[level]
            out[row["code"]] = Industry(row["code"], level, row["name"], row["remark"] or "", parent or None,
                                        row["men_lei"])
    return out


@dataclass
class IndustryTags:
    """Special classifications of one GB/T 4754 小类."""

    sei: list[tuple[str, bool]] = field(default_factory=list)  # (category path, partial "*")
    sei_products: list[str] = field(default_factory=list)
    ip_dense: list[str] = field(default_factory=list)  # 专利密集型 category paths
    other: list[str] = field(default_factory=list)  # highTech_mfg, digital, …


@lru_cache(maxsize=4)
def industry_tags(data_dir: Path) -> dict[str, IndustryTags]:
    """GB/T 4754 小类 → :class:`IndustryTags` (战略性新兴产业 2018, 专利密集型 2019, others)."""
    out: dict[str, IndustryTags] = {}
    with _file(data_dir, GBT_TAGS, "gbt4754_industry_tags.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            tags = out.setdefault(row["gbt4754_code"], IndustryTags())
            if row["tag"] == "strategic":
                tags.sei.append((row["category_path"], row["partial_star"] == "1"))
                tags.sei_products += [p for p in row["products"].split("|") if p]
            elif row["tag"] == "ip密集型":
                tags.ip_dense.append(row["category_path"])
            elif row["tag"] not in tags.other:
                tags.other.append(row["tag"])
    return out


# --- WIPO 35 fields -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WipoPattern:
    prefix: str  # compact IPC prefix, e.g. "H01M" or "H04N5/"
    field: int
    field_en: str
    sector_en: str
    source: str


def _wipo_prefix(pattern: str) -> str:
    """``H04N   5/%`` → ``H04N5/``; ``H01M%`` → ``H01M``."""
    body = pattern.rstrip("%")
    sub, rest = body[:4], body[4:].strip()
    if not rest:
        return sub
    group, _, subgroup = rest.partition("/")
    return f"{sub}{int(group)}/{subgroup}" if subgroup else f"{sub}{int(group)}/"


@lru_cache(maxsize=4)
def wipo_patterns(data_dir: Path) -> list[WipoPattern]:
    """The WIPO IPC–technology concordance as prefixes (official rows only; extras are in data/)."""
    out: list[WipoPattern] = []
    with _file(data_dir, WIPO, "ipc_technology.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            out.append(WipoPattern(_wipo_prefix(row["IPC_code"]), int(row["Field_number"]), row["Field_en"],
                                   row["Sector_en"], "official:wipo-ipc-tech-concordance"))
    return out


# --- Fraunhofer NACE × IPC ----------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def fraunhofer_nace_by_ipc_class(data_dir: Path) -> dict[str, dict[str, float]]:
    """IPC class (``H01``) → {NACE 2-digit division: P(division | class)} (columns sum to 1)."""
    df = pl.read_excel(_file(data_dir, FRAUNHOFER, "nace_ipc.xlsx"))
    divisions = [f"{int(v):02d}" for v in df["NACE"].to_list()]
    out: dict[str, dict[str, float]] = {}
    for column in df.columns[1:]:
        values = df[column].to_list()
        out[column] = {d: float(v) for d, v in zip(divisions, values) if v and v > 0}
    return out


@lru_cache(maxsize=4)
def nace_labels(data_dir: Path) -> dict[str, str]:
    df = pl.read_excel(_file(data_dir, FRAUNHOFER, "nace.xlsx"))
    return dict(zip(df["Code"].to_list(), df["Label"].to_list()))


def titled_patents(data_dir: Path) -> pl.DataFrame:
    """The ``cn-patent-titles-ipc`` rows: publication_number, title, ipc_subclasses (list)."""
    df = pl.read_csv(_file(data_dir, TITLES, "cn_patent_titles_ipc_subclasses.csv"), infer_schema=False)
    return df.with_columns(pl.col("ipc_subclasses").str.split("|"))
