"""The `panhuo` command: root options, workspace commands, and every feature's commands.

Each feature keeps its commands in ``<feature>/commands.py`` with a ``register(app)`` function;
they are listed once, below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from panhuo import __version__
from panhuo.clitools import AppState, emit, state
from panhuo.config import get_settings
from panhuo import workspace as workspace_service

app = typer.Typer(
    name="panhuo",
    help="盘活 Panhuo — inventory, grade, match and license stock patents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[Optional[Path], typer.Option("--workspace", "-w", envvar="PANHUO_WORKSPACE",
                                                      help="Workspace folder (default: current folder).")] = None,
    db: Annotated[Optional[str], typer.Option("--db", envvar="PANHUO_DB",
                                              help="Database URL, e.g. postgresql+psycopg://user@host/panhuo.")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", envvar="PANHUO_DATA",
                                                 help="Reference data directory.")] = None,
) -> None:
    """盘活 Panhuo command line."""
    ctx.obj = AppState(settings=get_settings(workspace=workspace, db=db, data=data))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def init(
    ctx: typer.Context,
    directory: Annotated[Optional[Path], typer.Argument(help="Workspace folder to create.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Emit a JSON line.")] = False,
) -> None:
    """Create a workspace: panhuo.toml, the database (SQLite WAL unless --db) and index folders.

    Example: panhuo init ~/panhuo-zju
    """
    st = state(ctx)
    target = (directory or st.settings.workspace).resolve()
    result = workspace_service.init_workspace(target, db_url=st.settings.db)
    if json_out:
        emit(result)
    else:
        typer.echo(f"workspace ready: {result['workspace']}\ndatabase: {result['database']}")


@app.command()
def demo(
    ctx: typer.Context,
    synthetic_rows: Annotated[int, typer.Option("--synthetic-rows", help="Synthetic patents to add (marked).")] = 1000,
    serve: Annotated[bool, typer.Option("--serve", help="Serve the web UI when the workspace is ready.")] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8000,
    json_out: Annotated[bool, typer.Option("--json", help="Emit one JSON line per step.")] = False,
) -> None:
    """Build the demo workspace and run the main job: import, 入库, evaluate, index, match, summary.

    Example: panhuo --workspace demo-workspace demo --serve
    """
    from panhuo.demo import build_demo

    st = state(ctx)

    def say(step: str, data: dict) -> None:
        if json_out:
            emit({"step": step, **data})
        else:
            typer.echo(f"[{step}] " + ", ".join(f"{k}={v}" for k, v in data.items() if k != "accounts"))

    summary = build_demo(st.settings, synthetic_rows=synthetic_rows, say=say)
    if not json_out:
        typer.echo("\n演示账号 / demo accounts:")
        for account in summary["accounts"]:
            typer.echo(f"  {account['role']:<22} {account['username']:<14} {account['password']}  "
                       f"({account['organisation']})")
    if serve:
        import uvicorn

        from panhuo.web.app import create_app

        typer.echo(f"\nPanhuo: http://127.0.0.1:{port}/  (Ctrl+C to stop)")
        uvicorn.run(create_app(st.settings), host="127.0.0.1", port=port, log_level="warning")


def _register_features() -> None:
    from panhuo.fees import commands as fees_commands
    from panhuo.ingest import commands as ingest_commands
    from panhuo.licensing import commands as licensing_commands
    from panhuo.matching import commands as matching_commands
    from panhuo.patents import commands as patents_commands
    from panhuo.search import commands as search_commands
    from panhuo.valuation import commands as valuation_commands
    from panhuo.reports import commands as reports_commands
    from panhuo.reports import portfolio_commands
    from panhuo.web import commands as web_commands
    from panhuo.taxonomy import commands as taxonomy_commands
    from panhuo.library import commands as library_commands

    for module in (patents_commands, fees_commands, ingest_commands, search_commands, valuation_commands,
                   portfolio_commands, licensing_commands, matching_commands, reports_commands,
                   web_commands, taxonomy_commands, library_commands):
        module.register(app)


_register_features()


def main() -> None:
    app()
