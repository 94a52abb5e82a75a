"""`panhuo report metrics` and `panhuo report export`: the 统计 of the whole chain."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from panhuo.clitools import console, emit, fail, state
from panhuo.reports import definitions, export
from panhuo.reports import service as reports_service
from panhuo.reports.rules import Metric

InstitutionOpt = Annotated[Optional[str], typer.Option("--institution", "-i",
                                                       help="Institution id or exact name (default: all).")]
DepartmentOpt = Annotated[Optional[str], typer.Option("--department", help="Department id or exact name.")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="Count facts up to this date YYYY-MM-DD.")]
DefsOpt = Annotated[Optional[Path], typer.Option("--definitions", help="Your own metric definitions (YAML).")]


def _org_id(session, ref: str | None, what: str) -> int | None:
    if ref is None:
        return None
    from panhuo.fees.service import resolve_institution

    org = resolve_institution(db_session=session, ref=ref.strip())
    if org is None:
        fail(f"no {what} with id or name {ref!r}")
    return org.id


def _inputs(as_of: str | None, defs: Path | None) -> tuple[date | None, definitions.MetricSet]:
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}")
    try:
        return day, definitions.load(str(defs) if defs else None)
    except definitions.DefinitionError as exc:
        fail(str(exc))


def _compute(ctx, institution, department, day, mset) -> list[Metric]:
    with state(ctx).session() as session:
        inst = _org_id(session, institution, "institution")
        dept = _org_id(session, department, "department")
        return reports_service.metrics(db_session=session, institution_id=inst, department_id=dept, as_of=day,
                                       metric_set=mset)


def _shown(m: Metric) -> str:
    if m.value is None:
        return "—"
    if m.kind == "rate":
        return f"{m.value:.1%}"
    return f"{m.value:,.2f}" if m.kind == "amount" else f"{m.value:,.0f}"


def report_metrics(
    ctx: typer.Context,
    institution: InstitutionOpt = None,
    department: DepartmentOpt = None,
    as_of: AsOfOpt = None,
    defs: DefsOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON line per metric.")] = False,
) -> None:
    """Print the 统计 metrics: 盘点率, 入库率, 实施率, 许可率, transactions and fees, with numerator and denominator.

    Example: panhuo report metrics --institution 山东理工大学 --json
    """
    day, mset = _inputs(as_of, defs)
    found = _compute(ctx, institution, department, day, mset)
    if json_out:
        for m in found:
            emit(m.to_dict())
        return
    table = Table(title=f"统计 metrics ({mset.label})")
    for head in ("指标", "值", "分子", "分母", "证据", "说明"):
        table.add_column(head)
    for m in found:
        num = "" if m.numerator is None else f"{m.numerator:,.0f}" if m.kind != "amount" else f"{m.numerator:,.2f}"
        den = "" if m.denominator is None else f"{m.denominator:,.0f}" if m.kind != "amount" \
            else f"{m.denominator:,.2f}"
        table.add_row(m.name, _shown(m), num, den, f"[{m.label}]", m.reason or "")
    console.print(table)


def report_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Workbook to write (.xlsx).")],
    institution: InstitutionOpt = None,
    department: DepartmentOpt = None,
    as_of: AsOfOpt = None,
    defs: DefsOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Emit a JSON line.")] = False,
) -> None:
    """Write the metrics workbook: one sheet per group (盘点入库, 实施与转化, 交易, 维持与年费) and the definitions.

    Example: panhuo report export --out 统计-2025.xlsx --institution 3
    """
    if out.suffix.lower() != ".xlsx":
        fail(f"--out must end in .xlsx, got {out.name}")
    day, mset = _inputs(as_of, defs)
    found = _compute(ctx, institution, department, day, mset)
    title = f"盘活统计 {day or date.today()}" + (f" · {institution}" if institution else "")
    export.write_metrics_xlsx(found, reports_service.definition_rows(mset), mset, out, title=title)
    summary = {"out": out, "metrics": len(found), "available": sum(m.available for m in found)}
    if json_out:
        emit(summary)
    else:
        console.print(f"wrote {out} ({summary['metrics']} metrics, {summary['available']} available)")


def register(app: typer.Typer) -> None:
    """Add ``metrics`` and ``export`` to the ``report`` group (created here if no other feature made it yet)."""
    group = next((g.typer_instance for g in app.registered_groups if g.name == "report"), None)
    if group is None:
        group = typer.Typer(help="Reports and statistics.", no_args_is_help=True)
        app.add_typer(group, name="report")
    group.command("metrics")(report_metrics)
    group.command("export")(report_export)
