"""Which reference sets are present (`panhuo data status`) and user-supplied official tables (`data add`).

Reference sets are read-only folders in the data directory, each with a SOURCES.md.  Official tables the
user obtains (NBS 2018, CNIPA 2021) are imported into the workspace (``<workspace>/data/official/``) as
normalised CSV plus a JSON note of their origin, because the shared data directory may be read-only.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from panhuo.taxonomy import importers
from panhuo.taxonomy.concordance import ConcordanceRow

KNOWN_SETS = {
    "ipc-zh-2026": ("IPC 2026.01 (Chinese)", "ipc_zh_2026.csv"),
    "ipc-en-wipo": ("IPC ~2020.01 (English)", "all_ipc_en.tsv"),
    "gbt4754-2017": ("GB/T 4754-2017", "gbt4754_2017.csv"),
    "gbt4754-industry-tags": ("SEI 2018, 专利密集型 2019 and others", "gbt4754_industry_tags.csv"),
    "wipo-ipc-tech-concordance": ("WIPO 35 fields (~2019)", "ipc_technology.csv"),
    "fraunhofer-nace-ipc-concordance": ("Fraunhofer ISI 2019", "nace_ipc.xlsx"),
    "cn-patent-titles-ipc": ("titles 2021-2022", "cn_patent_titles_ipc_subclasses.csv"),
}
FIELDS = ["ipc_pattern", "target_code", "target_name", "weight", "source", "edition", "scheme"]


def official_dir(workspace: Path) -> Path:
    return workspace / "data" / "official"


def _count_rows(path: Path) -> int | None:
    """Data rows of a set's main file (CSV/TSV lines less the header; the first sheet of a workbook)."""
    if path.suffix in (".csv", ".tsv"):
        with path.open("rb") as fh:
            lines = sum(1 for _ in fh)
        return lines - (1 if path.suffix == ".csv" else 0)
    if path.suffix == ".xlsx":
        try:
            return pl.read_excel(path).height
        except Exception:  # noqa: BLE001 - an unreadable workbook shows no count; `status` must not fail
            return None
    return None


def _source_line(folder: Path) -> str:
    sources = folder / "SOURCES.md"
    if not sources.exists():
        return ""
    for line in sources.read_text(encoding="utf-8").splitlines():
        if line.startswith("- Source"):
            return re.sub(r"^- Source[^:]*:\s*", "", line)[:160]
    return ""


def status(data_dir: Path, workspace: Path) -> list[dict]:
    """One record per known reference set and per imported official table."""
    out = []
    for name, (edition, main_file) in KNOWN_SETS.items():
        folder = data_dir / name
        present = (folder / main_file).exists()
        out.append({"set": name, "present": present, "edition": edition,
                    "rows": _count_rows(folder / main_file) if present else None,
                    "source": _source_line(folder) if present else "",
                    "kind": "reference", "path": str(folder)})
    for meta_path in sorted(official_dir(workspace).glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        out.append({"set": meta_path.stem, "present": True, "edition": meta.get("edition"),
                    "rows": meta.get("rows"), "source": meta.get("file"), "kind": "official",
                    "path": str(meta_path.with_suffix(".csv"))})
    return out


def missing_sets(data_dir: Path) -> list[str]:
    """The known reference sets whose main file is absent (cheap: one stat per set, for pages and notes)."""
    return [name for name, (_, main_file) in KNOWN_SETS.items() if not (data_dir / name / main_file).exists()]


def add(directory: Path, workspace: Path) -> list[dict]:
    """Import every official table found in ``directory`` into the workspace; one record per file."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder")
    target = official_dir(workspace)
    target.mkdir(parents=True, exist_ok=True)
    records = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".docx") or path.name.startswith("~$"):
            continue
        try:
            result = importers.import_file(path)
        except importers.ImportErrorTable as exc:
            records.append({"file": path.name, "imported": False, "error": str(exc)})
            continue
        save(result, target / result.kind, origin=path)
        records.append({"file": path.name, "imported": True, "table": result.kind, "rows": len(result.rows),
                        "targets": len({r.target_code for r in result.rows}), "problems": result.errors[:50],
                        "problem_count": len(result.errors)})
    return records


def save(result: importers.ImportResult, stem: Path, *, origin: Path) -> None:
    """Write ``<stem>.csv`` and ``<stem>.json`` (replacing an earlier import of the same table)."""
    with stem.with_suffix(".csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        for row in result.rows:
            writer.writerow([row.ipc_pattern, row.target_code, result.names.get(row.target_code, ""), row.weight,
                             row.source, row.edition, row.scheme])
    meta = {"kind": result.kind, "scheme": result.scheme, "file": str(origin), "rows": len(result.rows),
            "edition": result.rows[0].edition if result.rows else "", "keywords": result.keywords,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds")}
    stem.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def load_official(workspace: Path) -> tuple[list[ConcordanceRow], dict[str, str]]:
    """All imported official rows and their target names."""
    rows: list[ConcordanceRow] = []
    names: dict[str, str] = {}
    for path in sorted(official_dir(workspace).glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                rows.append(ConcordanceRow(rec["ipc_pattern"], rec["target_code"], float(rec["weight"]),
                                           rec["source"], rec["edition"], rec["scheme"]))
                if rec["target_name"]:
                    names[f"{rec['scheme']}:{rec['target_code']}"] = rec["target_name"]
    return rows, names
