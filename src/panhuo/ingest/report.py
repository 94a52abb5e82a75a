"""Error reports of an import: ``<workspace>/reports/import-<id>-errors.xlsx`` and ``.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from panhuo.ingest.records import RowError

COLUMNS = ("file", "row", "field", "value", "reason", "code", "fatal")
HEADERS_ZH = ("文件 file", "行 row", "字段 field", "值 value", "原因 reason", "代码 code", "整行未导入 rejected")
XLSX_MAX_ROWS = 1_048_575


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, bool)):
        return value
    text = str(value)
    return text if len(text) <= 500 else text[:497] + "…"


def write_reports(directory: Path, job_id: int, errors: list[RowError], summary: dict) -> tuple[Path, Path]:
    """Write the JSON report (summary + every error) and the xlsx report; returns (xlsx, json) paths."""
    import xlsxwriter

    directory.mkdir(parents=True, exist_ok=True)
    base = directory / f"import-{job_id}-errors"
    json_path, xlsx_path = base.with_suffix(".json"), base.with_suffix(".xlsx")
    payload = {"import_id": job_id, "summary": summary,
               "errors": [{k: _cell(v) for k, v in e.as_dict().items()} for e in errors]}
    json_path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True, "strings_to_numbers": False,
                                                "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("errors")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS_ZH, bold)
    for i, error in enumerate(errors[:XLSX_MAX_ROWS], start=1):
        data = error.as_dict()
        sheet.write_row(i, 0, [_cell(data[c]) if c != "value" else _cell(str(data[c])) for c in COLUMNS])
    sheet.set_column(0, 0, 28)
    sheet.set_column(2, 3, 20)
    sheet.set_column(4, 4, 60)
    summary_sheet = book.add_worksheet("summary")
    for i, (key, value) in enumerate(summary.items()):
        summary_sheet.write_row(i, 0, [key, json.dumps(value, ensure_ascii=False, default=str)
                                       if isinstance(value, (dict, list)) else value])
    book.close()
    return xlsx_path, json_path
