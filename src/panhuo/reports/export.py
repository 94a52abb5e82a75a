"""The metrics workbook (xlsxwriter): one sheet per metric group and a definitions sheet with sources."""

from __future__ import annotations

import json
from pathlib import Path

import xlsxwriter

from panhuo.reports.definitions import MetricSet
from panhuo.reports.rules import Metric

HEADERS = ("指标 Metric", "ID", "值 Value", "分子 Numerator", "分母 Denominator", "可用 Available", "说明 Reason",
           "证据 Label", "明细 Breakdown")
DEF_HEADERS = ("ID", "分组 Group", "指标", "Metric", "类型 Kind", "分子 Numerator", "分母 Denominator",
               "变体 Variants", "证据 Label", "来源 Source", "说明 Notes")
LABEL_TEXT = {"C": "[C] 已确认", "S": "[S] 二手来源", "U": "[U] 未确认·可配置", "I": "[I] 推断/设计"}


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}-{n}"
        n += 1
    used.add(name)
    return name


def write_metrics_xlsx(found: list[Metric], rows: list[dict], mset: MetricSet, out: Path, *, title: str) -> Path:
    """Write the workbook; rates are formatted as percentages, amounts in CNY."""
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    fmt = {"bold": wb.add_format({"bold": True}), "title": wb.add_format({"bold": True, "font_size": 14}),
           "rate": wb.add_format({"num_format": "0.0%"}), "amount": wb.add_format({"num_format": "#,##0.00"}),
           "count": wb.add_format({"num_format": "0"}), "grey": wb.add_format({"font_color": "#888888"}),
           "wrap": wb.add_format({"text_wrap": True, "valign": "top"})}
    used: set[str] = set()
    for group in mset.groups:
        members = [m for m in found if m.group == group["id"]]
        if members:
            _group_sheet(wb.add_worksheet(_sheet_name(f"{group['zh']} {group['en']}", used)), members,
                         f"{title} · {group['zh']}", fmt)
    _definitions_sheet(wb.add_worksheet(_sheet_name("定义 Definitions", used)), rows, mset, fmt)
    wb.close()
    return out


def _group_sheet(ws, members: list[Metric], title: str, fmt: dict) -> None:
    ws.write(0, 0, title, fmt["title"])
    for col, head in enumerate(HEADERS):
        ws.write(2, col, head, fmt["bold"])
    for i, m in enumerate(members, start=3):
        ws.write(i, 0, m.name)
        ws.write(i, 1, m.id, fmt["grey"])
        if m.value is None:
            ws.write_blank(i, 2, None)
        else:
            ws.write_number(i, 2, m.value, fmt["rate" if m.kind == "rate" else m.kind])
        for col, val in ((3, m.numerator), (4, m.denominator)):
            if val is not None:
                ws.write_number(i, col, val)
        ws.write(i, 5, "是" if m.available else "否")
        ws.write(i, 6, m.reason or "")
        ws.write(i, 7, LABEL_TEXT.get(m.label, m.label))
        ws.write(i, 8, json.dumps(m.breakdown, ensure_ascii=False) if m.breakdown else "")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 5, 13)
    ws.set_column(6, 6, 40)
    ws.set_column(7, 7, 16)
    ws.set_column(8, 8, 60)
    ws.freeze_panes(3, 1)


def _definitions_sheet(ws, rows: list[dict], mset: MetricSet, fmt: dict) -> None:
    ws.write(0, 0, f"指标定义 Metric definitions · {mset.label} · effective {mset.effective_date}", fmt["title"])
    ws.write(1, 0, f"来源 Source: {mset.source}. 参数 Parameters: "
                   f"{json.dumps(mset.parameters, ensure_ascii=False)}")
    for col, head in enumerate(DEF_HEADERS):
        ws.write(3, col, head, fmt["bold"])
    keys = ("id", "group", "zh", "en", "kind", "numerator", "denominator", "variants", "label", "source", "notes")
    for i, row in enumerate(rows, start=4):
        for col, key in enumerate(keys):
            value = LABEL_TEXT.get(row[key], row[key]) if key == "label" else row[key]
            ws.write(i, col, value, fmt["wrap"] if key in ("source", "notes") else None)
    for col, width in enumerate((24, 12, 18, 26, 8, 40, 22, 10, 16, 50, 70)):
        ws.set_column(col, col, width)
    ws.freeze_panes(4, 1)
