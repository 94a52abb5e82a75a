"""`panhuo licensing …`: open-licence declarations, campaigns, push lists, funnel, reminders, pricing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from panhuo.clitools import console, emit, err_console, fail, state
from panhuo.licensing import campaigns as campaign_service
from panhuo.licensing import contracts as contract_service
from panhuo.licensing import service as licensing_service
from panhuo.licensing.rules import LicensingError, RuleViolation
from panhuo.patents import service as patent_service

licensing_app = typer.Typer(help="开放许可, 区域定向许可 campaigns, contracts and payments.", no_args_is_help=True)
campaign_app = typer.Typer(help="区域定向许可 campaigns: create, import enterprises, push lists.",
                           no_args_is_help=True)
licensing_app.add_typer(campaign_app, name="campaign")

JsonOpt = Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")]
OnOpt = Annotated[Optional[str], typer.Option("--on", help="Date (YYYY-MM-DD, default today).")]
ACTOR = "cli"


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        fail(f"'{value}' is not a date (use YYYY-MM-DD)")


def _problems(exc: LicensingError) -> None:
    if isinstance(exc, RuleViolation):
        for p in exc.problems:
            err_console.print(f"  ✗ [{p.check}] {p.message}", markup=False, highlight=False)
    fail(str(exc) if not isinstance(exc, RuleViolation) else f"{len(exc.problems)} check(s) failed")


def _patent_id(session, number: str) -> int:
    patent = patent_service.get_by_number(db_session=session, number=number)
    if patent is None:
        fail(f"no patent with number {number!r} in this workspace")
    return patent.id


def _decl_row(d) -> dict:
    return {"id": d.id, "patent_number": d.patent_number, "patentee": d.patentee, "status": d.status,
            "fee_terms": d.fee_terms, "term_start": d.term_start, "term_end": d.term_end, "filed_on": d.filed_on,
            "published_on": d.published_on, "withdrawn_on": d.withdrawn_on, "version": d.version_id}


@licensing_app.command("declare")
def declare(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Patent number (application, publication or grant).")],
    mode: Annotated[str, typer.Option(help="lump_sum | royalty | entry_plus_royalty | free")],
    start: Annotated[str, typer.Option(help="Licence term start (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Licence term end (YYYY-MM-DD).")],
    fee: Annotated[Optional[str], typer.Option(help="Lump sum or entry fee, yuan.")] = None,
    royalty: Annotated[Optional[str], typer.Option(help="Royalty rate, percent.")] = None,
    basis: Annotated[Optional[str], typer.Option(help="Royalty basis: net_sales | profit.")] = None,
    other: Annotated[Optional[str], typer.Option(help="Other terms (no promotional wording).")] = None,
    trial_months: Annotated[int, typer.Option(help="Free months before the fee is due (先试用后付费).")] = 0,
    consent: Annotated[Optional[list[str]], typer.Option(help="A consenting co-owner (repeat).")] = None,
    pledgee_consent: Annotated[bool, typer.Option(help="The pledgee has consented.")] = False,
    eval_report: Annotated[Optional[str], typer.Option(help="专利权评价报告 number (UM/design).")] = None,
    eval_positive: Annotated[Optional[bool], typer.Option(help="The report's conclusion is positive.")] = None,
    file: Annotated[bool, typer.Option("--file", help="File it now (runs the eligibility checks).")] = False,
    on: OnOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Draft (and optionally file) an open-licence declaration; every failed check is listed by name.

    Example: panhuo licensing declare CN202110000001.X --mode lump_sum --fee 20000 --start 2025-01-01 --end 2027-12-31 --consent 山东大学 --file
    """
    with state(ctx).session() as session:
        try:
            decl = licensing_service.create_declaration(
                db_session=session, patent_id=_patent_id(session, number),
                fee_terms={"mode": mode, "lump_sum": fee, "royalty_pct": royalty, "royalty_basis": basis},
                term_start=_day(start), term_end=_day(end), other_terms=other, trial_months=trial_months,
                consenting_owners=consent or [], pledgee_consent=pledgee_consent, evaluation_report_no=eval_report,
                evaluation_report_positive=eval_positive, actor=ACTOR)
            if file:
                licensing_service.file_declaration(db_session=session, declaration_id=decl.id, on=_day(on),
                                                   actor=ACTOR)
        except LicensingError as exc:
            _problems(exc)
        row = _decl_row(decl)
    emit(row) if json_out else typer.echo(f"declaration {row['id']} for {row['patent_number']}: {row['status']}")


