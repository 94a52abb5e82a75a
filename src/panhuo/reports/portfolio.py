"""The portfolio valuation workbook (xlsx): a summary sheet with native charts and one sheet per disposition.

:func:`portfolio_tables` turns an evaluated frame (``valuation.engine.evaluate_frame``) into plain tables
(pure); :func:`write_portfolio_xlsx` writes them with xlsxwriter. Charts: grade distribution, disposition by
department, and the annual-fee cost curve (all patents vs. without the 终止维持 set) from ``panhuo.fees``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter

from panhuo.fees.engine import FeeCase, fee_years
from panhuo.fees.schedule import schedule_for
from panhuo.valuation.decisions import DISPOSITIONS

GRADE_ORDER = ("一级", "二级", "三级", "四级", "五级", "待定")
TYPE_ZH = {"invention": "发明", "utility_model": "实用新型", "design": "外观设计"}
DETAIL_COLUMNS = [  # (header, key, width)
    ("申请号 Application no.", "application_no", 20), ("名称 Title", "title", 36), ("类型 Type", "type_zh", 9),
    ("院系 Department", "department", 16), ("综合 Composite", "composite", 10), ("法律 Legal", "legal", 9),
    ("技术 Technical", "technical", 9), ("经济 Economic", "economic", 9), ("置信度 Confidence", "confidence", 10),
    ("等级 Grade", "grade", 8), ("规则 Rule", "rule_id", 24), ("下次缴费日 Next due", "next_due_date", 12),
    ("下次年费 Next fee (CNY)", "next_fee", 12), ("至届满年费 To expiry (CNY)", "cost_to_expiry", 14),
    ("说明 Explanation", "explanation", 80),
]


def explanation_text(row: dict, rules) -> str:
    """One line: the rule that fired, its reason, the scores and what evidence is missing."""
    rule = rules.rule(row["rule_id"])
    parts = [f"{rule.id}: {rule.zh}"]
    if row.get("composite") is not None:
        parts.append(f"综合 {row['composite']:.1f} (置信度 {row['confidence']:.2f})")
    if row.get("months_to_next_cliff") is not None:
        parts.append(f"{row['months_to_next_cliff']} 个月后年费升至 {row.get('cliff_ratio') or 0:.1f} 倍")
    for flag, text in (("pledge_active", "质押中"), ("exclusive_licence_active", "独占/排他许可中"),
                       ("funded_project", "财政资助"), ("enterprise_interest", "企业有需求")):
        if row.get(flag):
            parts.append(text)
    return "；".join(parts)


def portfolio_tables(result: pl.DataFrame, rules, *, as_of: date, years: int = 10) -> dict:
    """Detail rows per disposition, grade counts, disposition × department counts and the cost curve."""
    rows = result.with_columns(type_zh=pl.col("patent_type").replace_strict(TYPE_ZH, default="")).to_dicts()
    for r in rows:
        r["explanation"] = explanation_text(r, rules)
        r["department"] = r.get("department") or "（未分院系）"
    by_disp = {d: sorted((r for r in rows if r["disposition"] == d), key=lambda r: -(r["composite"] or 0))
               for d in DISPOSITIONS}
    grades = Counter(r["grade"] for r in rows)
    by_dept: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        by_dept[r["department"]][r["disposition"]] += 1
    return {"by_disposition": by_disp, "grades": [(g, grades.get(g, 0)) for g in GRADE_ORDER],
            "departments": {k: dict(v) for k, v in sorted(by_dept.items())},
            "cost_curve": cost_curve(rows, as_of=as_of, years=years)}


def cost_curve(rows: list[dict], *, as_of: date, years: int = 10) -> list[tuple[int, float, float]]:
    """(calendar year, fees for all patents, fees without the 终止维持 set), CNY, from the fee engine."""
    schedule = schedule_for(as_of)
    first = as_of.year
    total, kept = [0] * years, [0] * years
    for r in rows:
        if not r.get("filing_date") or not r.get("grant_date") or r.get("patent_type") not in TYPE_ZH:
            continue
        case = FeeCase(patent_type=r["patent_type"], filing_date=r["filing_date"], grant_date=r["grant_date"],
                       reduction_pct=int(r.get("reduction_pct") or 0), open_licence_since=r.get("open_licence_since"))
        for fy in fee_years(case, schedule):
            i = fy.due_date.year - first
            if fy.due_date >= as_of and 0 <= i < years:
                total[i] += fy.fee_fen
                if r["disposition"] != "终止维持":
                    kept[i] += fy.fee_fen
    return [(first + i, total[i] / 100, kept[i] / 100) for i in range(years)]


def write_portfolio_xlsx(tables: dict, out: Path, *, title: str) -> Path:
    """Write the workbook: 汇总 (with three charts) then one sheet per disposition."""
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out), {"default_date_format": "yyyy-mm-dd", "remove_timezone": True})
    bold = wb.add_format({"bold": True})
    _summary(wb, tables, title, bold)
    for disp in DISPOSITIONS:
        _detail(wb, disp, tables["by_disposition"][disp], bold)
    wb.close()
    return out


def _summary(wb, tables: dict, title: str, bold) -> None:
    ws = wb.add_worksheet("汇总 Summary")
    ws.write(0, 0, title, wb.add_format({"bold": True, "font_size": 14}))
    ws.write_row(2, 0, ["等级 Grade", "专利数 Patents"], bold)
    for i, (g, n) in enumerate(tables["grades"], start=3):
        ws.write_row(i, 0, [g, n])
    g_last = 2 + len(tables["grades"])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "专利数", "categories": ["汇总 Summary", 3, 0, g_last, 0],
                      "values": ["汇总 Summary", 3, 1, g_last, 1]})
    chart.set_title({"name": "价值等级分布 Grade distribution"})
    ws.insert_chart(2, 9, chart)

    top = g_last + 3
    ws.write_row(top, 0, ["院系 Department", *DISPOSITIONS], bold)
    depts = tables["departments"]
    for i, (dept, counts) in enumerate(depts.items(), start=top + 1):
        ws.write_row(i, 0, [dept, *[counts.get(d, 0) for d in DISPOSITIONS]])
    d_last = top + max(len(depts), 1)
    bar = wb.add_chart({"type": "bar", "subtype": "stacked"})
    for j, disp in enumerate(DISPOSITIONS, start=1):
        bar.add_series({"name": disp, "categories": ["汇总 Summary", top + 1, 0, d_last, 0],
                        "values": ["汇总 Summary", top + 1, j, d_last, j]})
    bar.set_title({"name": "各院系处置建议 Disposition by department"})
    ws.insert_chart(18, 9, bar)

    ctop = d_last + 3
    ws.write_row(ctop, 0, ["年份 Year", "全部 All (CNY)", "不含终止维持 Kept (CNY)", "节省 Saving (CNY)"], bold)
    curve = tables["cost_curve"]
    for i, (year, all_, kept) in enumerate(curve, start=ctop + 1):
        ws.write_row(i, 0, [year, all_, kept, all_ - kept])
    c_last = ctop + len(curve)
    line = wb.add_chart({"type": "line"})
    for j, name in ((1, "全部 All"), (2, "不含终止维持 Kept")):
        line.add_series({"name": name, "categories": ["汇总 Summary", ctop + 1, 0, c_last, 0],
                         "values": ["汇总 Summary", ctop + 1, j, c_last, j], "marker": {"type": "circle"}})
    line.set_title({"name": "年费成本曲线 Annual-fee cost curve"})
    ws.insert_chart(34, 9, line)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 4, 14)


def _detail(wb, disp: str, rows: list[dict], bold) -> None:
    ws = wb.add_worksheet(disp)
    for j, (header, _, width) in enumerate(DETAIL_COLUMNS):
        ws.write(0, j, header, bold)
        ws.set_column(j, j, width)
    for i, r in enumerate(rows, start=1):
        for j, (_, key, _) in enumerate(DETAIL_COLUMNS):
            value = r.get(key)
            if isinstance(value, float):
                value = round(value, 2)
            if value is not None:
                ws.write(i, j, value)
    ws.freeze_panes(1, 1)
    if rows:
        ws.autofilter(0, 0, len(rows), len(DETAIL_COLUMNS) - 1)
