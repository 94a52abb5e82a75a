"""`panhuo data status|add`, `panhuo taxonomy ipc|map|train|coverage`, `panhuo classify`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from panhuo.clitools import console, emit, err_console, fail, state
from panhuo.taxonomy import catalog as catalog_rules
from panhuo.taxonomy import coverage as coverage_rules
from panhuo.taxonomy import datasets, reference, requests
from panhuo.taxonomy import ipc as ipc_rules
from panhuo.taxonomy import service as taxonomy_service

data_app = typer.Typer(help="Reference data sets and official tables.", no_args_is_help=True)
taxonomy_app = typer.Typer(help="IPC, 国民经济行业, 战略性新兴产业, WIPO fields.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")]


@data_app.command("status")
def data_status(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List the reference sets (present?, edition, rows, source) and the official tables imported.

    Example: panhuo data status --json
    """
    st = state(ctx)
    rows = datasets.status(st.settings.data, st.settings.workspace)
    if json_out:
        for row in rows:
            emit(row)
        return
    table = Table("set", "present", "edition", "rows", "source")
    for r in rows:
        present = ("yes (workspace)" if r["kind"] == "workspace" else "yes") if r["present"] else "MISSING"
        table.add_row(r["set"], present, str(r["edition"] or ""),
                      "" if r["rows"] is None else f"{r['rows']:,}", (r["source"] or "")[:70])
    console.print(table)
    missing = [r["set"] for r in rows if not r["present"]]
    if missing:
        console.print(f"missing sets: {', '.join(missing)} — features degrade (codes without titles, "
                      f"unmapped industries). Data directory: {st.settings.data}")


@data_app.command("add")
def data_add(ctx: typer.Context, directory: Annotated[Path, typer.Argument(help="Folder with official files.")],
             edition: Annotated[str | None, typer.Option(help="Edition of the reference-set files, e.g. "
                                                                "'IPC 2027.01' (default: from the file name).")] = None,
             json_out: JsonOpt = False) -> None:
    """Register the files found in a folder with the workspace: official tables (NBS 2018 IPC–国民经济行业,
    CNIPA 2021 SEI–IPC; .xlsx, .csv or .docx) take precedence over derived mappings; reference-set files in
    a known layout (e.g. a newer IPC edition, ipc_zh_*.csv) replace the data directory's set.

    Example: panhuo data add ~/Downloads/cnipa-tables
    """
    st = state(ctx)
    try:
        records = datasets.add(directory.expanduser(), st.settings.workspace, edition=edition)
    except FileNotFoundError as exc:
        fail(str(exc))
    reference.clear_caches()  # a registered set replaces what this process may have loaded
    catalog_rules.interim_rows.cache_clear()
    if not records:
        fail(f"no .xlsx/.csv/.tsv/.docx files in {directory}")
    for r in records:
        if json_out:
            emit(r)
        elif r.get("kind") == "reference set":
            typer.echo(f"{r['file']}: reference set {r['table']} ({r['edition']}), {r['rows']} rows — replaces "
                       f"the data directory's set in this workspace")
        elif r["imported"]:
            typer.echo(f"{r['file']}: {r['table']} — {r['rows']} rows, {r['targets']} targets, "
                       f"{r['problem_count']} problems")
            for problem in r["problems"][:10]:
                typer.echo(f"  {problem}")
        else:
            typer.echo(f"{r['file']}: not imported — {r['error']}")
    if not any(r["imported"] for r in records):
        raise typer.Exit(1)