@licensing_app.command("check")
def check(ctx: typer.Context, declaration_id: Annotated[int, typer.Argument(help="Declaration id.")],
          on: OnOpt = None, json_out: JsonOpt = False) -> None:
    """Run every content and eligibility check on a declaration.

    Example: panhuo licensing check 12 --json
    """
    with state(ctx).session() as session:
        try:
            result = licensing_service.check(db_session=session, declaration_id=declaration_id, on=_day(on))
        except LicensingError as exc:
            _problems(exc)
    if json_out:
        emit(result)
        return
    for p in result["content"] + result["eligibility"]:
        typer.echo(f"✗ [{p['check']}] {p['message']}")
    typer.echo("ready to file" if result["ok"] else "not ready")
    if not result["ok"]:
        raise typer.Exit(2)


def _declaration_step(step: str):
    calls = {"file": licensing_service.file_declaration, "publish": licensing_service.publish_declaration,
             "withdraw": licensing_service.withdraw_declaration}

    def command(ctx: typer.Context, declaration_id: Annotated[int, typer.Argument(help="Declaration id.")],
                on: OnOpt = None, json_out: JsonOpt = False) -> None:
        with state(ctx).session() as session:
            try:
                decl = calls[step](db_session=session, declaration_id=declaration_id, on=_day(on), actor=ACTOR)
            except LicensingError as exc:
                _problems(exc)
            row = _decl_row(decl)
        emit(row) if json_out else typer.echo(f"declaration {row['id']}: {row['status']}")

    command.__doc__ = (f"Move a declaration: {step} it (the state machine refuses illegal moves).\n\n"
                       f"    Example: panhuo licensing {step} 12 --on 2025-01-20")
    return command


for _step in ("file", "publish", "withdraw"):
    licensing_app.command(_step)(_declaration_step(_step))


