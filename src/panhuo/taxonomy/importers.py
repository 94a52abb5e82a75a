"""Importers for official concordance tables the user obtains (spreadsheet, CSV or Word table).

- NBS/CNIPA 《国际专利分类与国民经济行业分类参照关系表（2018）》: one row per GB/T 4754-2017 industry
  (a code column, or 门类/大类/中类/小类 columns) with a name column and an IPC column listing symbols.
- CNIPA 《战略性新兴产业分类与国际专利分类参照关系表（2021）（试行）》: one row per SEI category
  (code such as ``1.6.1``, name) with an IPC column (``G06F40*``, ``A61B5/0476`` …) and an optional
  关键词 column.  Rows continued over several lines or merged cells carry the code forward.

Header rows are found by keywords, so title rows, notes and numbering columns above or beside the table do
not matter.  A bad cell is reported with its row number and never drops the good symbols of the same row.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from panhuo.taxonomy import ipc as ipc_rules
from panhuo.taxonomy.concordance import ConcordanceRow

_RANGE = re.compile(r"[-－—~～至]")
_PATTERN_SPLIT = re.compile(r"[;,，；、\s]+")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class ImportErrorTable(ValueError):
    """The file is not a table in a layout Panhuo knows."""


@dataclass
class ImportResult:
    kind: str  # "nbs-ipc-gbt4754-2018" | "cnipa-sei-ipc-2021"
    scheme: str  # "gbt4754" | "sei"
    rows: list[ConcordanceRow] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # target code → name
    keywords: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


# --- reading tables -----------------------------------------------------------------------------------------

def read_table(path: Path) -> list[list[str]]:
    """Cells of the first table in an .xlsx/.csv/.docx file, merged cells filled with their value."""
    suffix = path.suffix.lower()
    readers = {".xlsx": _read_xlsx, ".xlsm": _read_xlsx, ".csv": _read_csv, ".txt": _read_csv, ".docx": _read_docx}
    if suffix not in readers:
        raise ImportErrorTable(f"{path.name}: unsupported file type {suffix} (use .xlsx, .csv or .docx)")
    try:
        return readers[suffix](path)
    except ImportErrorTable:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file is reported by name; the folder's other files go on
        raise ImportErrorTable(f"{path.name}: cannot be read as a {suffix} file ({type(exc).__name__}: {exc})") from None


def _read_csv(path: Path) -> list[list[str]]:
    """UTF-8 (with or without BOM) or GB18030 — spreadsheets saved as CSV on Chinese Windows are GBK."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportErrorTable(f"{path.name}: not UTF-8 or GB18030 text")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]


def _read_xlsx(path: Path) -> list[list[str]]:
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    sheet = book.worksheets[0]
    merged = {}
    for rng in sheet.merged_cells.ranges:
        value = sheet.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = value
    rows = []
    for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [merged.get((r, c), v) for c, v in enumerate(row, start=1)]
        rows.append(["" if v is None else str(v).strip() for v in cells])
    return rows


def _read_docx(path: Path) -> list[list[str]]:
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    rows = []
    for table in root.iter(f"{_W}tbl"):
        for tr in table.iter(f"{_W}tr"):
            rows.append(["".join(t.text or "" for t in tc.iter(f"{_W}t")).strip() for tc in tr.iter(f"{_W}tc")])
    return rows


# --- header detection ---------------------------------------------------------------------------------------

def _find_header(rows: list[list[str]], needed: dict[str, tuple[str, ...]]) -> tuple[int, dict[str, int]]:
    for number, row in enumerate(rows[:30]):
        found: dict[str, int] = {}
        for role, words in needed.items():
            for col, cell in enumerate(row):
                text = cell.replace(" ", "").replace("\n", "")
                if col not in found.values() and any(w in text for w in words):
                    found[role] = col
                    break
        if all(r in found for r in needed if not r.startswith("?")):
            return number, found
    raise ImportErrorTable("no header row found (expected columns: " + ", ".join(
        "/".join(w) for r, w in needed.items() if not r.startswith("?")) + ")")


