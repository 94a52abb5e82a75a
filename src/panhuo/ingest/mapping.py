"""Header maps: which column of an export holds which Patent field, as versioned YAML data.

A map (``ingest/data/headers/<format>.yaml``, or a user's own file passed with ``--mapping``) has::

    format: myexport            # name used with --format
    title: …, version: 1, effective: 2024-01-01, source: where the column names come from
    unmapped: ignore | extra    # columns not listed: dropped (default) or kept in Patent.extra
    detect: {signature: [headers that identify the export]}
    columns:
      申请号: application_no                      # target field, parser chosen from the field
      专利号: {field: grant_no, type: grant_number}  # explicit parser
      转化意愿: {field: extra.inventory.transfer_willing, type: bool}

Targets are the Patent columns in :data:`FIELD_TYPES`, the pseudo-fields (parties, events, ``department``),
``pct.<key>``, ``extra.<key>[.<key>]`` and ``ignore``. Detection scores every map by the share of its
signature found among the file's headers. Everything here is pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

# target field -> parser name (see panhuo.ingest.rows.PARSERS)
FIELD_TYPES: dict[str, str] = {
    "application_no": "application_number", "publication_no": "publication_number",
    "grant_no": "publication_number", "patent_type": "patent_type",
    "title": "text", "title_en": "text", "abstract": "text", "first_claim": "text",
    "claims_count": "int", "independent_claims_count": "int",
    "filing_date": "date", "publication_date": "date", "grant_date": "date", "expiry_date": "date",
    "exam_request_date": "date", "lapse_date": "date",
    "legal_status": "legal_status", "ipc_main": "code", "ipc_all": "codes", "cpc": "codes",
    "priorities": "list", "priority_dates": "dates",
    "family_size": "int", "family_size_extended": "int", "family_countries": "codes",
    "family_members": "list", "backward_citations": "list", "backward_citation_count": "int",
    "npl_citations": "list", "npl_citation_count": "int", "forward_citations": "list",
    "forward_citation_count": "int", "transfer_count": "int", "licence_count": "int", "pledge_count": "int",
    "agency": "text", "agents": "names", "examiner": "text", "applicant_address": "text",
    "region_code": "region",
    # parties
    "applicants": "names", "patentees": "names", "inventors": "names",
    "first_applicant": "text", "first_patentee": "text", "first_inventor": "text", "applicant_kind": "text",
    # events
    "legal_events": "text", "transfer_dates": "dates", "licence_dates": "dates", "pledge_dates": "dates",
    "invalidation_dates": "dates",
    # organisation
    "department": "text", "patent_number": "application_number",  # 专利号 = ZL + application number
}
PARSER_NAMES = frozenset({"text", "int", "float", "date", "dates", "bool", "list", "names", "code", "codes",
                          "region", "application_number", "publication_number", "url_pubno",
                          "patent_type", "legal_status"})
UNMAPPED_POLICIES = ("ignore", "extra")
HEADERS_DIR = Path(__file__).resolve().parent / "data" / "headers"


class MappingError(ValueError):
    """A header map that cannot be used (bad YAML, unknown field or parser)."""


class NoMatchingFormat(LookupError):
    """No header map fits the file's headers; ``candidates`` lists the closest ones."""

    def __init__(self, file: str, candidates: list[Detection]):
        self.file = file
        self.candidates = candidates
        close = "; ".join(f"{c.mapping.format} {c.score:.0%} (missing {', '.join(c.missing[:4])})"
                          for c in candidates[:3])
        super().__init__(f"{file}: the headers match no known export format (closest: {close or 'none'}); "
                         f"use --format NAME or --mapping FILE.yaml")


@dataclass(frozen=True)
class Column:
    header: str  # as written in the map
    field: str  # target
    parser: str


@dataclass(frozen=True)
class HeaderMap:
    format: str
    title: str
    columns: dict[str, Column]  # normalised header -> column
    signature: tuple[str, ...]  # normalised headers
    unmapped: str = "ignore"
    version: str = "1"
    effective: date | None = None
    source: str | None = None
    path: str | None = None
    min_score: float = 0.6

    def resolve(self, headers: list[str]) -> list[Column | None]:
        """For each header of a file, its column (``None`` when dropped)."""
        out: list[Column | None] = []
        for header in headers:
            col = self.columns.get(normalise_header(header))
            if col is None and self.unmapped == "extra" and header.strip():
                col = Column(header, f"extra.{header.strip()}", "text")
            out.append(col if col is None or col.field != "ignore" else None)
        return out