@campaign_app.command("create")
def campaign_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Campaign name.")],
    region: Annotated[list[str], typer.Option(help="GB/T 2260 region code (repeat).")],
    institution: Annotated[list[int], typer.Option(help="Participating institution id (repeat).")],
    industry: Annotated[Optional[list[str]], typer.Option(help="Target GB/T 4754 code (repeat).")] = None,
    trial_months: Annotated[int, typer.Option(help="Free-trial months.")] = 6,
    push_size: Annotated[int, typer.Option(help="Patents per enterprise.")] = 10,
    enterprises: Annotated[Optional[Path], typer.Option(help="Enterprise CSV to import.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a 区域定向许可 campaign, optionally importing its enterprises.

    Example: panhuo licensing campaign create --name 济南装备 --region 370100 --institution 3 --enterprises firms.csv
    """
    with state(ctx).session() as session:
        try:
            camp = campaign_service.create_campaign(
                db_session=session, name=name, region_codes=region, institution_ids=institution,
                target_industries=industry, trial_months=trial_months, push_size=push_size, actor=ACTOR)
            result = _import(session, camp.id, enterprises) if enterprises else {"added": 0, "errors": []}
        except LicensingError as exc:
            _problems(exc)
        out = {"campaign_id": camp.id, "name": camp.name, **result}
    emit(out) if json_out else typer.echo(f"campaign {out['campaign_id']}: {out['added']} enterprises, "
                                          f"{len(out['errors'])} rejected row(s)")


def _import(session, campaign_id: int, path: Path) -> dict:
    if not path.exists():
        fail(f"{path} does not exist")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = campaign_service.read_enterprise_csv(fh)
    result = campaign_service.add_enterprises(db_session=session, campaign_id=campaign_id, rows=rows, actor=ACTOR)
    for err in result["errors"]:
        err_console.print(f"row {err['row']} ({err['name']}): {err['error']}", markup=False, highlight=False)
    return result


@campaign_app.command("import")
def campaign_import(ctx: typer.Context, campaign_id: Annotated[int, typer.Argument()],
                    path: Annotated[Path, typer.Argument(help="CSV: name,region_code,industry_codes,needs,contact")],
                    json_out: JsonOpt = False) -> None:
    """Import enterprises from CSV; bad rows are reported, good rows kept.

    Example: panhuo licensing campaign import 1 firms.csv
    """
    with state(ctx).session() as session:
        try:
            result = _import(session, campaign_id, path)
        except LicensingError as exc:
            _problems(exc)
    emit(result) if json_out else typer.echo(f"{result['added']} added, {len(result['errors'])} rejected")


@campaign_app.command("push")
def campaign_push(ctx: typer.Context, campaign_id: Annotated[int, typer.Argument()], on: OnOpt = None,
                  size: Annotated[Optional[int], typer.Option(help="Patents per enterprise.")] = None,
                  json_out: JsonOpt = False) -> None:
    """Build each enterprise's push list (participating institutions first, then the provincial library).

    Example: panhuo licensing campaign push 1 --size 5 --json
    """
    with state(ctx).session() as session:
        try:
            summary = campaign_service.build_push_lists(db_session=session, campaign_id=campaign_id, on=_day(on),
                                                        size=size, actor=ACTOR)
        except LicensingError as exc:
            _problems(exc)
        items = campaign_service.push_items(db_session=session, campaign_id=campaign_id)
        rows = [{"item_id": i.id, "enterprise_id": i.enterprise_id, "patent_id": i.patent_id, "rank": i.rank,
                 "score": i.score, "source": i.source, "status": i.status, "reasons": i.reasons} for i in items]
    if json_out:
        for row in rows:
            emit(row)
        return
    table = Table("item", "企业", "专利", "名次", "得分", "来源", "理由")
    for r in rows:
        table.add_row(str(r["item_id"]), str(r["enterprise_id"]), str(r["patent_id"]), str(r["rank"]),
                      f"{r['score']:.2f}", r["source"], "; ".join(r["reasons"][1:3]))
    console.print(table)
    err_console.print(f"{summary['created']} new item(s); sources: {summary['sources']}")


@licensing_app.command("funnel")
def funnel_cmd(ctx: typer.Context, campaign: Annotated[Optional[int], typer.Option(help="Campaign id.")] = None,
               by: Annotated[Optional[str], typer.Option(help="campaign | region | institution | industry")] = None,
               json_out: JsonOpt = False) -> None:
    """Funnel pushed → interested → trial → licensed with conversion rates and days to licence.

    Example: panhuo licensing funnel --by region --json
    """
    with state(ctx).session() as session:
        try:
            rows = campaign_service.funnel_metrics(db_session=session, campaign_id=campaign, by=by)
        except LicensingError as exc:
            _problems(exc)
    if json_out:
        for row in rows:
            emit(row)
        return
    table = Table("分组", "推送", "意向", "试用", "许可", "拒绝", "许可率", "中位天数")
    for r in rows:
        table.add_row(r["group"], *(str(r[k]) for k in ("pushed", "interested", "trial", "licensed", "declined")),
                      f"{r['licence_rate']:.1%}" if r["licence_rate"] is not None else "–",
                      str(r["median_days_to_licence"] or "–"))
    console.print(table)


@licensing_app.command("reminders")
def reminders(ctx: typer.Context, on: OnOpt = None,
              days: Annotated[int, typer.Option(help="Look-ahead in days.")] = 30, json_out: JsonOpt = False) -> None:
    """Payments due or overdue and recordals (备案) whose 3-month deadline is near.

    Example: panhuo licensing reminders --days 14 --json
    """
    with state(ctx).session() as session:
        rows = [{"type": "payment", **r} for r in
                contract_service.reminders(db_session=session, on=_day(on), within_days=days)]
        rows += [{"type": "recordal", **r} for r in
                 licensing_service.recordals_due(db_session=session, on=_day(on), within_days=days)]
    for row in rows:
        emit(row) if json_out else typer.echo(" ".join(f"{k}={v}" for k, v in row.items()))


@licensing_app.command("price")
def price(ctx: typer.Context, number: Annotated[str, typer.Argument(help="Patent number.")], on: OnOpt = None,
          json_out: JsonOpt = False) -> None:
    """Pricing assistant: proposed fee terms from grade, industry and comparable deals, checked against caps.

    Example: panhuo licensing price CN202110000001.X --json
    """
    with state(ctx).session() as session:
        try:
            result = contract_service.price_proposal(db_session=session, patent_id=_patent_id(session, number),
                                                     on=_day(on))
        except LicensingError as exc:
            _problems(exc)
    if json_out:
        emit(result)
        return
    typer.echo(f"{result['patent']}: lump sum {result['lump_sum']['lump_sum']} yuan "
               f"(range {' – '.join(result['lump_sum_range'])}), royalty {result['royalty']['royalty_pct']} % of "
               f"net sales; basis: {result['basis']}")
    for reason in result["reasons"]:
        typer.echo(f"  · {reason}")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept on the record and in the audit log).")]
VersionOpt = Annotated[Optional[int], typer.Option("--version", help="The version you read: a newer one is a "
                                                                     "conflict and nothing changes.")]


@licensing_app.command("cancel-contract")
def cancel_contract(ctx: typer.Context, contract_id: Annotated[int, typer.Argument(help="Contract id.")],
                    reason: ReasonOpt, on: OnOpt = None, version: VersionOpt = None,
                    json_out: JsonOpt = False) -> None:
    """Cancel a draft contract made by mistake (kept with date, reason and audit; never deleted).

    Example: panhuo licensing cancel-contract 7 --reason "duplicate of contract 8" --json
    """
    with state(ctx).session() as session:
        try:
            c = contract_service.cancel_contract(db_session=session, contract_id=contract_id, on=_day(on),
                                                 reason=reason, actor=ACTOR, expected_version=version)
        except LicensingError as exc:
            _problems(exc)
        row = {"id": c.id, "status": c.status, "cancelled_on": c.cancelled_on, "reason": c.cancel_reason,
               "push_item_id": c.push_item_id, "version": c.version_id}
    emit(row) if json_out else typer.echo(f"contract {row['id']}: {row['status']}")


@licensing_app.command("terminate-licence")
def terminate_licence(ctx: typer.Context, licence_id: Annotated[int, typer.Argument(help="Open licence id.")],
                      reason: ReasonOpt, on: OnOpt = None, version: VersionOpt = None,
                      json_out: JsonOpt = False) -> None:
    """Terminate an effective or recorded open licence, with the reason the licensee sees.

    Example: panhuo licensing terminate-licence 3 --reason "使用费逾期未付" --on 2026-04-01 --json
    """
    with state(ctx).session() as session:
        try:
            lic = licensing_service.terminate_open_licence(db_session=session, licence_id=licence_id, on=_day(on),
                                                           reason=reason, actor=ACTOR, expected_version=version)
        except LicensingError as exc:
            _problems(exc)
        row = {"id": lic.id, "status": lic.status, "terminated_on": lic.terminated_on,
               "reason": lic.termination_reason, "licensee": lic.licensee_name, "version": lic.version_id}
    emit(row) if json_out else typer.echo(f"open licence {row['id']}: {row['status']}")


def register(app: typer.Typer) -> None:
    app.add_typer(licensing_app, name="licensing")


