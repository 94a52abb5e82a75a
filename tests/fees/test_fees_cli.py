"""`panhuo fees` end to end on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from panhuo.cli import app
from panhuo.db import get_engine, session_scope
from panhuo.patents.models import Party, Patent, PatentParty

runner = CliRunner()


def seed(db_url: str) -> None:
    with session_scope(get_engine(db_url)) as session:
        for number, owners in (("CN201810000021.1", [("浙江大学", "university")]),
                               ("CN201810000022.1", [("浙江大学", "university"), ("某某科技有限公司", "enterprise")])):
            patent = Patent(application_no=number, patent_type="invention", title="一种装置", legal_status="valid",
                            filing_date=date(2018, 5, 20), grant_date=date(2021, 9, 1))
            for i, (name, kind) in enumerate(owners):
                party = session.query(Party).filter_by(key=name).one_or_none() or Party(name=name, key=name,
                                                                                       kind=kind)
                patent.parties.append(PatentParty(party=party, role="patentee", position=i, raw_name=name))
            session.add(patent)
            session.flush()


def run(db_url: str, *args: str):
    result = runner.invoke(app, ["--db", db_url, "fees", *args])
    return result


def test_show_calendar_and_cost(db_url):
    seed(db_url)
    shown = run(db_url, "show", "CN201810000022.1", "--as-of", "2030-06-01", "--json")
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    assert record["reduction_pct"] == 0 and "joint_ineligible_owner" in record["flags"]
    assert (record["next_due_date"], record["next_fee"]) == ("2031-05-20", 6000.0)

    cal = run(db_url, "calendar", "--as-of", "2030-06-01", "--months", "12", "--json")
    rows = [json.loads(line) for line in cal.stdout.splitlines()]
    assert cal.exit_code == 0 and [(r["application_no"], r["fee"]) for r in rows] == [
        ("CN201810000021.1", 6000.0), ("CN201810000022.1", 6000.0)]  # the sole owner hits the 费减 cliff too

    cost = run(db_url, "cost", "--as-of", "2030-06-01", "--drop", "CN201810000022.1", "--json")
    summary = json.loads(cost.stdout)
    assert (summary["patents"], summary["dropped"], summary["saving"]) == (2, 1, 6000 * 2 + 8000 * 5)


def test_errors_are_clear(db_url):
    seed(db_url)
    missing = run(db_url, "show", "CN209999999999.9")
    assert missing.exit_code == 1 and "no patent with number" in missing.output
    bad_date = run(db_url, "calendar", "--as-of", "tomorrow")
    assert bad_date.exit_code == 1 and "--as-of must be a date" in bad_date.output
