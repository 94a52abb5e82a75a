"""`panhuo import FILE…` and `panhuo generate-export`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from panhuo.clitools import console, emit, err_console, fail, progress, state
from panhuo.ingest import flows


def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="CSV / TSV / xlsx exports (incoPat, 61-column, CNKI, template).")],
    institution: Annotated[Optional[str], typer.Option(help="Institution that owns these patents.")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="Header map: export61, incopat, cnki, "
                                                                 "inventory_template (default: detect).")] = None,
    mapping: Annotated[Optional[Path], typer.Option(help="Your own header map (YAML) for any other export.")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="Excel sheet name or 0-based index.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Emit the summary as one JSON line.")] = False,
) -> None:
    """Import patent exports: upsert on the application number, keep edited fields, write an error report.

    Example: panhuo import 专利总表.csv incopat.xlsx --institution 浙江大学
    """
    st = state(ctx)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        fail(f"no such file: {', '.join(missing)}")
    user = f"cli:{getpass.getuser()}"
    try:
        flows.check_arguments(institution=institution, user=user)
    except ValueError as exc:
        fail(str(exc))
    with progress(disable=json_out) as bar:
        task = bar.add_task("importing", total=None)
        result = flows.import_files(
            engine=st.engine, paths=files, workspace=st.settings.workspace, institution=institution, fmt=fmt,
            mapping_file=mapping, sheet=sheet, user=user,
            progress=lambda name, n: bar.update(task, advance=n, description=f"importing {name}"))
    if json_out:
        emit(result.as_dict())
    else:
        _print_summary(result)
    unreadable = [f for f in result.files if "error" in f]
    if unreadable and len(unreadable) == len(result.files):
        fail(unreadable[0]["error"], report=result.report_xlsx)


def _print_summary(result: flows.ImportResult) -> None:
    c = result.counts
    table = RichTable("导入 imported", "更新 updated", "未变 unchanged", "拒绝 rejected", "字段错误 field errors")
    table.add_row(*(str(c[k]) for k in ("imported", "updated", "unchanged", "rejected", "field_errors")))
    console.print(table)
    for f in result.files:
        if "error" in f:
            err_console.print(f"error: {f['error']}", markup=False, highlight=False)
        else:
            console.print(f"{f['file']}: {f['format']}, {f['rows']} rows", markup=False, highlight=False)
    if c["by_reason"]:
        console.print("problems by reason: " + ", ".join(f"{k} {v}" for k, v in c["by_reason"].items()),
                      markup=False, highlight=False)
    console.print(f"report: {result.report_xlsx}", markup=False, highlight=False)


def generate_export(
    out: Annotated[Path, typer.Argument(help="Output file (.csv or .xlsx).")],
    rows: Annotated[int, typer.Option(help="Number of synthetic patents.")] = 1000,
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx (default: from the file name).")] = "",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same file).")] = 1,
    json_out: Annotated[bool, typer.Option("--json", help="Emit a JSON line.")] = False,
) -> None:
    """Write a synthetic 61-column export (every row marked synthetic) for demos and benchmarks.

    Example: panhuo generate-export --rows 100000 --format xlsx demo.xlsx
    """
    from panhuo.ingest import synthetic

    kind = (fmt or out.suffix.lstrip(".")).lower()
    if kind not in ("csv", "xlsx"):
        fail(f"unknown format {kind!r}: use csv or xlsx")
    written = synthetic.write_export(out, rows=rows, fmt=kind, seed=seed)
    if json_out:
        emit({"file": str(out), "rows": written, "format": kind})
    else:
        typer.echo(f"{written} synthetic rows → {out}")


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("generate-export")(generate_export)