@taxonomy_app.command("ipc")
def ipc_show(ctx: typer.Context, code: Annotated[str, typer.Argument(help="IPC symbol in any spelling.")],
             children: Annotated[int, typer.Option("--children", help="Children listed (all with --json).",
                                                   min=0)] = 20,
             json_out: JsonOpt = False) -> None:
    """Normalise an IPC symbol and show its titles at every level, its children (and an edition move, if any).

    Example: panhuo taxonomy ipc "H01M 10/0525"
    """
    try:
        st = state(ctx)
        info = taxonomy_service.ipc_info(code, data_dir=datasets.effective_data_dir(st.settings.data,
                                                                                    st.settings.workspace))
    except ipc_rules.IpcError as exc:
        fail(str(exc))
    if json_out:
        emit(info)
        return
    typer.echo(f"{info['display']}  ({info['level']}; compact {info['code']}; WIPO {info['wipo14']})")
    for node in info["hierarchy"]:
        typer.echo(f"  {node['code']:<14} {node['title_zh'] or '—'} | {(node['title_en'] or '—')[:80]}")
    if info["children"]:
        typer.echo(f"  children ({len(info['children'])}):")
        for node in info["children"][:children]:
            old = "  [older edition only]" if node["current"] is False else ""
            typer.echo(f"    {node['code']:<12} {(node['title_zh'] or node['title_en'] or '—')[:80]}{old}")
        if len(info["children"]) > children:
            typer.echo(f"    … {len(info['children']) - children} more (--children N)")
    if info["moved"]:
        typer.echo(f"  moved in IPC {info['moved']['edition']} to {', '.join(info['moved']['to'])}")
    for note in info["notes"]:
        typer.echo(f"  note: {note}")


@taxonomy_app.command("industry")
def industry_show(ctx: typer.Context, code: Annotated[str, typer.Argument(help="GB/T 4754-2017 code, e.g. 3841.")],
                  json_out: JsonOpt = False) -> None:
    """A GB/T 4754-2017 industry: name, 说明, hierarchy, children, SEI / 专利密集型 / other tags and the IPC
    areas that map into it (where an enterprise of that industry should look).

    Example: panhuo taxonomy industry 3841
    """
    st = state(ctx)
    cat = taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
    if not cat.industries:
        fail("reference set 'gbt4754-2017' is missing: industry names and 说明 are not available "
             "(panhuo data status)")
    info = taxonomy_service.industry_info(code, cat=cat)
    if info is None:
        fail(f"'{code}' is not a GB/T 4754-2017 code (门类 letter, or 2–4 digits: 38, 384, 3841)")
    if json_out:
        emit(info)
        return
    typer.echo(" > ".join(f"{n['code']} {n['name']}" for n in reversed(info["hierarchy"])))
    if info["remark"]:
        typer.echo(f"  说明: {info['remark']}")
    for label, key in (("children", "children"), ("战略性新兴产业", "sei"), ("专利密集型", "ip_dense"),
                       ("other tags", "other_tags")):
        values = [f"{v['code']} {v['name']}" if isinstance(v, dict) else v for v in info[key]]
        if values:
            typer.echo(f"  {label}: " + "; ".join(values[:12]) + (" …" if len(values) > 12 else ""))
    typer.echo("  IPC: " + ("; ".join(f"{i['ipc']} {i['weight']:.2f} [{i['source'].split(':')[0]}]"
                                      for i in info["ipc"]) or "— (no mapping reaches it)"))


@taxonomy_app.command("map")
def ipc_map(ctx: typer.Context, codes: Annotated[str, typer.Argument(help="IPC symbols, ';'-separated.")],
            json_out: JsonOpt = False) -> None:
    """IPC symbols → WIPO fields, GB/T 4754 industries, 战略性新兴产业, 专利密集型, 高技术产业/数字经济 and
    other tags (weights, sources).

    Example: panhuo taxonomy map "H01M10/0525; H01M4/13"
    """
    st = state(ctx)
    parsed, errors = ipc_rules.parse_many(codes)
    if not parsed:
        fail("; ".join(errors) or "no IPC symbol given")
    cat = taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
    result = taxonomy_service.classify_ipc([c.compact for c in parsed], cat=cat) | {"errors": errors}
    if json_out:
        emit(result)
        return
    for key in ("wipo", "industries", "sei", "ip_dense", "other_tags"):
        typer.echo(f"{key}:")
        for item in result[key] or [{"none": "—"}]:
            typer.echo("  " + "  ".join(str(v) for v in item.values()))
    for note in [f"missing set: {m}" for m in result["missing"]] + errors:
        typer.echo(f"note: {note}")


