"""`panhuo serve` and `panhuo demo-accounts`: run the web platform on a workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from panhuo.clitools import emit, state


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo-seed")(demo_seed)


def serve(ctx: typer.Context,
          host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
          workers: Annotated[int, typer.Option("--workers", help="Worker processes (one per core; each has its "
                                                                  "own SO_REUSEPORT socket).")] = 1) -> None:
    """Serve the web platform and the /api/v1 API for the workspace.

    Example: panhuo -w ~/panhuo-demo serve --port 8000
    """
    import os

    from panhuo.db import get_engine, migrate
    from panhuo.web import serving
    from panhuo.web.app import secret_key

    settings = state(ctx).settings
    migrate(get_engine(settings.db_url))
    secret_key(settings)  # made once here, before the workers start, so that they all sign with one key
    os.environ["PANHUO_WORKSPACE"] = str(settings.workspace)
    if settings.db:
        os.environ["PANHUO_DB"] = settings.db
    serving.serve(host=host, port=port, workers=workers)


def demo_seed(ctx: typer.Context,
              patents: Annotated[int, typer.Option("--patents", help="Synthetic patents to create.")] = 24,
              json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")] = False) -> None:
    """Create demo organisations, one account per role and synthetic patents; print the accounts.

    Example: panhuo -w ~/panhuo-demo demo-seed
    """
    from panhuo.db import migrate
    from panhuo.web.demo import seed_demo

    st = state(ctx)
    migrate(st.engine)
    with st.session() as db:
        accounts = seed_demo(db, patents=patents)
    for account in accounts:
        if json_out:
            emit(account)
        else:
            typer.echo(f"{account['role']:<22} {account['username']:<14} {account['password']}  "
                       f"({account['organisation']})")