def detect(rows: list[list[str]]) -> str:
    """Which official layout a table has."""
    head = " ".join(" ".join(r) for r in rows[:30])
    if "战略性新兴产业" in head or "新兴产业分类" in head:
        return "cnipa-sei-ipc-2021"
    if "国民经济行业" in head or "行业代码" in head or "行业名称" in head:
        return "nbs-ipc-gbt4754-2018"
    raise ImportErrorTable("not an NBS 2018 IPC–国民经济行业 table nor a CNIPA 2021 SEI–IPC table")


def _patterns(cell: str, where: str, errors: list[str]) -> list[str]:
    out = []
    for part in _PATTERN_SPLIT.split(cell.replace("／", "/")):
        part = part.strip().strip("。.")
        if not part:
            continue
        if _RANGE.search(part.replace("/", "")):
            errors.append(f"{where}: range '{part}' is not expanded (list the groups); other symbols kept")
            continue
        body = part.rstrip("*").rstrip("/")
        if ipc_rules.try_parse(body) is None and ipc_rules.try_parse(body + "/00") is None:
            errors.append(f"{where}: '{part}' is not an IPC symbol; other symbols kept")
            continue
        out.append(part)
    return out


def _cells(row: list[str], cols: dict[str, int]):
    """A reader of one row's cells by role ("" for a missing role or a short row)."""

    def cell(role: str) -> str:
        return row[cols[role]].strip() if role in cols and cols[role] < len(row) else ""

    return cell


# --- the two layouts ----------------------------------------------------------------------------------------

def import_nbs_2018(rows: list[list[str]], *, source: str = "official:nbs-ipc-gbt4754-2018",
                    edition: str = "2018") -> ImportResult:
    """Rows of the NBS 2018 IPC–国民经济行业 table → concordance rows (scheme ``gbt4754``)."""
    result = ImportResult("nbs-ipc-gbt4754-2018", "gbt4754")
    levels = ("门类", "大类", "中类", "小类")
    split_levels = any(sum(any(c.strip() == lv or c.strip() == lv + "代码" for c in row) for lv in levels) >= 2
                       for row in rows[:30])
    needed = {"ipc": ("国际专利分类", "IPC", "ipc"), "?name": ("名称", "类别名称")}
    level_roles = {lv: (lv if lv in ("大类", "小类") else f"?{lv}") for lv in levels}
    if split_levels:
        needed |= {role: (lv,) for lv, role in level_roles.items()}
    else:
        needed |= {"code": ("行业代码", "代码", "编码")}
    header, cols = _find_header(rows, needed)
    current = ""
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        cell = _cells(row, cols)
        code = next((cell(level_roles[lv]) for lv in reversed(levels) if cell(level_roles[lv])), "") if split_levels \
            else cell("code")
        code = code.replace(" ", "")
        if code and current.startswith(code) and len(code) < len(current) and not cell("?name"):
            code = ""  # a continuation line under merged 门类/大类 cells: stay on the current 小类
        if code:
            if not re.fullmatch(r"[A-T]|\d{2,4}", code):
                result.errors.append(f"row {number}: '{code}' is not a GB/T 4754 code; row skipped")
                current = ""
                continue
            current = code
            if cell("?name"):
                result.names[code] = cell("?name")
        if not current:
            continue
        for pattern in _patterns(cell("ipc"), f"row {number}", result.errors):
            result.rows.append(ConcordanceRow(pattern, current, 1.0, source, edition, "gbt4754"))
    return result


def import_cnipa_sei_2021(rows: list[list[str]], *, source: str = "official:cnipa-sei-ipc-2021",
                          edition: str = "2021") -> ImportResult:
    """Rows of the CNIPA 2021 SEI–IPC table → concordance rows (scheme ``sei``)."""
    result = ImportResult("cnipa-sei-ipc-2021", "sei")
    header, cols = _find_header(rows, {"code": ("代码", "编码", "编号", "区分"), "?name": ("名称", "技术", "产业"),
                                       "ipc": ("国际专利分类", "IPC", "ipc"), "?kw": ("关键词",)})
    current = ""
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        cell = _cells(row, cols)
        code = cell("code").replace(" ", "")
        if code:
            if not re.fullmatch(r"\d+(\.\d+)*\*?", code):
                result.errors.append(f"row {number}: '{code}' is not an SEI category code; row skipped")
                current = ""
                continue
            current = code.rstrip("*")
            if cell("?name"):
                result.names.setdefault(current, cell("?name"))
        if not current:
            continue
        if cell("?kw"):
            result.keywords.setdefault(current, []).extend(k for k in _PATTERN_SPLIT.split(cell("?kw")) if k)
        for pattern in _patterns(cell("ipc"), f"row {number}", result.errors):
            result.rows.append(ConcordanceRow(pattern, current, 1.0, source, edition, "sei"))
    return result


