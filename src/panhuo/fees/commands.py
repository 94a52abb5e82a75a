"""`panhuo fees calendar|show|schedule|cost`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer
from rich.table import Table

from panhuo.clitools import console, emit, fail, state
from panhuo.fees import engine
from panhuo.fees import service as fee_service
from panhuo.fees.schedule import PATENT_TYPES, FeeScheduleError, load_schedule, schedule_for

fees_app = typer.Typer(help="Annual fees (年费): calendar, per-patent facts, schedule, portfolio cost.",
                       no_args_is_help=True)

AsOf = Annotated[Optional[str], typer.Option("--as-of", help="Date to compute from (YYYY-MM-DD; default today).")]
Institution = Annotated[Optional[str], typer.Option("--institution", help="Organisation id or exact name.")]
Enterprise = Annotated[bool, typer.Option("--enterprise-eligible/--enterprise-ineligible",
                                          help="Treat enterprises of unknown income as 费减-eligible.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Emit JSON Lines.")]


def _as_of(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of must be a date like 2025-01-31, got {value!r}")


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}".rstrip("0").rstrip(".")


def _institution_id(session, ref: str | None) -> int | None:
    if ref is None:
        return None
    org = fee_service.resolve_institution(db_session=session, ref=ref)
    if org is None:
        fail(f"no organisation {ref!r} (give its id or exact name)")
    return org.id


@fees_app.command("calendar")
def calendar_cmd(ctx: typer.Context, months: Annotated[int, typer.Option(help="Months ahead.")] = 12,
                 institution: Institution = None, as_of: AsOf = None, enterprise_eligible: Enterprise = False,
                 json_out: JsonOut = False) -> None:
    """Fees falling due in the next months, with the reduction applied and the grace-period end.

    Example: panhuo fees calendar --months 12 --institution 浙江大学 --json
    """
    day = _as_of(as_of)
    policy = fee_service.EligibilityPolicy(enterprise=enterprise_eligible)
    with state(ctx).session() as session:
        entries = fee_service.payment_calendar(db_session=session, as_of=day, months=months, policy=policy,
                                               institution_id=_institution_id(session, institution))
    if json_out:
        for e in entries:
            emit({**e.__dict__, "fee": e.fee_fen / 100, "full_fee": e.full_fen / 100})
        return
    table = Table("到期日 due", "申请号", "名称", "年度", "年费 fee", "减缴", "滞纳期止 grace end",
                  title=f"年费日历 {day} + {months} 个月")
    for e in entries:
        table.add_row(str(e.due_date), e.application_no, e.title[:24], str(e.year), _yuan(e.fee_fen),
                      f"{e.pct}% {e.basis}" if e.pct else "", str(e.grace_end))
    console.print(table)
    for month, fen in fee_service.monthly_totals(entries).items():
        console.print(f"{month}: {_yuan(fen)} 元")
    console.print(f"合计 total: {_yuan(sum(e.fee_fen for e in entries))} 元, {len(entries)} 笔 fees")


def _show_record(pf: fee_service.PatentFees) -> dict:
    facts = pf.facts
    record = {
        "application_no": pf.patent.application_no, "patent_type": pf.patent.patent_type,
        "reduction_pct": pf.decision.pct, "reduction_reason": pf.decision.reason, "flags": list(pf.decision.flags),
        "owners": [o.__dict__ for o in pf.owners], "problems": pf.problems,
    }
    if facts is None:
        return record
    nd = facts.next_due
    record.update({
        "as_of": facts.as_of, "patent_year": facts.patent_year, "grant_year": facts.grant_year,
        "next_due_date": nd.due_date if nd else None, "next_fee": nd.fee_fen / 100 if nd else None,
        "next_full_fee": nd.full_fen / 100 if nd else None, "next_reduction_pct": nd.pct if nd else None,
        "next_reduction_basis": nd.basis if nd else None, "cost_to_expiry": facts.cost_to_expiry_fen / 100,
        "reduction_window": facts.reduction_window, "reduction_window_end": facts.reduction_window_end,
        "expiry_date": facts.expiry_date, "open_licence_since": pf.case.open_licence_since,
        "open_licence_saving": facts.open_licence_saving_fen / 100,
        "cliffs": [{"year": c.year, "due_date": c.due_date, "fee_before": c.fee_before_fen / 100,
                    "fee_after": c.fee_after_fen / 100, "ratio": round(c.ratio, 2), "kinds": list(c.kinds)}
                   for c in facts.cliffs],
    })
    return record


@fees_app.command("show")
def show_cmd(ctx: typer.Context, number: Annotated[str, typer.Argument(help="Application, publication or grant no.")],
             as_of: AsOf = None, enterprise_eligible: Enterprise = False, json_out: JsonOut = False) -> None:
    """Next fee due, the reduction applied and why, cliffs, cost to expiry and the open-licence effect.

    Example: panhuo fees show CN201810123456.7 --as-of 2025-01-01
    """
    from panhuo.patents import service as patent_service

    day = _as_of(as_of)
    with state(ctx).session() as session:
        patent = patent_service.get_by_number(db_session=session, number=number)
        if patent is None:
            fail(f"no patent with number {number!r} in this workspace")
        record = _show_record(fee_service.fees_for(
            db_session=session, patent=patent, as_of=day,
            policy=fee_service.EligibilityPolicy(enterprise=enterprise_eligible)))
    if json_out:
        emit(record)
        return
    for key, value in record.items():
        if key == "cliffs":
            for c in value:
                console.print(f"  cliff 年度 {c['year']} ({c['due_date']}): {c['fee_before']} → {c['fee_after']} "
                              f"×{c['ratio']} {', '.join(c['kinds'])}", markup=False)
        elif value not in (None, [], ""):
            console.print(f"{key}: {value}", markup=False)


@fees_app.command("schedule")
def schedule_cmd(as_of: AsOf = None, file: Annotated[Optional[str], typer.Option(
                     "--file", help="Validate and show this schedule file instead.")] = None,
                 json_out: JsonOut = False) -> None:
    """The fee schedule in force (annual fees by patent year, reductions, surcharge rule) with sources.

    Example: panhuo fees schedule --json
    """
    try:
        s = load_schedule(file) if file else schedule_for(_as_of(as_of))
    except FeeScheduleError as exc:
        fail(str(exc))
    if json_out:
        for t in PATENT_TYPES:
            for year, fee in enumerate(s.fees[t], start=1):
                emit({"edition": s.edition, "effective_from": s.effective_from, "patent_type": t, "year": year,
                      "fee": fee, "reduced_85": engine.reduce_fen(fee * 100, s.sole_owner_pct) / 100,
                      "reduced_70": engine.reduce_fen(fee * 100, s.joint_owners_pct) / 100,
                      "open_licence": engine.reduce_fen(fee * 100, s.open_licence_pct) / 100})
        return
    table = Table("年度 year", *PATENT_TYPES, title=f"{s.edition} (effective {s.effective_from})")
    for year in range(1, max(s.terms.values()) + 1):
        table.add_row(str(year), *(str(s.full_fee(t, year) or "–") for t in PATENT_TYPES))
    table.add_row("total", *(str(s.total(t)) for t in PATENT_TYPES))
    console.print(table)
    console.print(f"费减 {s.sole_owner_pct}% sole / {s.joint_owners_pct}% joint, {s.window_years} years from the grant "
                  f"year; open licence {s.open_licence_pct}% (never combined); grace {s.grace_months} months, "
                  f"surcharge {s.surcharge_pct_per_month}% of the full fee per month ({s.month_rule}); restoration "
                  f"{s.restoration_fee} within {s.restoration_months} months; term compensation "
                  f"{s.compensation_annual_fee}/year", markup=False)
    for key, prov in s.provenance.items():
        console.print(f"  {key}: [{prov['label']}] {s.sources.get(prov['source'], prov['source'])}", markup=False)


@fees_app.command("cost")
def cost_cmd(ctx: typer.Context, institution: Institution = None, as_of: AsOf = None,
             drop: Annotated[Optional[str], typer.Option(help="Comma-separated application numbers to drop, or "
                                                              "'termination' for the 终止维持 set.")] = None,
             enterprise_eligible: Enterprise = False, json_out: JsonOut = False) -> None:
    """Total cost to expiry of the portfolio and the saving if a set of patents is dropped.

    Example: panhuo fees cost --institution 1 --drop termination
    """
    from panhuo.patents import service as patent_service

    day = _as_of(as_of)
    with state(ctx).session() as session:
        inst = _institution_id(session, institution)
        drop_ids: set[int] = set()
        if drop == "termination":
            found = fee_service.termination_set(db_session=session, institution_id=inst)
            if not found:
                fail("no patent's latest evaluation recommends 终止维持 (run `panhuo evaluate` first if the "
                     "portfolio has not been evaluated)")
            drop_ids = found
        elif drop:
            for number in filter(None, (n.strip() for n in drop.split(","))):
                patent = patent_service.get_by_number(db_session=session, number=number)
                if patent is None:
                    fail(f"no patent with number {number!r} in this workspace")
                drop_ids.add(patent.id)
        result = fee_service.portfolio_cost(db_session=session, as_of=day, institution_id=inst, drop_ids=drop_ids,
                                            policy=fee_service.EligibilityPolicy(enterprise=enterprise_eligible))
    record = {k: (v / 100 if k.endswith("_fen") else v) for k, v in result.__dict__.items()}
    record = {k.removesuffix("_fen"): v for k, v in record.items()}
    if json_out:
        emit({"as_of": day, **record})
        return
    for key, value in record.items():
        console.print(f"{key}: {value:,}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(fees_app, name="fees")
