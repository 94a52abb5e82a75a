"""`panhuo match`, `panhuo demands …`, `panhuo push`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from panhuo.clitools import console, emit, fail, read_jsonl, state
from panhuo.matching import rules
from panhuo.matching import service as matching_service
from panhuo.patents import service as patent_service
from panhuo.search.service import IndexMissing

demands_app = typer.Typer(help="Enterprise technology demands (企业出题).", no_args_is_help=True)


def match(
    ctx: typer.Context,
    demands: Annotated[Path, typer.Option("--demands", help="JSON Lines file of {id,title,text}; - for stdin.",
                                          allow_dash=True)],
    top: Annotated[int, typer.Option(help="Patents per demand.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines (the default output here).")] = True,
) -> None:
    """Rank the library's patents for each demand, with the reasons.

    Reads {"id","title","text"} lines; writes {"id","results":[{"patent","score","why"}…]} lines.

    Example: panhuo match --demands needs.jsonl --top 20 --json
    """
    st = state(ctx)
    source = sys.stdin if str(demands) == "-" else demands.open(encoding="utf-8")
    with st.session() as session:
        try:
            for out in matching_service.match_records(db_session=session, records=read_jsonl(source), top=top,
                                                      workspace=st.settings.workspace):
                emit(out)
        except IndexMissing as exc:
            fail(str(exc))


@demands_app.command("import")
def import_demands(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or Excel file of demands.")],
    refresh: Annotated[bool, typer.Option(help="Rank patents for the imported demands now.")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Emit a JSON summary line.")] = False,
) -> None:
    """Import demands (title, text, enterprise, region, industry, budget, mode, deadline).

    Example: panhuo demands import Requirements.csv --json
    """
    st = state(ctx)
    with st.session() as session:
        try:
            result = matching_service.import_demands(db_session=session, path=file)
        except (matching_service.MatchingError, rules.DemandRowError) as exc:
            fail(str(exc))
        summary = {"created": result.created, "updated": result.updated, "errors": len(result.errors)}
        if refresh and result.demand_ids:
            try:
                summary["refresh"] = matching_service.refresh_stale(db_session=session,
                                                                    workspace=st.settings.workspace)
            except IndexMissing as exc:
                summary["refresh"] = {"skipped": str(exc)}
    if json_out:
        emit({**summary, "problems": result.errors})
        return
    console.print(f"demands: {result.created} new, {result.updated} updated, {len(result.errors)} problems")
    for problem in result.errors[:20]:
        console.print(f"  row {problem['row']} {problem['field']}: {problem['reason']}", markup=False)


@demands_app.command("refresh")
def refresh_demands(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Refresh even demands that are up to date.")] = False,
    top: Annotated[int, typer.Option(help="Patents kept per demand.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Emit a JSON line.")] = False,
) -> None:
    """Re-rank patents for demands whose matches predate the current library index.

    Example: panhuo demands refresh --json
    """
    st = state(ctx)
    with st.session() as session:
        try:
            result = matching_service.refresh_stale(db_session=session, top=top, workspace=st.settings.workspace,
                                                    force=force)
        except IndexMissing as exc:
            fail(str(exc))
    emit(result) if json_out else console.print(result)


@demands_app.command("list")
def list_demands(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="open / answered / closed")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")] = False,
) -> None:
    """List demands with their best match.

    Example: panhuo demands list --status open
    """
    with state(ctx).session() as session:
        rows = matching_service.list_demands(db_session=session, status=status, limit=limit)
        table = Table("id", "需求", "状态", "最佳匹配", "得分")
        for d in rows:
            best = d.matches[0] if d.matches else None
            record = {"id": d.id, "title": d.title, "status": d.status, "keywords": d.keywords,
                      "best_patent_id": best.patent_id if best else None, "best_score": best.score if best else None}
            if json_out:
                emit(record)
            else:
                table.add_row(str(d.id), d.title[:40], d.status, str(record["best_patent_id"] or ""),
                              f"{best.score:.4f}" if best else "")
        if not json_out:
            console.print(table)


def push(
    ctx: typer.Context,
    numbers: Annotated[list[str], typer.Argument(help="Patent numbers (application, publication or grant).")],
    top: Annotated[int, typer.Option(help="Enterprises to propose.")] = 10,
    region: Annotated[str | None, typer.Option(help="GB/T 2260 prefix of the target region, e.g. 37.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")] = False,
) -> None:
    """Rank enterprises (from demands and enterprise profiles) for one or more patents, with reasons.

    Example: panhuo push CN201810392222.0 --region 37 --top 10 --json
    """
    with state(ctx).session() as session:
        ids = []
        for number in numbers:
            patent = patent_service.get_by_number(db_session=session, number=number)
            if patent is None:
                fail(f"no patent with number {number!r} in this workspace")
            ids.append(patent.id)
        try:
            ranked = matching_service.enterprises_for_patents(db_session=session, patent_ids=ids, top=top,
                                                              region_prefix=region)
        except matching_service.MatchingError as exc:
            fail(str(exc))
    for item in ranked:
        if json_out:
            emit(item)
        else:
            console.print(f"{item['score']:.3f}  {item['enterprise']}  — {'; '.join(item['why']['reasons'])}",
                          markup=False)


def register(app: typer.Typer) -> None:
    app.command("match")(match)
    app.command("push")(push)
    app.add_typer(demands_app, name="demands")
