"""`panhuo report portfolio --out FILE.xlsx`: the valuation workbook of the whole portfolio."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from panhuo.clitools import console, emit, fail, state
from panhuo.reports import portfolio
from panhuo.valuation import engine
from panhuo.valuation.decisions import RulesError
from panhuo.valuation.frame import build_frame
from panhuo.valuation.tree import TreeError


def report_portfolio(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Workbook to write (.xlsx).")],
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Evaluation scenario.")] = engine.DEFAULT_SCENARIO,
    tree: Annotated[Path | None, typer.Option("--tree", help="Your own indicator tree (YAML).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: today).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Emit a JSON line.")] = False,
) -> None:
    """Write the portfolio valuation workbook: summary with charts, one sheet per disposition.

    Example: panhuo report portfolio --out reports/portfolio-2025.xlsx
    """
    if out.suffix.lower() != ".xlsx":
        fail(f"--out must end in .xlsx, got {out.name}")
    try:
        method = engine.load_method(tree_path=tree, scenario=scenario)
        day = date.fromisoformat(as_of) if as_of else date.today()
    except (TreeError, RulesError, ValueError) as exc:
        fail(str(exc))
    with state(ctx).session() as session:
        frame = build_frame(session, as_of=day)
    if frame.height == 0:
        fail("no in-force patents in this workspace: import patents first")
    result = engine.evaluate_frame(frame, method, as_of=day)
    tables = portfolio.portfolio_tables(result, method.rules, as_of=day)
    portfolio.write_portfolio_xlsx(tables, out, title=f"专利分级分类评估 {day} · {scenario} · {method.tree.label}")
    summary = {"out": out, "patents": result.height,
               "dispositions": {d: len(rows) for d, rows in tables["by_disposition"].items()},
               "saving_10y": round(sum(a - k for _, a, k in tables["cost_curve"]), 2)}
    if json_out:
        emit(summary)
    else:
        console.print(f"wrote {out} ({result.height} patents; 10-year saving if 终止维持 is dropped: "
                      f"{summary['saving_10y']:,.0f} CNY)")


def register(app: typer.Typer) -> None:
    """Add ``portfolio`` to the ``report`` group (created here if no other feature made it yet)."""
    group = next((g.typer_instance for g in app.registered_groups if g.name == "report"), None)
    if group is None:
        group = typer.Typer(help="Reports and statistics.", no_args_is_help=True)
        app.add_typer(group, name="report")
    group.command("portfolio")(report_portfolio)
