"""`panhuo library …` end to end on a committed database (SQLite and PostgreSQL), without reference data."""

import json

from typer.testing import CliRunner

from panhuo.db import get_engine, load_all_models, session_scope
from panhuo.patents.models import Patent

runner = CliRunner()


def test_build_override_rebuild_show_and_query(db_url, tmp_path):
    load_all_models()
    with session_scope(get_engine(db_url)) as db:
        db.add(Patent(application_no="CN202310000009.1", title="一种动力电池包", ipc_main="H01M50/20",
                      ipc_all=["H01M50/20"], region_code="370200", synthetic=True))
    empty = tmp_path / "no-data"
    empty.mkdir()
    base = ["-w", str(tmp_path), "--db", db_url, "--data", str(empty)]
    built = runner.invoke(app_(), base + ["library", "build", "--json"])
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["without_industry"] == 1  # no concordance without the data sets
    with session_scope(get_engine(db_url)) as db:
        pid = db.query(Patent.id).scalar()
    added = runner.invoke(app_(), base + ["library", "override", str(pid), "--scheme", "gbt4754", "--code", "3841",
                                          "--reviewer", "王审", "--reason", "动力电池", "--json"])
    assert added.exit_code == 0, added.output
    runner.invoke(app_(), base + ["library", "build", "--json"])
    shown = json.loads(runner.invoke(app_(), base + ["library", "show", str(pid), "--json"]).stdout)
    assert shown["assignments"]["gbt4754"][0]["source"] == "reviewer:王审"
    assert shown["overrides"][0]["reason"] == "动力电池"
    found = runner.invoke(app_(), base + ["library", "query", "--industry", "38", "--region", "37", "--json"])
    assert [json.loads(line)["patent_id"] for line in found.stdout.splitlines()] == [pid]
    dense = runner.invoke(app_(), base + ["library", "query", "--not-ip-dense", "--json"])
    assert dense.exit_code == 0 and [json.loads(line)["patent_id"] for line in dense.stdout.splitlines()] == [pid]
    withdrawn = runner.invoke(app_(), base + ["library", "withdraw", str(shown["overrides"][0]["id"]), "--json"])
    assert withdrawn.exit_code == 0 and json.loads(withdrawn.stdout)["active"] is False
    shown = json.loads(runner.invoke(app_(), base + ["library", "show", str(pid), "--json"]).stdout)
    assert "gbt4754" not in shown["assignments"] and shown["overrides"][0]["active"] is False
    missing = runner.invoke(app_(), base + ["library", "withdraw", "999999"])
    assert missing.exit_code == 1 and "no override with id 999999" in missing.output
    wrong = runner.invoke(app_(), base + ["library", "query", "--disposition", "keep"])
    assert wrong.exit_code == 1 and "unknown disposition" in wrong.output
    unknown = runner.invoke(app_(), base + ["library", "show", "999999"])
    assert unknown.exit_code == 1 and "no patent with id 999999" in unknown.output
    nowhere = runner.invoke(app_(), base + ["library", "clusters", "--region", "110000"])
    assert nowhere.exit_code == 1 and "no clusters for region 110000" in nowhere.output and "330000" in nowhere.output
    refused = runner.invoke(app_(), base + ["library", "override", str(pid), "--scheme", "nope", "--code", "1",
                                            "--reviewer", "王审"])
    assert refused.exit_code == 1 and "unknown scheme" in refused.output


def app_():
    from panhuo.cli import app

    return app
