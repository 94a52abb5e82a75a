"""`panhuo search`, `panhuo index build`, `panhuo keywords`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from panhuo.clitools import console, emit, err_console, fail, read_jsonl, state
from panhuo.search import service as search_service

index_app = typer.Typer(help="Build and update the search index.", no_args_is_help=True)


@index_app.command("build")
def build_index(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option("--full", help="Rebuild everything instead of only new/changed patents.")]
    = False,
    json_out: Annotated[bool, typer.Option("--json", help="Emit a JSON line.")] = False,
) -> None:
    """Index the workspace's patents (lexical BM25 + dense vectors + keyphrases); incremental by default.

    Example: panhuo index build --full
    """
    st = state(ctx)

    def progress(done: int, total: int) -> None:
        err_console.print(f"indexed {done}/{total}", highlight=False)

    try:
        with st.session() as session:
            report = search_service.reindex(session, workspace=st.settings.workspace, incremental=not full,
                                            on_progress=progress)
    except search_service.IndexCorrupt as exc:
        fail(str(exc))
    if json_out:
        emit(report.__dict__)
    else:
        typer.echo(f"{report.total} patents: {report.added} added, {report.updated} updated, "
                   f"{report.removed} removed, {report.unchanged} unchanged in {report.seconds:.1f} s "
                   f"→ {report.index}")


def _filters(status: list[str] | None, ipc: list[str] | None, region: str | None, available: bool,
             min_grade: str | None, real_only: bool, industry: list[str] | None) -> search_service.SearchFilters:
    return search_service.SearchFilters(
        legal_status=tuple(status) if status else None, ipc_prefixes=tuple(ipc) if ipc else None,
        region_prefix=region, available_only=available, min_grade=min_grade, include_synthetic=not real_only,
        industries=tuple(industry) if industry else None)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What you are looking for, in Chinese, English or both.")],
    top: Annotated[int, typer.Option("--top", min=1, max=500, help="Number of results.")] = 20,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, lexical or dense.")] = "hybrid",
    status: Annotated[Optional[list[str]], typer.Option("--status", help="Keep these legal statuses.")] = None,
    ipc: Annotated[Optional[list[str]], typer.Option("--ipc", help="Keep IPC codes with this prefix.")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="Owner region code prefix, e.g. 33.")] = None,
    available: Annotated[bool, typer.Option("--available", help="Only patents free to license.")] = False,
    min_grade: Annotated[Optional[str], typer.Option("--min-grade", help="一级 … 五级: this grade or better.")] = None,
    industry: Annotated[Optional[list[str]], typer.Option(
        "--industry", help="GB/T 4754 code prefix: patents in that industry rank higher.")] = None,
    real_only: Annotated[bool, typer.Option("--real-only", help="Leave out synthetic records.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines, one hit per line.")] = False,
) -> None:
    """Find patents for a technology need, with the reasons for each hit.

    Example: panhuo search "锂电池 正极材料 回收" --top 10 --json
    """
    if mode not in search_service.MODES:
        fail(f"--mode must be one of {', '.join(search_service.MODES)}")
    st = state(ctx)
    with st.session() as session:
        try:
            hits = search_service.search(session, query, top=top, mode=mode, workspace=st.settings.workspace,
                                         filters=_filters(status, ipc, region, available, min_grade, real_only,
                                                          industry))
        except (search_service.IndexMissing, search_service.IndexCorrupt, ValueError) as exc:
            fail(str(exc))
    _print_hits(hits, json_out)


def similar(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Application, publication or grant number of the patent.")],
    top: Annotated[int, typer.Option("--top", min=1, max=200, help="Number of results.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines, one hit per line.")] = False,
) -> None:
    """Patents most like one patent (its text and keyphrases), with shared IPC subclasses and terms.

    Example: panhuo similar CN202310000001.5 --top 5 --json
    """
    from panhuo.patents import service as patent_service

    st = state(ctx)
    with st.session() as session:
        patent = patent_service.get_by_number(db_session=session, number=number)
        if patent is None:
            fail(f"no patent with number {number!r} in this workspace")
        try:
            hits = search_service.similar_patents(session, patent_id=patent.id, top=top,
                                                  workspace=st.settings.workspace)
        except (search_service.IndexMissing, search_service.IndexCorrupt) as exc:
            fail(str(exc))
    _print_hits(hits, json_out)


def _print_hits(hits: list, json_out: bool) -> None:
    if json_out:
        for hit in hits:
            emit({"patent": hit.why.get("application_no"), "patent_id": hit.patent_id, "score": hit.score,
                  "why": hit.why})
        return
    table = Table("#", "申请号", "名称", "score", "why")
    for n, hit in enumerate(hits, 1):
        why = hit.why
        reason = ", ".join(why["matched_terms"][:6]) or "semantic"
        if why.get("similarity") is not None:
            reason += f" · sim {why['similarity']:.2f}"
        if why.get("shared_ipc"):
            reason += f" · IPC {' '.join(why['shared_ipc'])}"
        table.add_row(str(n), why.get("application_no") or "", (why.get("title") or "")[:36], f"{hit.score:.2f}",
                      reason)
    console.print(table)


def keywords(
    ctx: typer.Context,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="Keyphrases per record.")] = 10,
    input_file: Annotated[Optional[Path], typer.Option("--input", "-i", help="JSON Lines file (default stdin).")]
    = None,
    json_out: Annotated[bool, typer.Option("--json", help="Emit JSON Lines (the default for this command).")]
    = True,
) -> None:
    """Tag texts with ranked keyphrases: reads {"id","text"[,"title"]} lines, writes {"id","keywords"}.

    Example: panhuo keywords --top 10 --json < demands.jsonl
    """
    st = state(ctx)
    source = input_file.open(encoding="utf-8") if input_file else sys.stdin
    try:
        for record in read_jsonl(source, required=("id", "text")):
            if not isinstance(record["text"], str):
                fail(f"record {record['id']!r}: text must be a string")
            found = search_service.keywords_for(record["text"], title=record.get("title"), top=top,
                                                workspace=st.settings.workspace)
            if json_out:
                emit({"id": record["id"], "keywords": found})
            else:
                typer.echo(f"{record['id']}\t{'，'.join(found)}")
    finally:
        if input_file:
            source.close()


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")
    app.command("search")(search)
    app.command("keywords")(keywords)
    app.command("similar")(similar)
