"""`panhuo licensing …` on a real database: JSON Lines out, clear errors, exit codes."""

import json

from typer.testing import CliRunner

from panhuo.cli import app
from panhuo.db import get_engine, session_scope

runner = CliRunner()


def _run(db_url, *args):
    return runner.invoke(app, ["--db", db_url, "licensing", *args])


def _lines(result):
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_declare_check_publish_and_campaign_from_the_command_line(db_url, factory, tmp_path):
    with session_scope(get_engine(db_url)) as s:
        uni = factory.org(s, "山东某大学")
        patent = factory.patent(s, institution=uni)
        number, uni_id = patent.application_no, uni.id
    bad = _run(db_url, "declare", number, "--mode", "lump_sum", "--fee", "30000000", "--start", "2025-01-01",
               "--end", "2027-01-01", "--other", "国内领先")
    assert bad.exit_code == 1 and "[fee_cap]" in bad.stderr and "'国内领先'" in bad.stderr
    ok = _run(db_url, "declare", number, "--mode", "lump_sum", "--fee", "20000", "--start", "2025-01-01",
              "--end", "2027-01-01", "--consent", "山东某大学", "--file", "--on", "2025-01-02", "--json")
    assert ok.exit_code == 0, ok.stderr
    [decl] = _lines(ok)
    assert decl["status"] == "filed"
    assert _lines(_run(db_url, "check", str(decl["id"]), "--json"))[0]["ok"] is True
    again = _run(db_url, "file", str(decl["id"]))
    assert again.exit_code == 1 and "cannot go from 'filed' to 'filed'" in again.stderr
    assert _lines(_run(db_url, "publish", str(decl["id"]), "--on", "2025-01-20", "--json"))[0]["status"] == "published"

    csv = tmp_path / "firms.csv"
    csv.write_text("name,region_code,industry_codes,needs\n济南重工,370112,C3511,液压挖掘机\n坏行,37,C3511,\n",
                   encoding="utf-8")
    made = _run(db_url, "campaign", "create", "--name", "济南装备", "--region", "370100", "--institution",
                str(uni_id), "--enterprises", str(csv), "--json")
    assert made.exit_code == 0, made.stderr
    [camp] = _lines(made)
    assert camp["added"] == 1 and camp["errors"][0]["row"] == 3 and "row 3" in made.stderr
    pushed = _lines(_run(db_url, "campaign", "push", str(camp["campaign_id"]), "--on", "2025-03-01", "--json"))
    assert pushed and pushed[0]["source"] == "institution" and pushed[0]["reasons"]
    [funnel] = _lines(_run(db_url, "funnel", "--campaign", str(camp["campaign_id"]), "--json"))
    assert funnel["pushed"] == len(pushed) and funnel["licensed"] == 0
    price = _lines(_run(db_url, "price", number, "--json"))[0]
    assert price["basis"] == "grade table" and price["problems"] == []
    assert price["annual_fee_effect"]["available"] is True  # fee engine: cost to expiry and OL saving
    assert price["annual_fee_effect"]["cost_to_expiry_yuan"] > 0
    wrong = _run(db_url, "funnel", "--by", "colour")
    assert wrong.exit_code == 1 and "cannot group" in wrong.stderr


def test_cancel_a_draft_and_terminate_an_open_licence_from_the_command_line(db_url, factory):
    from datetime import date
    from decimal import Decimal

    from panhuo.licensing import contracts as contract_service
    from panhuo.licensing import service as licensing_service

    with session_scope(get_engine(db_url)) as s:
        uni = factory.org(s, "山东某大学")
        patent = factory.patent(s, institution=uni)
        c = contract_service.create_contract(db_session=s, kind="licence", patent_ids=[patent.id],
                                             licensor_name="山东某大学", licensee_name="济南重工")
        decl = licensing_service.create_declaration(
            db_session=s, patent_id=patent.id, fee_terms={"mode": "free"}, term_start=date(2025, 1, 1),
            term_end=date(2027, 1, 1), consenting_owners=["山东某大学"])
        decl.status, decl.published_on = "published", date(2025, 1, 20)  # the filing checks are tested elsewhere
        lic = licensing_service.take_open_licence(db_session=s, declaration_id=decl.id, licensee_name="济南重工",
                                                  notified_on=date(2025, 2, 1))
        licensing_service.pay_open_licence(db_session=s, licence_id=lic.id, paid_on=date(2025, 2, 2),
                                           amount=Decimal(0))
        licensing_service.licence_effective(db_session=s, licence_id=lic.id, on=date(2025, 2, 3))
        cid, lid, version = c.id, lic.id, c.version_id
    assert _run(db_url, "cancel-contract", str(cid), "--reason", " ").exit_code == 1
    stale = _run(db_url, "cancel-contract", str(cid), "--reason", "建错了", "--version", str(version + 1))
    assert stale.exit_code == 1 and "changed by someone else" in stale.stderr
    [row] = _lines(_run(db_url, "cancel-contract", str(cid), "--reason", "建错了", "--on", "2025-03-01", "--json"))
    assert (row["status"], row["cancelled_on"], row["reason"]) == ("cancelled", "2025-03-01", "建错了")
    again = _run(db_url, "cancel-contract", str(cid), "--reason", "再来")
    assert again.exit_code == 1 and "'cancelled' to 'cancelled'" in again.stderr
    [row] = _lines(_run(db_url, "terminate-licence", str(lid), "--reason", "使用费逾期未付", "--on", "2025-06-01",
                        "--json"))
    assert (row["status"], row["terminated_on"], row["reason"]) == ("terminated", "2025-06-01", "使用费逾期未付")
