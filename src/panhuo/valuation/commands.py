"""`panhuo evaluate` (whole portfolio), `panhuo evaluate explain NUMBER`, `panhuo evaluate history NUMBER`."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from panhuo.clitools import console, emit, err_console, fail, progress, state
from panhuo.patents import service as patent_service
from panhuo.valuation import engine
from panhuo.valuation import service as valuation_service
from panhuo.valuation.decisions import RulesError
from panhuo.valuation.tree import TreeError

evaluate_app = typer.Typer(help="分级分类评估: grade every patent and propose a disposition.",
                           invoke_without_command=True)

Scenario = Annotated[str, typer.Option("--scenario", "-s", help="许可转让 | 金融质押 | 分级管理 | 开放许可定价.")]
TreeFile = Annotated[Path | None, typer.Option("--tree", help="Your own indicator tree (YAML).", exists=False)]
RulesFile = Annotated[Path | None, typer.Option("--rules", help="Your own disposition table (YAML).")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default: today).")]
JsonOut = Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")]


def _method(scenario: str, tree: Path | None, rules: Path | None) -> engine.Method:
    try:
        return engine.load_method(tree_path=tree, scenario=scenario, rules_path=rules)
    except (TreeError, RulesError) as exc:
        fail(str(exc))


def _as_of(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, got {value!r}")


@evaluate_app.callback()
def evaluate(
    ctx: typer.Context,
    scenario: Scenario = engine.DEFAULT_SCENARIO,
    tree: TreeFile = None,
    rules: RulesFile = None,
    as_of: AsOf = None,
    force: Annotated[bool, typer.Option("--force", help="Store a new evaluation even when inputs are unchanged.")]
    = False,
    json_out: JsonOut = False,
) -> None:
    """Evaluate every in-force patent: scores, grade, disposition and fee facts, kept as history.

    Example: panhuo evaluate --scenario 许可转让 --json
    """
    if ctx.invoked_subcommand:
        return
    method = _method(scenario, tree, rules)
    day = _as_of(as_of)
    with state(ctx).session() as session, progress() as bar:
        task = bar.add_task("evaluating", total=None)
        summary = valuation_service.evaluate_portfolio(
            db_session=session, method=method, as_of=day, force=force, actor=f"cli:{getpass.getuser()}",
            on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    if json_out:
        emit(summary)
        return
    console.print(f"evaluated {summary['evaluated']} patents ({summary['scenario']}, {summary['method']}); "
                  f"stored {summary['stored']}, unchanged {summary['unchanged']}; "
                  f"grade or disposition changed for {summary['changed']} (audited, run {summary['run_id']})")
    table = Table("等级 grade", "n", "处置 disposition", "n")
    grades, disps = sorted(summary["grades"].items()), sorted(summary["dispositions"].items())
    for i in range(max(len(grades), len(disps))):
        g = grades[i] if i < len(grades) else ("", "")
        d = disps[i] if i < len(disps) else ("", "")
        table.add_row(g[0], str(g[1]), d[0], str(d[1]))
    console.print(table)


@evaluate_app.command("explain")
def explain(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Application, publication or grant number.")],
    scenario: Scenario = engine.DEFAULT_SCENARIO,
    tree: TreeFile = None,
    rules: RulesFile = None,
    as_of: AsOf = None,
    json_out: JsonOut = False,
) -> None:
    """Explain one patent's grade and disposition: indicators, values, weights, confidence, rules.

    Example: panhuo evaluate explain CN202010123456.7
    """
    method = _method(scenario, tree, rules)
    with state(ctx).session() as session:
        patent = patent_service.get_by_number(db_session=session, number=number)
        if patent is None:
            fail(f"no patent with number {number!r} in this workspace")
        out = valuation_service.explain(db_session=session, patent_id=patent.id, method=method,
                                        as_of=_as_of(as_of))
    if json_out:
        emit(out)
        return
    _print_explanation(out)


def _print_explanation(out: dict) -> None:
    d = out["decision"]
    console.print(f"[bold]{out['application_no']}[/bold]  {out['scenario']}  综合 {out['composite']}  "
                  f"置信度 {out['confidence']}  等级 [bold]{out['grade']}[/bold]  处置 [bold]{d['disposition']}[/bold]")
    table = Table("指标 indicator", "数据 value", "得分 score", "置信 conf", "权重 weight")
    for dim in out["dimensions"]:
        table.add_row(f"[bold]{dim['zh']}[/bold]", "", _s(dim["score"]), _s(dim["confidence"]), _s(dim["weight"]))
        for ind in dim["indicators"]:
            table.add_row(f"  {ind['zh']}", "", _s(ind["score"]), _s(ind["confidence"]), _s(ind["weight"]))
            for leaf in ind["subindicators"]:
                value = "缺失 missing" if leaf["missing"] else _s(leaf["value"])
                table.add_row(f"    {leaf['zh']}", value, _s(leaf["score"]), _s(leaf["confidence"]),
                              _s(leaf["weight"]))
    console.print(table)
    console.print(f"规则 rule {d['rule']}: {d['zh']} ({d['basis']})")
    for c in d["conditions"]:
        console.print(f"  ✓ {c.get('field', 'any')} {c.get('op', '')} {c.get('value', '')} (actual {c.get('actual')})")
    for s in d["not_fired"]:
        f = s["failed"]
        console.print(f"  ✗ {s['rule']} → {s['disposition']}: {f.get('field', 'any')} {f.get('op', '')} "
                      f"{f.get('value', '')} (actual {f.get('actual')})", style="dim")
    fees = out["fees"]
    console.print(f"年费 next fee {fees['next_fee']} on {fees['next_due_date']}; to expiry {fees['cost_to_expiry']}; "
                  f"费减 window ends {fees['reduction_window_end']}")
    if out.get("stored"):
        st = out["stored"]
        console.print(f"stored evaluation #{st['evaluation_id']} ({st['created_at']:%Y-%m-%d}): {st['grade']} "
                      f"{st['disposition']}, same inputs: {st['same_inputs']}")


def _s(value) -> str:
    return "" if value is None else str(value)


@evaluate_app.command("history")
def history(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Application, publication or grant number.")],
    json_out: JsonOut = False,
) -> None:
    """List every stored evaluation of one patent, newest first.

    Example: panhuo evaluate history CN202010123456.7 --json
    """
    with state(ctx).session() as session:
        patent = patent_service.get_by_number(db_session=session, number=number)
        if patent is None:
            fail(f"no patent with number {number!r} in this workspace")
        rows = [{"id": e.id, "created_at": e.created_at, "scenario": e.scenario, "tree": f"{e.tree_id}@{e.tree_version}",
                 "as_of": e.as_of, "composite": e.composite, "confidence": e.confidence, "grade": e.grade,
                 "disposition": e.disposition, "rule": e.rule_id, "input_hash": e.input_hash[:12]}
                for e in valuation_service.history(db_session=session, patent_id=patent.id)]
    if json_out:
        for r in rows:
            emit(r)
        return
    if not rows:
        err_console.print("no evaluations yet: run `panhuo evaluate`")
    table = Table(*rows[0].keys()) if rows else None
    for r in rows:
        table.add_row(*[str(v) for v in r.values()])
    if table:
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(evaluate_app, name="evaluate")
