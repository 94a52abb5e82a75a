"""`panhuo library build|show|query|override|clusters` — the 转化资源库."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from panhuo.clitools import console, emit, fail, progress, state
from panhuo.library import service as library_service
from panhuo.patents.models import Patent
from panhuo.taxonomy import clusters as cluster_rules
from panhuo.taxonomy import service as taxonomy_service

library_app = typer.Typer(help="转化资源库: industries, SEI, clusters per patent; reviewer overrides.",
                          no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")]


def _clusters(st) -> list[cluster_rules.Cluster]:
    try:
        return cluster_rules.load_clusters(library_service.clusters_dir(st.settings.workspace))
    except cluster_rules.ClusterFileError as exc:
        fail(str(exc))


@library_app.command("build")
def build(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Classify every patent (WIPO field, GB/T 4754 industries, SEI, 专利密集型, cluster fits) and re-apply
    reviewer overrides. Patents without IPC are classified from their title and abstract once the text
    classifier is trained (sources text:classifier…).

    Example: panhuo library build
    """
    st = state(ctx)
    cat = taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
    clusters = _clusters(st)
    # patents without IPC (e.g. a CNKI export) are classified from their text when a model is trained
    classify = taxonomy_service.text_classifier(workspace=st.settings.workspace)
    with state(ctx).session() as session, progress(disable=json_out) as bar:
        task = bar.add_task("入库", total=None)
        result = library_service.build(session, catalog=cat, clusters=clusters, classify=classify,
                                       on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    if json_out:
        emit(result)
        return
    typer.echo(f"{result['patents']} patents, {result['rows']} assignments, {result['without_industry']} without "
               f"an industry, {result['classified_by_text']} without IPC classified from their title/abstract, "
               f"{result['overrides_applied']} overrides re-applied")
    if classify is None and result["without_industry"]:
        typer.echo("note: patents without IPC get no fields until a text classifier is trained "
                   "(`panhuo taxonomy train`); `library build` then classifies them from their title and abstract")
    for name in result["missing_sets"]:
        typer.echo(f"note: reference set '{name}' is missing: what needs it is left out (panhuo data status)")


@library_app.command("show")
def show(ctx: typer.Context, patent_id: Annotated[int, typer.Argument(help="Patent id.")],
         json_out: JsonOpt = False) -> None:
    """One patent's assignments by scheme, with weights and sources, and its overrides.

    Example: panhuo library show 42
    """
    st = state(ctx)
    cat = taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
    with st.session() as session:
        if session.get(Patent, patent_id) is None:
            fail(f"no patent with id {patent_id}")
        result = library_service.assignments(session, patent_id, catalog=cat, clusters=_clusters(st))
        history = [{"id": o.id, "scheme": o.scheme, "code": o.code, "action": o.action, "reviewer": o.reviewer,
                    "reason": o.reason, "at": o.created_at, "active": o.active}
                   for o in library_service.overrides(session, patent_id=patent_id)]
    if json_out:
        emit({"patent_id": patent_id, "assignments": result, "overrides": history})
        return
    if not result:
        typer.echo("no assignments: run `panhuo library build`")
    for scheme, items in result.items():
        typer.echo(f"{scheme}: " + "; ".join(f"{i['code']} {i['name'] or ''} {i['weight']:.2f} [{i['source']}]"
                                             for i in items))
    for h in history:
        typer.echo(f"override #{h['id']}: {h['action']} {h['scheme']} {h['code']} by {h['reviewer']} — {h['reason']}")


@library_app.command("query")
def query(
    ctx: typer.Context,
    industry: Annotated[str | None, typer.Option(help="GB/T 4754 code at any level, e.g. 38 or 3841.")] = None,
    cluster: Annotated[str | None, typer.Option(help="Cluster id, e.g. zj-415x-ict.")] = None,
    sei: Annotated[str | None, typer.Option(help="战略性新兴产业 category 1–9.")] = None,
    wipo: Annotated[str | None, typer.Option(help="WIPO field 1–35.")] = None,
    ip_dense: Annotated[bool | None, typer.Option("--ip-dense/--not-ip-dense",
                                                  help="Only 专利密集型 patents (or only the others).")] = None,
    region: Annotated[str | None, typer.Option(help="Owner region, GB/T 2260 prefix, e.g. 33.")] = None,
    grade: Annotated[str | None, typer.Option(help="Latest valuation grade: 一级…五级 or 待定.")] = None,
    disposition: Annotated[str | None, typer.Option(
        help="Latest disposition: 技术保护, 转化运用, 开放许可 or 终止维持.")] = None,
    limit: Annotated[int, typer.Option(help="Rows per page.", min=1, max=100_000)] = 50,
    offset: Annotated[int, typer.Option(help="Rows to skip.", min=0)] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Patents of the library matching every filter.

    Example: panhuo library query --cluster zj-415x-ict --region 33 --grade 二级 --json
    """
    with state(ctx).session() as session:
        try:
            result = library_service.query(session, industry=industry, cluster=cluster, sei=sei, wipo=wipo,
                                           ip_dense=ip_dense, region=region, grade=grade, disposition=disposition, limit=limit,
                                           offset=offset)
        except library_service.LibraryError as exc:
            fail(str(exc))
    if json_out:
        for item in result["items"]:
            emit(item)
        return
    table = Table("id", "申请号", "名称", "IPC", "地区")
    for i in result["items"]:
        table.add_row(str(i["patent_id"]), i["application_no"], (i["title"] or "")[:40], i["ipc_main"] or "",
                      i["region_code"] or "")
    console.print(table)
    typer.echo(f"{result['total']} patents match")


@library_app.command("override")
def override(
    ctx: typer.Context,
    patent_id: Annotated[int, typer.Argument(help="Patent id.")],
    scheme: Annotated[str, typer.Option(help="gbt4754 | sei | wipo | ipdense | cluster | ipc")],
    code: Annotated[str, typer.Option(help="The code to add or remove.")],
    reviewer: Annotated[str, typer.Option(help="Who decides.")],
    reason: Annotated[str, typer.Option(help="Why.")] = "",
    remove: Annotated[bool, typer.Option("--remove", help="Remove the code instead of adding it.")] = False,
    weight: Annotated[float | None, typer.Option(help="Weight of an added code (default 1).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a reviewer's correction; it is applied now and after every rebuild. An industry (gbt4754)
    correction also redoes the patent's SEI class, 专利密集型 flag and cluster fits.

    Example: panhuo library override 42 --scheme gbt4754 --code 3841 --reviewer 王审 --reason "锂电池正极"
    """
    st = state(ctx)
    cat = (taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
           if scheme == "gbt4754" else None)  # an industry decision also redoes SEI, 专利密集型, cluster fits
    clusters = _clusters(st) if cat is not None else None
    with st.session() as session:
        try:
            row = library_service.override(session, patent_id=patent_id, scheme=scheme, code=code,
                                           action="remove" if remove else "add", reviewer=reviewer, reason=reason,
                                           weight=weight, catalog=cat, clusters=clusters)
        except library_service.LibraryError as exc:
            fail(str(exc))
        result = {"id": row.id, "patent_id": patent_id, "scheme": scheme, "code": row.code, "action": row.action,
                  "reviewer": row.reviewer, "reason": row.reason}
    emit(result) if json_out else typer.echo(f"override #{result['id']} recorded")


@library_app.command("withdraw")
def withdraw(ctx: typer.Context, override_id: Annotated[int, typer.Argument(help="Override id (see library show).")],
             json_out: JsonOpt = False) -> None:
    """Withdraw a reviewer override (kept for the record, inactive) and rebuild that patent, so its computed
    values come back.

    Example: panhuo library withdraw 3
    """
    st = state(ctx)
    cat = taxonomy_service.catalog(data_dir=st.settings.data, workspace=st.settings.workspace)
    clusters = _clusters(st)
    with st.session() as session:
        row = library_service.withdraw_override(session, override_id=override_id)
        if row is None:
            fail(f"no override with id {override_id}")
        library_service.build(session, catalog=cat, clusters=clusters, patent_ids=[row.patent_id],
                              classify=taxonomy_service.text_classifier(workspace=st.settings.workspace))
        result = {"id": row.id, "patent_id": row.patent_id, "scheme": row.scheme, "code": row.code,
                  "action": row.action, "active": row.active}
    emit(result) if json_out else typer.echo(f"override #{override_id} withdrawn; patent {result['patent_id']} "
                                             f"rebuilt")


@library_app.command("clusters")
def clusters(ctx: typer.Context,
             region: Annotated[str | None, typer.Option(help="GB/T 2260 region, e.g. 330000.")] = None,
             top: Annotated[int, typer.Option(help="Patents listed per cluster.")] = 5,
             own: Annotated[bool, typer.Option("--own", help="Only patents whose owner is in the region.")] = False,
             json_out: JsonOpt = False) -> None:
    """A region's library view: patents by cluster (clusters are editable YAML in <workspace>/clusters/).

    Example: panhuo library clusters --region 330000
    """
    st = state(ctx)
    cluster_list = _clusters(st)
    with st.session() as session:
        result = library_service.by_cluster(session, region=region, clusters=cluster_list, top=top,
                                            owner_region=region if own else None)
    if not result:
        regions = sorted({c.region for c in cluster_list})
        fail(f"no clusters for region {region} (regions with clusters: {', '.join(regions) or 'none'}); "
             f"add a cluster YAML file to {library_service.clusters_dir(st.settings.workspace)}")
    if json_out:
        for item in result:
            emit(item)
        return
    for c in result:
        typer.echo(f"{c['cluster']} {c['name']}: {c['patents']} patents (maintained by {c['maintained_by']})")
        for p in c["top"]:
            typer.echo(f"   {p['patent_id']:>6} fit {p['fit']:.2f} {p['title'][:40]}")


def register(app: typer.Typer) -> None:
    app.add_typer(library_app, name="library")