@taxonomy_app.command("train")
def train(
    ctx: typer.Context,
    holdout: Annotated[bool, typer.Option("--holdout", help="Keep the fixed test split out and report "
                                          "the model's metrics on it (else train on every title).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Train the text → IPC classifier (SVMs + reranker) from the data directory into <workspace>/models/.

    Example: panhuo taxonomy train --holdout
    """
    st = state(ctx)
    err_console.print("training the classifier (a few minutes on two cores)…")
    try:
        result = taxonomy_service.train(data_dir=datasets.effective_data_dir(st.settings.data, st.settings.workspace),
                                        workspace=st.settings.workspace, holdout=holdout,
                                        progress=lambda msg: err_console.print(f"  {msg}"))
    except LookupError as exc:
        fail(str(exc))
    if json_out:
        emit(result)
        return
    typer.echo(f"model: {result['model']} (train {result['train']}, test {result['test']})")
    m = result.get("test_metrics")
    if m:
        typer.echo(f"subclass micro-F1@1 {m['@1']['f1']:.3f}, @3 {m['@3']['f1']:.3f}, thresholded set "
                   f"{m['set']['f1']:.3f}, top-3 accuracy {m['@3']['accuracy']:.3f}")


@taxonomy_app.command("coverage")
def coverage(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Share of patents and of IPC subclasses that the IPC → 国民经济行业 mapping covers, by source,
    measured on the real titles of `cn-patent-titles-ipc`.

    Example: panhuo taxonomy coverage --json
    """
    st = state(ctx)
    cat = taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
    try:
        result = coverage_rules.coverage(cat)
    except LookupError as exc:
        fail(str(exc))
    if json_out:
        emit(result)
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")


def classify(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="Text to classify (else JSON Lines on stdin).")] = None,
    top: Annotated[int, typer.Option(help="Results per list.", min=1, max=10)] = 5,
    json_out: JsonOpt = False,
) -> None:
    """Free text → ranked IPC subclasses, WIPO fields and GB/T 4754 industries. With --json, reads
    {"id","text"} lines on stdin and writes {"id","ipc","wipo","industries"} lines; a bad line gives
    {"id","line","error"} in its place and the other lines are still classified.

    Example: echo '{"id":"d1","text":"锂离子电池正极材料"}' | panhuo classify --json
    """
    st = state(ctx)
    try:
        model = taxonomy_service.load_model(st.settings.workspace)
    except taxonomy_service.ModelMissing as exc:
        fail(str(exc))
    cat = taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
    if text is not None:
        result = taxonomy_service.classify_text(text, top, model=model, cat=cat)
        emit(result) if json_out else [typer.echo(f"{k}: {v}") for k, v in result.items()]
        return
    rejected = 0
    for batch in requests.line_batches(sys.stdin.buffer):
        answers: list[dict] = []
        good: list[tuple[int, str | int, str]] = []
        for number, line in batch:
            try:
                if isinstance(line, requests.RequestError):
                    raise line
                request_id, request_text = requests.parse_request(line)
                good.append((len(answers), request_id, request_text))
                answers.append({})
            except requests.RequestError as exc:  # a bad line is reported in place; the others are classified
                rejected += 1
                answers.append({"id": exc.id, "line": number, "error": str(exc)})
        results = taxonomy_service.classify_texts([t for _, _, t in good], top, model=model, cat=cat)
        for (slot, request_id, _), result in zip(good, results):
            answers[slot] = {"id": request_id, **result}
        for answer in answers:
            emit(answer)
        sys.stdout.flush()  # a caller waiting for this batch's answers gets them now
    if rejected:
        err_console.print(f"{rejected} line(s) not classified: see their \"error\" records", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
    app.add_typer(taxonomy_app, name="taxonomy")
    app.command("classify")(classify)
