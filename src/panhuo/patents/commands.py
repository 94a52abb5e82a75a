"""`panhuo patents list|show`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from panhuo.clitools import console, emit, fail, state
from panhuo.patents import service as patent_service

patents_app = typer.Typer(help="Browse patents in the workspace.", no_args_is_help=True)


@patents_app.command("list")
def list_patents(
    ctx: typer.Context,
    q: Annotated[Optional[str], typer.Option("--q", help="Substring of title or application number.")] = None,
    status: Annotated[Optional[str], typer.Option(help="Legal status: valid, pending, lapsed …")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")] = False,
) -> None:
    """List patents.

    Example: panhuo patents list --status valid --limit 20
    """
    with state(ctx).session() as session:
        rows = patent_service.list_patents(db_session=session, q=q, legal_status=status, limit=limit)
        if json_out:
            for p in rows:
                emit(patent_service.summary(p))
            return
        table = Table("申请号", "类型", "名称", "法律状态", "申请日")
        for p in rows:
            table.add_row(p.application_no, p.patent_type or "", p.title[:40], p.legal_status,
                          str(p.filing_date or ""))
        console.print(table)


@patents_app.command("show")
def show_patent(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Application, publication or grant number in any format.")],
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON.")] = False,
) -> None:
    """Show one patent with parties, events and field provenance.

    Example: panhuo patents show CN202223220665.2
    """
    with state(ctx).session() as session:
        patent = patent_service.get_by_number(db_session=session, number=number)
        if patent is None:
            fail(f"no patent with number {number!r} in this workspace")
        detail = patent_service.detail(patent)
        if json_out:
            emit(detail)
            return
        for key, value in detail.items():
            if value not in (None, [], {}, ""):
                console.print(f"[bold]{key}[/bold]: {value}")


def register(app: typer.Typer) -> None:
    app.add_typer(patents_app, name="patents")
