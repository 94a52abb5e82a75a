"""Tabular readers: CSV (utf-8, utf-8-sig, gb18030) and Excel (xlsx/xls) into records and row errors.

A reader opens the file, finds the header row (the best-scoring of the first rows, so a title row above the
headers is skipped), picks the header map (given, or detected) and streams :class:`PatentRecord` /
:class:`RowError` in file order. CSV is read in batches with polars (all cells as text), so memory stays flat;
Excel is read with fastexcel, merged cells are forward-filled from the sheet's ``<mergeCells>``.
"""

from __future__ import annotations

import codecs
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from panhuo.ingest import columnar as columnar_path
from panhuo.ingest import mapping as maps
from panhuo.ingest.records import PatentRecord, RowError
from panhuo.ingest.rows import RowConverter

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
HEADER_SCAN_ROWS = 8
CSV_BATCH_ROWS = 50_000
ENCODINGS = ("utf-8", "gb18030")


class ReadError(ValueError):
    """The file as a whole cannot be read (not a table, unknown format, bad encoding)."""


@dataclass
class Table:
    """An opened table: its header row, the map chosen for it and a stream of data rows."""

    path: Path
    headers: list[str]
    mapping: maps.HeaderMap
    header_row: int  # 1-based line / sheet row of the headers
    sheet: str | None
    _rows: Iterator[Sequence] | None = None
    _frames: Iterator[pl.DataFrame] | None = None  # CSV: batches of data rows (all text), instead of _rows
    csv_source: tuple[Path, str, int] | None = None  # CSV: (UTF-8 file, separator, rows to skip) to read it again

    def rows(self) -> Iterator[tuple[int, Sequence]]:
        """(1-based data row number, cells) for every data row after the header."""
        source = self._rows if self._rows is not None else \
            (row for frame in self._frames or () for row in frame.iter_rows())
        for number, cells in enumerate(source, start=1):
            if any(c not in (None, "") for c in cells):
                yield number, cells

    def batches(self, size: int = CSV_BATCH_ROWS,
                wanted: set[int] | None = None) -> Iterator[tuple[list[int], list[list | None]]]:
        """(row numbers, columns) for batches of non-empty data rows; numbering as in :meth:`rows`.

        ``wanted``: only these column indexes are turned into lists (the others are ``None``; CSV only).
        """
        if self._frames is None:
            numbers: list[int] = []
            cells: list[Sequence] = []
            for number, row in self.rows():
                numbers.append(number)
                cells.append(row)
                if len(cells) >= size:
                    yield numbers, _columns(cells)
                    numbers, cells = [], []
            if cells:
                yield numbers, _columns(cells)
            return
        for numbers, kept in self.frame_batches():
            yield numbers, [s.to_list() if wanted is None or i in wanted else None
                            for i, s in enumerate(kept.iter_columns())]

    def frame_batches(self) -> Iterator[tuple[list[int], pl.DataFrame]]:
        """CSV only: (row numbers, frame of those rows, all text) for batches of non-empty data rows."""
        offset = 0
        for frame in self._frames or ():
            blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c) == "") for c in frame.columns)
            keep = frame.select(blank.not_().alias("k")).get_column("k")
            numbers = [offset + i + 1 for i, k in enumerate(keep.to_list()) if k]
            offset += frame.height
            if numbers:
                yield numbers, frame.filter(keep) if len(numbers) < frame.height else frame


def _columns(rows: list[Sequence]) -> list[list]:
    width = max(len(r) for r in rows)
    return [list(col) for col in zip(*(list(r) + [None] * (width - len(r)) for r in rows))]


def detect_encoding(path: Path, sample: int = 1 << 20) -> str:
    """``utf-8-sig`` (BOM), ``utf-8`` or ``gb18030`` (GBK/GB2312 exports), judged on the first MiB."""
    with path.open("rb") as fh:
        head = fh.read(sample)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ENCODINGS:
        try:
            decoder = codecs.getincrementaldecoder(encoding)()
            decoder.decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ReadError(f"{path.name}: text is neither UTF-8 nor GB18030/GBK; save it as UTF-8 CSV or xlsx")