# --- a concordance in Panhuo's own row format ---------------------------------------------------------------

GENERIC_SCHEMES = {"gbt4754": r"[A-T]|\d{2,4}", "sei": r"\d+(\.\d+)*", "wipo": r"[1-9]|[12]\d|3[0-5]"}
GENERIC_SOURCES = ("official", "derived", "text")  # reviewers correct single patents: `library override`


def is_generic(rows: list[list[str]]) -> bool:
    """A table whose header names the concordance columns ``ipc_pattern`` and ``target_code``."""
    return any({"ipc_pattern", "target_code"} <= {c.strip().lower() for c in row} for row in rows[:5])


def import_generic(rows: list[list[str]], *, name: str) -> ImportResult:
    """A user's own concordance: columns ``ipc_pattern, target_code`` and optionally ``weight`` (> 0, default
    1), ``source`` (``official:…``/``derived:…``/``text:…``, default ``official:user-<name>``), ``edition``,
    ``scheme`` (gbt4754 (default), sei or wipo) and ``target_name``; a bad row is reported and skipped."""
    kind = "user-" + (re.sub(r"[^0-9A-Za-z一-鿿]+", "-", name).strip("-").lower() or "table")
    result = ImportResult(kind, "mixed")
    header, cols = _find_header([[c.lower() for c in r] for r in rows[:30]], {
        "ipc": ("ipc_pattern",), "target": ("target_code",), "?weight": ("weight",), "?source": ("source",),
        "?edition": ("edition",), "?scheme": ("scheme",), "?name": ("target_name",)})
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        cell = _cells(row, cols)
        if not any(c.strip() for c in row):
            continue
        problem, row_out = _generic_row(cell, f"official:{kind}")
        if problem:
            result.errors.append(f"row {number}: {problem}; row skipped")
            continue
        result.rows.append(row_out)
        if cell("?name"):
            result.names[row_out.target_code] = cell("?name")
    return result


def _generic_row(cell, default_source: str) -> tuple[str | None, ConcordanceRow | None]:
    from panhuo.taxonomy.concordance import compile_pattern

    pattern, target = cell("ipc"), cell("target").replace(" ", "")
    scheme = cell("?scheme").lower() or "gbt4754"
    source = cell("?source") or default_source
    if scheme not in GENERIC_SCHEMES:
        return f"scheme '{scheme}' is not one of {', '.join(GENERIC_SCHEMES)}", None
    try:
        compile_pattern(pattern)
    except ipc_rules.IpcError as exc:
        return f"'{pattern}' is not an IPC pattern ({exc})", None
    if not re.fullmatch(GENERIC_SCHEMES[scheme], target):
        return f"'{target}' is not a {scheme} code", None
    try:
        weight = float(cell("?weight") or 1.0)
    except ValueError:
        weight = -1.0
    if not 0 < weight < float("inf"):
        return f"weight '{cell('?weight')}' is not a positive number", None
    if source.split(":")[0] not in GENERIC_SOURCES:
        return f"source '{source}' must start with {', '.join(s + ':' for s in GENERIC_SOURCES)}", None
    return None, ConcordanceRow(pattern, target, weight, source[:80], cell("?edition"), scheme)


def import_file(path: Path) -> ImportResult:
    """Detect the layout of one official file (or a concordance in Panhuo's row format) and import it."""
    rows = read_table(path)
    if not rows:
        raise ImportErrorTable(f"{path.name}: no table found")
    if is_generic(rows):
        result = import_generic(rows, name=path.stem)
        if not result.rows:
            raise ImportErrorTable(f"{path.name}: no valid concordance row ({'; '.join(result.errors[:3])})")
        return result
    kind = detect(rows)
    result = import_nbs_2018(rows) if kind == "nbs-ipc-gbt4754-2018" else import_cnipa_sei_2021(rows)
    if not result.rows:
        raise ImportErrorTable(f"{path.name}: header found but no IPC symbols in the table")
    return result
