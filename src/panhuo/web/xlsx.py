"""Excel exports (xlsxwriter, in memory)."""

from __future__ import annotations

import io
from datetime import date, datetime

import xlsxwriter

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value)
    return value


def workbook(rows: list[dict], *, sheet: str = "sheet1", headers: list[str] | None = None,
             labels: dict[str, str] | None = None) -> bytes:
    """One sheet with a header row (``labels`` renames columns) and the rows; dates are formatted."""
    headers = headers or (list(rows[0]) if rows else [])
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    ws = book.add_worksheet(sheet[:31])
    bold, day = book.add_format({"bold": True, "bg_color": "#e4e8ec"}), book.add_format({"num_format": "yyyy-mm-dd"})
    for col, name in enumerate(headers):
        ws.write(0, col, (labels or {}).get(name, name), bold)
        ws.set_column(col, col, 16)
    for r, row in enumerate(rows, start=1):
        for col, name in enumerate(headers):
            value = _cell(row.get(name))
            if isinstance(value, datetime):
                ws.write_datetime(r, col, value.replace(tzinfo=None), day)
            elif isinstance(value, date):
                ws.write_datetime(r, col, datetime(value.year, value.month, value.day), day)
            else:
                ws.write(r, col, value)
    ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