def _utf8_copy(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a GB18030 file (polars reads UTF-8 only), streamed in 1 MiB chunks."""
    tmp = tempfile.NamedTemporaryFile(prefix="panhuo-", suffix=".csv", delete=False)
    with path.open("r", encoding=encoding, newline="") as src, open(tmp.name, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return Path(tmp.name)


def _choose(rows: list[Sequence], file: str, mapping: maps.HeaderMap | None) -> tuple[int, maps.HeaderMap]:
    """Index of the header row among ``rows`` and its map (the given one, or the best detection)."""
    best: tuple[float, int, maps.HeaderMap | None] = (-1.0, 0, None)
    last_error: maps.NoMatchingFormat | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = [str(c) if c is not None else "" for c in row]
        if mapping is not None:
            score = maps.score(mapping, headers).score
            candidate = mapping
        else:
            try:
                candidate = maps.detect(headers, file=file)
            except maps.NoMatchingFormat as exc:
                last_error = last_error if last_error and last_error.candidates[0].score >= \
                    exc.candidates[0].score else exc
                continue
            score = maps.score(candidate, headers).score
        if score > best[0]:
            best = (score, index, candidate)
    if best[2] is None:
        raise last_error or maps.NoMatchingFormat(file, [])
    if mapping is not None and best[0] == 0:
        raise ReadError(f"{file}: none of the first rows has the columns of format {mapping.format!r}")
    return best[1], best[2]


def open_csv(path: Path, mapping: maps.HeaderMap | None = None) -> Table:
    encoding = detect_encoding(path)
    source = path if encoding in ("utf-8", "utf-8-sig") else _utf8_copy(path, encoding)
    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    head = pl.read_csv(source, has_header=False, infer_schema=False, n_rows=HEADER_SCAN_ROWS,
                       separator=separator, truncate_ragged_lines=True, encoding="utf8-lossy")
    index, chosen = _choose([list(r) for r in head.iter_rows()], path.name, mapping)
    headers = [(h or "").lstrip("\ufeff") for h in head.row(index)]
    return Table(path, headers, chosen, index + 1, None, None, _csv_frames(source, separator, index + 1),
                 (source, separator, index + 1))


def reopen_csv(table: Table) -> Table:
    """A new reader of the same CSV table (same headers and map), e.g. in a worker process."""
    if table.csv_source is None:
        raise ValueError(f"{table.path.name}: not a CSV table")
    return Table(table.path, table.headers, table.mapping, table.header_row, None, None,
                 _csv_frames(*table.csv_source), table.csv_source)


def _csv_frames(source: Path, separator: str, skip: int) -> Iterator[pl.DataFrame]:
    lazy = pl.scan_csv(source, has_header=False, infer_schema=False, skip_rows=skip, separator=separator,
                       truncate_ragged_lines=True, encoding="utf8-lossy")
    yield from lazy.collect_batches(chunk_size=CSV_BATCH_ROWS, maintain_order=True)


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def merged_ranges(path: Path, sheet_index: int) -> list[tuple[int, int, int, int]]:
    """Merged ranges of an xlsx sheet as 0-based (row1, col1, row2, col2), read from the sheet XML."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted((n for n in zf.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)),
                           key=lambda n: int(re.findall(r"\d+", n)[-1]))
            if sheet_index >= len(names):
                return []
            with zf.open(names[sheet_index]) as fh:
                tail = b""
                found: list[tuple[int, int, int, int]] = []
                while chunk := fh.read(1 << 22):
                    data = tail + chunk
                    found.extend((int(r1) - 1, _col_index(c1), int(r2) - 1, _col_index(c2))
                                 for c1, r1, c2, r2 in _MERGE.findall(data))
                    tail = data[-200:] if b"<mergeCell " in data[-200:] else b""
                return sorted(set(found))
    except (zipfile.BadZipFile, KeyError):
        return []