@dataclass(frozen=True)
class Detection:
    mapping: HeaderMap
    score: float  # share of the signature present
    missing: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def normalise_header(header: str) -> str:
    """Compare headers ignoring width (（）→()), case, spaces, BOM and a trailing '*' (required marker)."""
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "")
    return re.sub(r"\s+", "", text).rstrip("*").lower()


def parse_map(data: dict, *, path: str | None = None) -> HeaderMap:
    """Validate a map's YAML content and build a :class:`HeaderMap`."""
    where = path or "mapping"
    if not isinstance(data, dict) or not data.get("format") or not isinstance(data.get("columns"), dict):
        raise MappingError(f"{where}: a mapping needs 'format' and a 'columns' table")
    columns: dict[str, Column] = {}
    for header, spec in data["columns"].items():
        columns[normalise_header(str(header))] = _column(str(header), spec, where)
    from panhuo.ingest.limits import SOURCE, check_text  # the format is stored with each imported row

    try:
        check_text("format name", str(data["format"]), SOURCE["source_format"])
    except ValueError as exc:
        raise MappingError(f"{where}: {exc}") from None
    unmapped = data.get("unmapped", "ignore")
    if unmapped not in UNMAPPED_POLICIES:
        raise MappingError(f"{where}: 'unmapped' must be one of {', '.join(UNMAPPED_POLICIES)}")
    detect = data.get("detect") or {}
    signature = tuple(normalise_header(str(h)) for h in detect.get("signature") or data["columns"])
    effective = data.get("effective")
    return HeaderMap(format=str(data["format"]), title=str(data.get("title", data["format"])), columns=columns,
                     signature=signature, unmapped=unmapped, version=str(data.get("version", "1")),
                     effective=effective if isinstance(effective, date) else None, source=data.get("source"),
                     path=path, min_score=float(detect.get("min_score", 0.6)))


def _column(header: str, spec: object, where: str) -> Column:
    if isinstance(spec, str):
        target, parser = spec, None
    elif isinstance(spec, dict) and "field" in spec:
        target, parser = str(spec["field"]), spec.get("type")
    else:
        raise MappingError(f"{where}: column {header!r} needs a target field (e.g. '{header}: title')")
    if target == "ignore":
        return Column(header, "ignore", "text")
    if target.startswith(("extra.", "pct.")) and len(target.split(".")) >= 2 and all(target.split(".")):
        parser = parser or ("date" if target.endswith(("date", "_date")) else "text")
    elif target in FIELD_TYPES:
        parser = parser or FIELD_TYPES[target]
    else:
        raise MappingError(f"{where}: column {header!r} maps to unknown field {target!r} "
                           f"(known: {', '.join(sorted(FIELD_TYPES))}, extra.<key>, pct.<key>, ignore)")
    if parser not in PARSER_NAMES:
        raise MappingError(f"{where}: column {header!r} has unknown type {parser!r} "
                           f"(known: {', '.join(sorted(PARSER_NAMES))})")
    return Column(header, target, parser)


def load_map(path: Path | str) -> HeaderMap:
    """A user's mapping file (same format as the built-in maps)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read mapping ({exc})") from exc
    return parse_map(data, path=str(path))


@lru_cache(maxsize=1)
def builtin_maps() -> dict[str, HeaderMap]:
    """The header maps shipped in ``ingest/data/headers``, by format name."""
    maps: dict[str, HeaderMap] = {}
    for entry in sorted(HEADERS_DIR.glob("*.yaml")):
        mapping = parse_map(yaml.safe_load(entry.read_text(encoding="utf-8")), path=entry.name)
        maps[mapping.format] = mapping
    return maps


def get_map(name: str) -> HeaderMap:
    maps = builtin_maps()
    if name not in maps:
        raise MappingError(f"unknown format {name!r} (known: {', '.join(sorted(maps))})")
    return maps[name]


def score(mapping: HeaderMap, headers: list[str]) -> Detection:
    present = {normalise_header(h) for h in headers}
    missing = [h for h in mapping.signature if h not in present]
    share = 1 - len(missing) / len(mapping.signature) if mapping.signature else 0.0
    return Detection(mapping, share, missing)


def detect(headers: list[str], *, file: str = "file", maps: dict[str, HeaderMap] | None = None) -> HeaderMap:
    """The best-scoring map for these headers, or :class:`NoMatchingFormat` with the closest candidates."""
    ranked = sorted((score(m, headers) for m in (maps or builtin_maps()).values()),
                    key=lambda d: d.score, reverse=True)
    if ranked and ranked[0].score >= ranked[0].mapping.min_score:
        return ranked[0].mapping
    raise NoMatchingFormat(file, ranked)
