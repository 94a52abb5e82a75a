"""Which reference sets are present (`panhuo data status`) and user-supplied official tables (`data add`).

Reference sets are read-only folders in the data directory, each with a SOURCES.md.  Official tables the
user obtains (NBS 2018, CNIPA 2021) are imported into the workspace (``<workspace>/data/official/``) as
normalised CSV plus a JSON note of their origin, because the shared data directory may be read-only.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
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


# A reference-set file the user registers with `data add` (e.g. a newer IPC edition), told apart by its first
# line; it is copied into <workspace>/data/sets/<set>/ and replaces the data directory's set for that workspace.
REFERENCE_LAYOUTS = {
    "ipc-zh-2026": lambda first: first.startswith("code,level,title_zh"),
    "ipc-en-wipo": lambda first: re.match(r"^[A-H]\t\S", first) is not None,
    "gbt4754-2017": lambda first: first.startswith("level,men_lei,da_lei,zhong_lei,xiao_lei,code,name"),
    "gbt4754-industry-tags": lambda first: first.startswith("gbt4754_code,gbt4754_name,tag"),
    "wipo-ipc-tech-concordance": lambda first: "Field_number" in first and "IPC_code" in first,
    "cn-patent-titles-ipc": lambda first: first.startswith("publication_number,title,ipc_subclasses"),
}


def official_dir(workspace: Path) -> Path:
    return workspace / "data" / "official"


def sets_dir(workspace: Path) -> Path:
    """Reference sets registered in the workspace with `data add` (they replace the data directory's)."""
    return workspace / "data" / "sets"


def detect_reference(path: Path) -> str | None:
    """The reference set whose layout a CSV/TSV file has (by its first line), or ``None``."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return None
    return next((name for name, test in REFERENCE_LAYOUTS.items() if test(first)), None)


def register_set(path: Path, name: str, workspace: Path, *, edition: str | None = None) -> dict:
    """Copy a reference-set file into ``<workspace>/data/sets/<name>/`` under the set's file name, with a
    SOURCES.md (origin, date) and ``set.json`` (edition, rows); returns the record shown by `data add`."""
    folder = sets_dir(workspace) / name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / KNOWN_SETS[name][1]
    shutil.copyfile(path, target)
    edition = edition or _edition_from_name(path.name) or f"{KNOWN_SETS[name][0]}, user file"
    added = datetime.now(UTC).isoformat(timespec="seconds")
    (folder / "SOURCES.md").write_text(f"# {name} (registered with `panhuo data add`)\n\n- Source: user file "
                                       f"{path.resolve()}, registered {added}\n- Edition: {edition}\n",
                                       encoding="utf-8")
    meta = {"set": name, "edition": edition, "file": str(path.resolve()), "rows": _count_rows(target),
            "added_at": added}
    (folder / "set.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def _edition_from_name(filename: str) -> str | None:
    """``ipc_zh_2027.csv`` → ``2027``; ``IPC_2027.01_zh.csv`` → ``2027.01``."""
    match = re.search(r"(19|20)\d\d(\.\d\d)?", filename)
    return match.group(0) if match else None


def effective_data_dir(data_dir: Path, workspace: Path | None) -> Path:
    """The data directory as this workspace sees it: ``data_dir`` itself, or — once sets are registered in
    the workspace — ``<workspace>/data/merged/``, a folder of links to the workspace's sets and to the data
    directory's other sets (so every loader reads the workspace's edition without knowing about it)."""
    registered = sets_dir(workspace) if workspace else None
    if registered is None or not registered.is_dir() or not any(registered.iterdir()):
        return data_dir
    merged = workspace / "data" / "merged"
    merged.mkdir(parents=True, exist_ok=True)
    _forget_if_registered_again(merged, registered)
    names = {p.name for p in registered.iterdir() if p.is_dir()}
    shared = {p.name for p in data_dir.iterdir() if p.is_dir()} if data_dir.is_dir() else set()
    for name in names | shared:
        target = (registered / name) if name in names else (data_dir / name)
        link = merged / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        temp = merged / f".{name}.{os.getpid()}"
        temp.unlink(missing_ok=True)
        os.symlink(target, temp, target_is_directory=True)
        os.replace(temp, link)  # atomic: a concurrent reader sees the old or the new link, never none
    for link in merged.iterdir():
        if link.is_symlink() and link.name not in names | shared:
            link.unlink(missing_ok=True)
    return merged


_registered_stamp: dict[Path, float] = {}  # per merged folder: newest registration this process has read


def _forget_if_registered_again(merged: Path, registered: Path) -> None:
    """Sets loaded through ``merged`` are cached under that same path: when a set was registered since this
    process last looked (`data add` run elsewhere while the web server runs), forget what was loaded."""
    stamp = max((p.stat().st_mtime for p in registered.glob("*/set.json")), default=0.0)
    if _registered_stamp.get(merged, stamp) != stamp:
        from panhuo.taxonomy import catalog, reference

        reference.clear_caches()
        catalog.interim_rows.cache_clear()
    _registered_stamp[merged] = stamp


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
    """One record per known reference set (``kind`` "workspace" when a set registered in the workspace
    replaces the data directory's) and per imported official table."""
    out = []
    for name, (edition, main_file) in KNOWN_SETS.items():
        folder, kind = data_dir / name, "reference"
        meta_path = sets_dir(workspace) / name / "set.json"
        if meta_path.exists():
            folder, kind = meta_path.parent, "workspace"
            edition = json.loads(meta_path.read_text(encoding="utf-8")).get("edition") or edition
        present = (folder / main_file).exists()
        out.append({"set": name, "present": present, "edition": edition,
                    "rows": _count_rows(folder / main_file) if present else None,
                    "source": _source_line(folder) if present else "",
                    "kind": kind, "path": str(folder)})
    for meta_path in sorted(official_dir(workspace).glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        out.append({"set": meta_path.stem, "present": True, "edition": meta.get("edition"),
                    "rows": meta.get("rows"), "source": meta.get("file"), "kind": "official",
                    "path": str(meta_path.with_suffix(".csv"))})
    return out


def missing_sets(data_dir: Path) -> list[str]:
    """The known reference sets whose main file is absent (cheap: one stat per set, for pages and notes)."""
    return [name for name, (_, main_file) in KNOWN_SETS.items() if not (data_dir / name / main_file).exists()]


def add(directory: Path, workspace: Path, *, edition: str | None = None) -> list[dict]:
    """Register the reference-set files (e.g. a newer IPC edition, by layout) and import the official tables
    found in ``directory`` into the workspace; one record per file."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder")
    target = official_dir(workspace)
    target.mkdir(parents=True, exist_ok=True)
    records = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in (".xls", ".doc", ".et", ".wps") and not path.name.startswith("~$"):
            records.append({"file": path.name, "imported": False,
                            "error": f"{path.suffix} is an old binary format: open it in Excel/WPS and save it as "
                                     f".xlsx (tables) or .docx (Word), then run data add again"})
            continue
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".tsv", ".docx") or path.name.startswith("~$"):
            continue
        reference = detect_reference(path) if path.suffix.lower() in (".csv", ".tsv") else None
        if reference:
            meta = register_set(path, reference, workspace, edition=edition)
            records.append({"file": path.name, "imported": True, "table": reference, "kind": "reference set",
                            "edition": meta["edition"], "rows": meta["rows"], "targets": None, "problems": [],
                            "problem_count": 0})
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