def fill_merged(rows: list[list], ranges: list[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's top-left value into every cell of the range (in place)."""
    for r1, c1, r2, c2 in ranges:
        if r1 >= len(rows) or c1 >= len(rows[r1]):
            continue
        value = rows[r1][c1]
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c1, min(c2, len(row) - 1) + 1):
                if row[c] in (None, ""):
                    row[c] = value


def _frame_slices(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def sheet_names(path: Path) -> list[str]:
    import fastexcel

    return list(fastexcel.read_excel(path).sheet_names)


def open_excel(path: Path, mapping: maps.HeaderMap | None = None, sheet: str | int | None = None) -> Table:
    """The chosen sheet (by name or 0-based index), else the first sheet whose headers fit a map."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # fastexcel raises its own error classes for broken files
        raise ReadError(f"{path.name}: not a readable spreadsheet ({exc})") from exc
    names = list(reader.sheet_names)
    if sheet is not None:
        if isinstance(sheet, str) and not sheet.isdigit() and sheet not in names:
            raise ReadError(f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(names)})")
        order = [names.index(sheet) if sheet in names else int(sheet)]
    else:
        order = list(range(len(names)))
    problem: Exception | None = None
    for index in order:
        frame = reader.load_sheet(index, header_row=None, dtypes="string").to_polars()
        ranges = merged_ranges(path, index) if path.suffix.lower() in (".xlsx", ".xlsm") else []
        if ranges:  # merged cells: fill them in a list of rows
            rows = [list(r) for r in frame.iter_rows()]
            fill_merged(rows, ranges)
        else:  # no merged cells: keep the sheet as columns, only the header candidates become rows
            rows = [list(r) for r in frame.head(HEADER_SCAN_ROWS).iter_rows()]
        try:
            head, chosen = _choose(rows, path.name, mapping)
        except (maps.NoMatchingFormat, ReadError) as exc:
            problem = exc
            continue
        headers = [str(h or "").strip() for h in rows[head]]
        if ranges:
            return Table(path, headers, chosen, head + 1, names[index], iter(rows[head + 1:]))
        return Table(path, headers, chosen, head + 1, names[index], None,
                     _frame_slices(frame.slice(head + 1), CSV_BATCH_ROWS))
    raise problem or ReadError(f"{path.name}: the workbook has no sheets")


def open_table(path: Path | str, *, fmt: str | None = None, mapping_file: Path | str | None = None,
               sheet: str | int | None = None) -> Table:
    """Open a CSV or Excel export with the named format, a user's mapping file, or detection."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    mapping = maps.load_map(mapping_file) if mapping_file else maps.get_map(fmt) if fmt else None
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return open_csv(path, mapping)
    if suffix in EXCEL_SUFFIXES:
        return open_excel(path, mapping, sheet)
    raise ReadError(f"{path.name}: unsupported file type {suffix or '(none)'} (CSV, TSV, xlsx, xls)")


def read_records(table: Table, *, columnar: bool = True) -> Iterator[PatentRecord | RowError]:
    """Records and errors of every data row, in file order (errors of a row come before its record).

    ``columnar`` (default) parses whole batches column by column (:mod:`panhuo.ingest.columnar`); ``False`` takes
    the per-row path. Both give the same records and errors.
    """
    if not columnar:
        yield from read_records_per_row(table)
        return
    converter = RowConverter(table.mapping, table.headers, file=table.path.name)
    for numbers, columns in table.batches():
        yield from columnar_path.convert_batch(converter, numbers, columns)


def read_records_per_row(table: Table) -> Iterator[PatentRecord | RowError]:
    """The same as :func:`read_records`, one row at a time (the reference the columnar path is tested against)."""
    converter = RowConverter(table.mapping, table.headers, file=table.path.name)
    for number, cells in table.rows():
        record, errors = converter.convert(cells, number)
        yield from errors
        if record is not None:
            yield record
